from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from cases.__main__ import MIGRATIONS
from cases.app import create_app
from cases.settings import CasesSettings
from labor_contracts.common import EmployerRef
from labor_contracts.envelope import Envelope, schema_url
from labor_contracts.events import EventData
from labor_contracts.intake import ComplaintAccepted
from labor_runtime.bus import Publisher
from labor_runtime.security import CITY, mint_token
from labor_runtime.settings import DEV_JWT_SECRET
from labor_runtime.testing import eventually, probing, running_service, swept

CREDIT_CODE = "91350100M000100Y43"


class Upstream:
    """Stands in for intake, notify and publish: publishes their events on the run's exchange."""

    def __init__(self, amqp_url: str, exchange: str) -> None:
        self.publisher = Publisher(amqp_url, exchange, timeout=5)

    async def send(self, data: EventData, *, source: str, subject: str | None = None,
                   event_id: str | None = None) -> Envelope:
        envelope = Envelope(id=event_id or str(uuid.uuid4()), source=source, type=data.event_type,
                            subject=subject, dataschema=schema_url(data.event_type),
                            data=data.model_dump(mode="json"))
        await self.resend(envelope)
        return envelope

    async def resend(self, envelope: Envelope) -> None:
        await self.publisher.publish_raw(envelope.type, envelope.to_bytes(), message_id=envelope.id)


@pytest.fixture
async def cases(infrastructure, bus_prefix):
    exchange = f"{bus_prefix}labor.events"
    async with probing(infrastructure.amqp_url, exchange,
                       ["cases.#", "runtime.deadline.overdue.v1"]) as probe, \
            running_service(CasesSettings, create_app, MIGRATIONS, infrastructure, bus_prefix,
                            public_base_url="https://cases.example.gov.cn") as service:
        consumer = service.runtime.consumer

        async def consuming() -> bool:
            return consumer.consuming.is_set()

        await eventually(consuming)
        service.upstream = Upstream(infrastructure.amqp_url, exchange)
        service.probe = probe
        try:
            yield service
        finally:
            await service.upstream.publisher.close()


def staff_token(*roles: str, subject: str, district: str | None = CITY) -> str:
    return mint_token(DEV_JWT_SECRET, subject=subject, roles=list(roles), district=district)


def auth(*roles: str, subject: str = "officer-1", district: str | None = CITY) -> dict[str, str]:
    return {"Authorization": f"Bearer {staff_token(*roles, subject=subject, district=district)}"}


OFFICER = auth("officer_a", subject="officer-zhang", district="d01")
REVIEWER = auth("reviewer_b", subject="reviewer-wang", district="d01")
BRIGADE_CHIEF = auth("brigade_chief", subject="chief-li", district="d01")
DETACHMENT_CHIEF = auth("detachment_chief", subject="chief-zhao")


def complaint(*, worker_count: int = 6, arrears: str = "120000.00", suspected_crime: bool = False,
              mass_incident: bool = False, received_at: datetime | None = None,
              employer_id: str | None = None, district: str = "d01") -> ComplaintAccepted:
    return ComplaintAccepted(
        complaint_id=str(uuid.uuid4()), channel="hotline_12333",
        received_at=received_at or datetime.fromisoformat("2026-03-02T01:00:00+00:00"),
        employer=EmployerRef(credit_code=CREDIT_CODE, name="某某建筑工程有限公司",
                             address="某市某区某路1号"),
        district=district, employer_id=employer_id, worker_count=worker_count,
        arrears_amount=Decimal(arrears),
        suspected_crime=suspected_crime, mass_incident=mass_incident,
        summary="工人三个月工资未发")


async def later(service, delta: timedelta) -> None:
    """Move the service's clock by `delta` and fire every timer due by then."""
    service.runtime.clock.advance(delta)
    await swept(service.runtime.sweeper)


async def wait(condition, timeout: float = 30.0) -> None:
    await eventually(condition, timeout=timeout)


async def sleep_briefly() -> None:
    await asyncio.sleep(0.5)


REGISTRATION_FORM = {
    "facts": "某某公司拖欠两名工人2025年10月至12月工资共计8000元",
    "employer": {"name": "某某建筑工程有限公司", "credit_code": CREDIT_CODE,
                 "address": "某市某区某路1号"},
    "workers": [{"reference": "工人甲", "months": "2025-10..12", "amount": "4000.00"},
                {"reference": "工人乙", "months": "2025-10..12", "amount": "4000.00"}],
    "amount": "8000.00",
}


async def submit_and_review(service, case_id: str) -> dict:
    """R-CASE-2: officer A fills the registration form, reviewer B approves it."""
    response = await service.client.post(f"/v1/cases/{case_id}/registration-form",
                                         json=REGISTRATION_FORM, headers=OFFICER)
    assert response.status_code == 201, response.text
    response = await service.client.post(f"/v1/cases/{case_id}/registration-form/review",
                                         json={"decision": "approve", "reason": "材料齐全，符合立案条件"},
                                         headers=REVIEWER)
    assert response.status_code == 200, response.text
    return response.json()
