"""Two small services on the runtime: a producer that emits and a consumer that applies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from labor_contracts.common import EmployerRef
from labor_contracts.envelope import Envelope
from labor_contracts.intake import ComplaintAccepted
from labor_runtime.db import UnitOfWork, create_engine
from labor_runtime.migrations import RUNTIME_V2, RUNTIME_V3, runtime_v1_statements
from labor_runtime.runtime import Runtime
from labor_runtime.settings import ServiceSettings
from labor_runtime.testing import temporary_database
from sqlalchemy.ext.asyncio import AsyncEngine

applied = sa.Table(
    "applied", sa.MetaData(),
    sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("complaint_id", sa.Text, nullable=False),
)


class ProducerSettings(ServiceSettings):
    service_name = "producer"


class ConsumerSettings(ServiceSettings):
    service_name = "consumer"


async def install_tables(url: str) -> None:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    async with engine.begin() as conn:
        for statement in [*runtime_v1_statements(), *RUNTIME_V2, *RUNTIME_V3]:
            await conn.execute(sa.text(statement))
        await conn.run_sync(applied.metadata.create_all)
    await engine.dispose()


def complaint(n: int) -> ComplaintAccepted:
    return ComplaintAccepted(
        complaint_id=f"c-{n}", channel="hotline_12333", received_at=datetime.now(UTC),
        employer=EmployerRef(name="某建筑公司", credit_code="91350100M000100Y43"),
        worker_count=6, arrears_amount=Decimal("120000"))


async def record_effect(uow: UnitOfWork, envelope: Envelope, data: Any) -> None:
    await uow.session.execute(applied.insert().values(event_id=envelope.id,
                                                      complaint_id=data.complaint_id))


@dataclass
class Pair:
    producer: Runtime
    consumer: Runtime
    producer_url: str
    consumer_url: str

    async def emit(self, n: int) -> str:
        async with self.producer.uow() as uow:
            envelope = await uow.emit(complaint(n), subject=f"c-{n}")
            await uow.commit()
        return envelope.id

    async def emit_many(self, start: int, count: int) -> None:
        async with self.producer.uow() as uow:
            for n in range(start, start + count):
                await uow.emit(complaint(n), subject=f"c-{n}")
            await uow.commit()

    async def applied_count(self) -> int:
        async with self.consumer.engine.connect() as conn:
            return int((await conn.execute(sa.select(sa.func.count()).select_from(applied))).scalar_one())

    async def reconcile(self) -> tuple[set[str], set[str], int]:
        """Outbox ids, applied ids and how many effects were applied more than once."""
        async with self.producer.engine.connect() as conn:
            sent = set((await conn.execute(sa.text("SELECT event_id FROM outbox"))).scalars())
        async with self.consumer.engine.connect() as conn:
            rows = list((await conn.execute(sa.select(applied.c.event_id))).scalars())
        return sent, set(rows), len(rows) - len(set(rows))


def settings(cls: type[ServiceSettings], url: str, amqp_url: str, prefix: str, **extra: Any) -> Any:
    return cls(database_url=url, amqp_url=amqp_url, bus_prefix=prefix, environment="test",
               outbox_poll_seconds=0.2, retry_delays_ms=[50, 100], delivery_limit=5,
               publish_timeout_seconds=3, amqp_heartbeat_seconds=5, **extra)


@asynccontextmanager
async def pair(server_url: str, amqp_url: str, prefix: str, **extra: Any) -> AsyncIterator[Pair]:
    async with temporary_database(server_url, "prod") as p_url, \
            temporary_database(server_url, "cons") as c_url:
        await install_tables(p_url)
        await install_tables(c_url)
        producer = Runtime(settings(ProducerSettings, p_url, amqp_url, prefix, **extra))
        consumer = Runtime(settings(ConsumerSettings, c_url, amqp_url, prefix, **extra),
                           handlers={ComplaintAccepted.event_type: record_effect})
        try:
            yield Pair(producer, consumer, p_url, c_url)
        finally:
            await producer.stop(grace=2)
            await consumer.stop(grace=2)


async def engine_count(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.text(sql))).scalar_one())
