"""R-OVS-1/2: the audit log is append-only and tamper-evident; timers fire once (timers as data)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from labor_contracts.envelope import Envelope
from labor_runtime import audit, timers
from labor_runtime.clock import SystemClock
from labor_runtime.db import UnitOfWork, create_engine
from labor_runtime.testing import plan_of, statements_sent, temporary_database
from labor_runtime.timers import TimerSweeper
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker

from .harness import complaint, install_tables

pytestmark = pytest.mark.integration


@pytest.fixture
async def sessions(infrastructure):
    async with temporary_database(infrastructure.database_url, "aud") as url:
        await install_tables(url)
        engine = create_engine(url, pool_size=2, max_overflow=0)
        yield async_sessionmaker(engine, expire_on_commit=False)
        await engine.dispose()


def entry(n: int) -> audit.AuditEntry:
    return audit.AuditEntry(at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
                            actor=f"u{n}", role="officer_a", action="read_complainant",
                            subject=f"complaint:{n}", reason="phone confirmation")


async def test_r_ovs_2_audit_chain_verifies_and_refuses_changes(sessions):
    async with sessions() as session, session.begin():
        for n in range(5):
            await audit.record(session, entry(n))
    async with sessions() as session:
        assert await audit.verify_chain(session) == []
    for statement in ("UPDATE audit_log SET reason = 'x' WHERE seq = 2",
                      "DELETE FROM audit_log WHERE seq = 3", "TRUNCATE audit_log"):
        async with sessions() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                async with session.begin():
                    await session.execute(sa.text(statement))


async def test_r_ovs_2_a_unit_of_work_chains_its_entries_as_it_commits(sessions):
    """A transaction still open holds no lock on the chain: one that began later and commits first
    is chained first, and the chain verifies."""
    clock = SystemClock()
    async with UnitOfWork(sessions, "/test", clock) as slow:
        await audit.record(slow.session, entry(1))
        await audit.record(slow.session, entry(2))

        async def another() -> None:
            async with UnitOfWork(sessions, "/test", clock) as fast:
                await audit.record(fast.session, entry(3))
                await fast.commit()

        await asyncio.wait_for(another(), timeout=10)  # waited forever on the chain's lock before
        await slow.commit()
    async with sessions() as session:
        assert await audit.verify_chain(session) == []
        actors = (await session.execute(sa.text("SELECT actor FROM audit_log ORDER BY seq"))).scalars()
        assert list(actors) == ["u3", "u1", "u2"]


async def test_a_unit_of_work_runs_its_commit_steps_in_order_and_their_events_commit_with_it(
        sessions):
    ran: list[str] = []
    clock = SystemClock()

    async def outbox_rows() -> list[str]:
        async with sessions() as session:
            rows = await session.execute(sa.text("SELECT body FROM outbox ORDER BY id"))
            return [Envelope.from_bytes(body).data["complaint_id"] for body in rows.scalars()]

    async with UnitOfWork(sessions, "/test", clock) as uow:
        async def first() -> None:
            ran.append("first")
            uow.at_commit("third", lambda: third)
            await uow.emit(complaint(2))

        async def second() -> None:
            ran.append("second")

        async def third() -> None:
            ran.append("third")
            await uow.emit(complaint(3))

        await uow.emit(complaint(1))
        assert uow.at_commit("first", lambda: first) is first
        uow.at_commit("second", lambda: second)
        assert uow.at_commit("first", lambda: second) is first  # kept once, under its key
        assert ran == [] and await outbox_rows() == []
        await uow.commit()
    assert ran == ["first", "second", "third"]
    assert await outbox_rows() == ["c-1", "c-2", "c-3"]
    async with UnitOfWork(sessions, "/test", clock) as uow:
        uow.at_commit("never", lambda: first)
        await uow.emit(complaint(4))
    assert ran == ["first", "second", "third"]  # not committed: no step ran, no event
    assert await outbox_rows() == ["c-1", "c-2", "c-3"]


async def test_r_ovs_1_tampering_by_a_superuser_is_detected(sessions):
    async with sessions() as session, session.begin():
        for n in range(4):
            await audit.record(session, entry(n))
    async with sessions() as session, session.begin():  # bypass the trigger as a DBA could
        await session.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        await session.execute(sa.text("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2"))
        await session.execute(sa.text("DELETE FROM audit_log WHERE seq = 3"))
    async with sessions() as session:
        assert await audit.verify_chain(session) == [2, 4]


async def test_timers_fire_once_when_due_and_not_when_completed(sessions):
    clock = SystemClock()
    fired: list[str] = []

    async def handler(uow, timer):
        fired.append(timer.subject)

    now = clock.now()
    async with sessions() as session, session.begin():
        await timers.schedule(session, kind="k", subject="late", due_at=now + timedelta(hours=1), now=now)
        await timers.schedule(session, kind="k", subject="met", due_at=now + timedelta(hours=1), now=now)
        # rescheduling an open timer moves it instead of adding a second one
        await timers.schedule(session, kind="k", subject="late", due_at=now + timedelta(hours=2), now=now)
        assert await timers.complete(session, kind="k", subject="met", now=now)
    sweepers = [TimerSweeper(sessions, clock, "/test", {"k": handler}) for _ in range(2)]
    assert [await s.sweep_once() for s in sweepers] == [0, 0]
    clock.advance(timedelta(hours=3))
    assert sum([await s.sweep_once() for s in sweepers]) == 1
    assert fired == ["late"]


async def test_the_overdue_gauge_reads_the_unfinished_deadlines_not_every_timer(sessions):
    """Cost flat with data: a year of finished deadlines and a few open ones; the overdue count
    (every `/metrics` scrape) reads the open ones through an index, not every timer stored."""
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        await session.execute(sa.text(
            "INSERT INTO timers (id, kind, subject, due_at, created_at, completed_at) "
            "SELECT gen_random_uuid(), 'k' || (i % 3), 's' || i, "
            "       CAST(:now AS timestamptz) - make_interval(mins => i * 5), "
            "       CAST(:now AS timestamptz) - make_interval(mins => i * 5 + 60), "
            "       CASE WHEN i % 500 = 0 THEN NULL "
            "            ELSE CAST(:now AS timestamptz) - make_interval(mins => i * 5) END "
            "FROM generate_series(1, 100000) AS i"), {"now": now})
        await session.execute(sa.text("ANALYZE timers"))
    engine = sessions.kw["bind"]
    async with statements_sent(engine) as sent, sessions() as session:
        assert (await timers.overdue_counts(session, now)) == {"k0": 66, "k1": 67, "k2": 67}
    [(statement, parameters)] = sent
    plan = await plan_of(engine, statement, parameters)
    assert "Seq Scan on timers" not in plan, plan


async def test_r_ovs_2_ops_audit_command_reports_a_broken_chain(infrastructure):
    from labor_runtime.ops import audit_status

    async with temporary_database(infrastructure.database_url, "aud") as url:
        await install_tables(url)
        engine = create_engine(url, pool_size=1, max_overflow=0)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with sessions() as session, session.begin():
            for n in range(3):
                await audit.record(session, entry(n))
        assert await audit_status(url) == {"intact": True, "broken_at_seq": []}
        async with sessions() as session, session.begin():
            await session.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
            await session.execute(sa.text("UPDATE audit_log SET reason = 'edited' WHERE seq = 2"))
        await engine.dispose()
        assert await audit_status(url) == {"intact": False, "broken_at_seq": [2]}
