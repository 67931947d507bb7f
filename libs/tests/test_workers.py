"""Service workers: leases split due rows between replicas, and one failing item does not stop its
batch (notify's deliveries and notices run on these)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from labor_runtime.db import create_engine
from labor_runtime.testing import temporary_database
from labor_runtime.workers import BatchWorker, Leased, lease_due, next_due, seconds_until
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.integration

NOW = datetime(2026, 10, 8, 9, 0, tzinfo=UTC)
items = sa.Table(
    "items", sa.MetaData(),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("lease_until", sa.DateTime(timezone=True)),
    sa.Column("worked", sa.Integer, nullable=False, server_default="0"),
)


@pytest.fixture
async def engine(infrastructure):
    async with temporary_database(infrastructure.database_url, "wrk") as url:
        engine = create_engine(url, pool_size=4, max_overflow=0)
        async with engine.begin() as conn:
            await conn.run_sync(items.metadata.create_all)
        yield engine
        await engine.dispose()


async def add(engine: AsyncEngine, rows: list[tuple[str, str, datetime]]) -> None:
    async with engine.begin() as conn:
        await conn.execute(items.insert(), [
            {"id": i, "status": status, "next_attempt_at": at} for i, status, at in rows])


async def lease(engine: AsyncEngine, limit: int = 100, seconds: float = 60) -> list[str]:
    leased = await lease_due(engine, items, pending="pending", now=NOW, limit=limit,
                             lease_seconds=seconds)
    return [item.id for item in leased]


async def test_only_pending_and_due_rows_are_leased_oldest_first(engine):
    await add(engine, [("later", "pending", NOW + timedelta(seconds=1)),
                       ("b", "pending", NOW - timedelta(minutes=1)),
                       ("a", "pending", NOW - timedelta(minutes=5)),
                       ("done", "delivered", NOW - timedelta(hours=1))])
    assert await lease(engine, limit=1) == ["a"]
    assert await lease(engine) == ["b"]  # "a" is leased, "later" not due, "done" not pending


async def test_concurrent_replicas_lease_disjoint_rows_and_an_expired_lease_comes_back(engine):
    await add(engine, [(f"i{n:03}", "pending", NOW - timedelta(seconds=n)) for n in range(200)])
    batches = await asyncio.gather(*(lease(engine, limit=30) for _ in range(4)))
    leased = [i for batch in batches for i in batch]
    assert len(leased) == 120 and len(set(leased)) == 120
    async with engine.begin() as conn:  # a replica died: its leases run out
        await conn.execute(items.update().where(items.c.id.in_(batches[0]))
                           .values(lease_until=sa.func.now() - timedelta(seconds=1)))
    assert set(await lease(engine, limit=200)) == set(batches[0]) | {
        f"i{n:03}" for n in range(200)} - set(leased)


class Recorder(BatchWorker):
    """Works each item once; the item named "broken" fails before its outcome is recorded."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(batch_size=10, poll_seconds=0.05)
        self.engine = engine

    async def claim(self, limit: int) -> list[Leased]:
        return await lease_due(self.engine, items, pending="pending", now=NOW, limit=limit,
                               lease_seconds=60)

    async def next_due(self) -> float | None:
        return seconds_until(await next_due(self.engine, items, pending="pending"), NOW)

    async def work(self, item_id: str) -> None:
        if item_id == "broken":
            raise RuntimeError("the far end answered nonsense")
        async with self.engine.begin() as conn:
            await conn.execute(items.update().where(items.c.id == item_id)
                               .values(status="done", worked=items.c.worked + 1))


async def test_a_failing_item_leaves_its_batch_worked_and_stays_leased(engine, caplog):
    await add(engine, [(i, "pending", NOW) for i in ("x", "broken", "y")])
    worker = Recorder(engine)
    assert await worker.run_once() == 3
    async with engine.connect() as conn:
        rows = {r.id: r for r in await conn.execute(sa.select(items))}
    assert {i: (r.status, r.worked) for i, r in rows.items()} == {
        "x": ("done", 1), "y": ("done", 1), "broken": ("pending", 0)}
    assert rows["broken"].lease_until is not None  # taken up again when the lease runs out
    assert "Recorder: broken not recorded" in caplog.text
    assert await worker.run_once() == 0
