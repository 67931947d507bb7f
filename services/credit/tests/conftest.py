from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import aio_pika
import pytest
from credit.__main__ import MIGRATIONS
from credit.app import create_app
from credit.settings import CreditSettings
from labor_contracts.cases import PenaltyDecided
from labor_contracts.common import EmployerRef
from labor_contracts.credit import IntegrityGradeChanged
from labor_contracts.envelope import Envelope
from labor_contracts.identifiers import credit_code_check_character
from labor_runtime.bus import declare_exchange
from labor_runtime.security import CITY, mint_token
from labor_runtime.settings import DEV_JWT_SECRET
from labor_runtime.testing import eventually, publish_events, running_service

CODE = "91350100M000100Y43"


def credit_code(first17: str) -> str:
    return first17 + credit_code_check_character(first17)


@pytest.fixture
async def grade_changes(infrastructure, bus_prefix):
    """What a subscriber of `credit.grade.changed.v1` receives, through the real exchange."""
    connection = await aio_pika.connect(infrastructure.amqp_url)
    received: list[Envelope] = []

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with message.process():
            received.append(Envelope.from_bytes(message.body))

    try:
        channel = await connection.channel()
        exchange = await declare_exchange(channel, f"{bus_prefix}labor.events")
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, routing_key=IntegrityGradeChanged.event_type)
        await queue.consume(on_message)
        yield received
    finally:
        await connection.close()


def start_credit(infrastructure, bus_prefix, **overrides):
    return running_service(CreditSettings, create_app, MIGRATIONS, infrastructure, bus_prefix,
                           **overrides)


@pytest.fixture
async def credit(infrastructure, bus_prefix, grade_changes):
    async with start_credit(infrastructure, bus_prefix) as service:
        await consuming(service)
        yield service


async def consuming(service) -> None:
    async def ready() -> bool:
        return service.runtime.consumer.consuming.is_set()

    await eventually(ready)


def staff_token(*roles: str, district: str | None = CITY, subject: str = "officer-1") -> str:
    return mint_token(DEV_JWT_SECRET, subject=subject, roles=list(roles), district=district)


def bearer(*roles: str, district: str | None = CITY, subject: str = "officer-1") -> dict[str, str]:
    return {"Authorization": f"Bearer {staff_token(*roles, district=district, subject=subject)}"}


def penalty_decided(decision_id: str = "dec-1", *, code: str | None = CODE,
                    event_id: str | None = None, **overrides) -> Envelope:
    """A `cases.penalty.decided.v1` event as cases would publish it."""
    decided_at = datetime.now(UTC) - timedelta(days=1)
    fields = {
        "case_id": f"case-{decision_id}", "decision_id": decision_id,
        "decision_number": f"榕人社监罚〔2025〕{decision_id}号",
        "employer": EmployerRef(credit_code=code, name="某某建筑工程有限公司",
                                legal_representative="李四", address="某市某区某路1号"),
        "district": "d01", "violation": "拖欠6名工人工资",
        "legal_basis": "《保障农民工工资支付条例》第五十四条", "fine_amount": Decimal("50000"),
        "measures": ["责令限期支付拖欠工资"], "authority": "某市人力资源和社会保障局",
        "decided_at": decided_at, "publish_by": date.today() + timedelta(days=7),
        "worker_count": 6, "arrears_amount": Decimal("120000"),
    } | overrides
    data = PenaltyDecided(**fields)
    return Envelope(id=event_id or str(uuid.uuid4()), source="/services/cases",
                    type=PenaltyDecided.event_type, subject=data.case_id,
                    data=data.model_dump(mode="json"))


async def publish(infrastructure, bus_prefix, *envelopes: Envelope) -> None:
    """Publish through the real exchange, as the cases service's relay does."""
    await publish_events(infrastructure.amqp_url, f"{bus_prefix}labor.events", *envelopes)


async def settled(service, count: int) -> None:
    """Wait until the consumer has acknowledged `count` messages (processed or dead-lettered)."""
    stats = service.runtime.consumer.stats

    async def done() -> bool:
        return stats.processed + stats.dead_lettered >= count

    await eventually(done)


GRIDS_FILE = Path(__file__).parent / "grids.csv"
"""A small grid tree (R-ORG-1): the city, districts d01 and d02, their streets and communities."""


async def load_grids(service, text: str | None = None, *, reason: str = "test tree"):
    """Load a grids file over HTTP, as the detachment chief does."""
    return await service.client.post(
        "/v1/grids/load", params={"reason": reason},
        content=(text if text is not None else GRIDS_FILE.read_text(encoding="utf-8")).encode(),
        headers=bearer("detachment_chief", subject="chief-1") | {"Content-Type": "text/csv"})


@pytest.fixture
async def gridded(credit):
    """The credit service with the test grid tree loaded."""
    response = await load_grids(credit)
    assert response.status_code == 200, response.text
    return credit
