"""Helpers of the handling tests (deadlines, employers, privacy)."""

from __future__ import annotations

import copy
import itertools
import json
import uuid
from typing import Any

import sqlalchemy as sa
from labor_contracts.envelope import Envelope
from labor_contracts.events import EventData
from labor_runtime.bus import Publisher
from labor_runtime.testing import eventually

from .conftest import staff_token
from .test_complaints import BODY

_keys = itertools.count()


def body(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BODY)
    for key, value in changes.items():
        data[key] = value
    return data


async def file(service, **changes: Any) -> dict[str, Any]:
    response = await service.client.post(
        "/v1/complaints", json=body(**changes),
        headers={"X-API-Key": service.hotline_key, "Idempotency-Key": f"key-{uuid.uuid4().hex}"})
    assert response.status_code == 201, response.text
    return response.json()


def bearer(*roles: str, district: str | None = "d01", subject: str = "officer-1") -> dict[str, str]:
    return {"Authorization": f"Bearer {staff_token(*roles, district=district, subject=subject)}"}


async def accepted_events(service) -> list[dict[str, Any]]:
    """The ComplaintAccepted payloads intake committed, oldest first."""
    async with service.runtime.engine.connect() as conn:
        bodies = (await conn.execute(sa.text(
            "SELECT body FROM outbox WHERE routing_key = 'intake.complaint.accepted.v1' "
            "ORDER BY id"))).scalars().all()
    return [json.loads(b)["data"] for b in bodies]


async def outbox_of(service, routing_key: str) -> list[dict[str, Any]]:
    async with service.runtime.engine.connect() as conn:
        bodies = (await conn.execute(sa.text(
            "SELECT body FROM outbox WHERE routing_key = :k ORDER BY id"), {"k": routing_key}
        )).scalars().all()
    return [json.loads(b)["data"] for b in bodies]


async def send(publisher: Publisher, data: EventData, *, source: str = "/services/cases",
               subject: str | None = None) -> Envelope:
    """Publish `data` as its producer does (routing key = event type)."""
    envelope = Envelope(source=source, type=data.event_type,
                        subject=subject or getattr(data, "case_id", None),
                        data=data.model_dump(mode="json"))
    await publisher.publish_raw(envelope.type, envelope.to_bytes(), message_id=envelope.id)
    return envelope


async def consuming(service) -> None:
    async def ready() -> bool:
        return service.runtime.consumer.consuming.is_set()

    await eventually(ready)
