from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from labor_contracts.cases import PenaltyDecided
from labor_contracts.common import EmployerRef
from labor_contracts.envelope import Envelope
from labor_runtime.security import CITY, mint_token
from labor_runtime.settings import DEV_JWT_SECRET
from labor_runtime.testing import HttpReceiver, eventually, publish_events, running_service
from publish.__main__ import MIGRATIONS
from publish.app import create_app
from publish.settings import PublishSettings

# The receiver listens on 127.0.0.1 and over plain HTTP: allowed explicitly, as in development.
LOCAL_WEBHOOKS = {"webhook_allow_private_networks": True, "webhook_require_https": False,
                  "webhook_poll_seconds": 0.1}


@pytest.fixture
async def publish(infrastructure, bus_prefix):
    async with running_service(PublishSettings, create_app, MIGRATIONS, infrastructure,
                               bus_prefix, **LOCAL_WEBHOOKS) as service:
        service.bus_prefix = bus_prefix
        service.amqp_url = infrastructure.amqp_url
        yield service


@pytest.fixture
async def publish_strict(infrastructure, bus_prefix):
    """Production's SSRF rule (no private addresses); plain http only so the address is judged."""
    async with running_service(PublishSettings, create_app, MIGRATIONS, infrastructure,
                               bus_prefix, webhook_require_https=False) as service:
        yield service


def token(*roles: str, subject: str = "ops-1") -> str:
    return mint_token(DEV_JWT_SECRET, subject=subject, roles=list(roles), district=CITY)


def ops() -> dict[str, str]:
    return {"Authorization": f"Bearer {token('ops')}"}


# A real HTTP receiver (a partner's endpoint) ------------------------------------------------


@pytest.fixture
def receiver():
    server = HttpReceiver()
    server.start()
    yield server
    server.stop()


# Penalty decisions from cases, through the real exchange ------------------------------------


def penalty_decided(**overrides: object) -> dict[str, object]:
    decision = PenaltyDecided(
        case_id=str(uuid.uuid4()), decision_id=str(uuid.uuid4()),
        decision_number=f"某人社监罚〔2025〕{uuid.uuid4().int % 1000}号",
        employer=EmployerRef(credit_code="91350100M000100Y43", name="某某建筑工程有限公司",
                             legal_representative="李四", address="某市某区某路1号"),
        district="d01", violation="拖欠六名劳动者工资共计120000元",
        legal_basis="《保障农民工工资支付条例》第五十四条", fine_amount=Decimal("50000.00"),
        measures=["责令限期支付劳动报酬"], authority="某市人力资源和社会保障局",
        decided_at=datetime(2025, 3, 3, 2, 0, tzinfo=UTC), publish_by=date(2025, 3, 10),
        worker_count=6, arrears_amount=Decimal("120000.00"))
    return {**decision.model_dump(mode="json"), **overrides}


async def send_event(service, data: dict[str, object], event_id: str | None = None) -> Envelope:
    """Publish a `cases.penalty.decided.v1` envelope to the bus as the cases service would."""
    envelope = Envelope(id=event_id or str(uuid.uuid4()), source="/services/cases",
                        type=PenaltyDecided.event_type, subject=str(data["case_id"]), data=data)
    consumer = service.runtime.consumer

    async def consuming() -> bool:
        return consumer.consuming.is_set()

    await eventually(consuming)
    await publish_events(service.amqp_url, f"{service.bus_prefix}labor.events", envelope)
    return envelope


async def scalar(service, sql: str, **params: object) -> object:
    import sqlalchemy as sa

    async with service.runtime.engine.connect() as conn:
        return (await conn.execute(sa.text(sql), params)).scalar()


async def wait_disclosures(service, count: int) -> None:
    async def enough() -> bool:
        return (await scalar(service, "SELECT count(*) FROM disclosures")) >= count

    await eventually(enough)


async def create_partner(service, name: str, url: str | None, categories: list[str]) -> dict:
    response = await service.client.post("/v1/partners", headers=ops(), json={
        "name": name, "agency": "housing_construction", "webhook_url": url,
        "categories": categories})
    assert response.status_code == 201, response.text
    return response.json()
