"""The runtime's fragments for a hot path's own statement (intake's accept): the outbox row and the
deadlines it writes are the runtime's, columns and all, and the relay and the sweeper take them up
as if `enqueue` and `start` had written them. No service writes those tables by hand."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from labor_contracts.envelope import Envelope
from labor_runtime import outbox, timers
from labor_runtime.clock import SystemClock
from labor_runtime.db import create_engine
from labor_runtime.testing import eventually, temporary_database
from labor_runtime.timers import TimerSweeper
from sqlalchemy.ext.asyncio import async_sessionmaker

from .harness import applied, complaint, install_tables, pair

SERVICES = Path(__file__).resolve().parents[2] / "services"
HAND_WRITTEN = re.compile(r"INSERT\s+INTO\s+(outbox|timers)\b", re.IGNORECASE)

# A source row the statement computes, and the event's body completed with it in SQL, as intake
# completes its event with the employer's totals.
_EVENT = sa.text(
    "WITH source AS (SELECT CAST(:complaint_id AS text) AS complaint_id "  # noqa: S608
    "                WHERE CAST(:emit AS boolean)), "
    + outbox.insert_cte("event", from_="source", body=(
        "convert_to(CAST(jsonb_set(CAST(convert_from(:body, 'UTF8') AS jsonb), "
        "'{data,complaint_id}', to_jsonb(source.complaint_id)) AS text), 'UTF8')"))
    + " SELECT count(*) FROM source").bindparams(outbox.BODY)

_DEADLINES = sa.text(
    "WITH subject AS (SELECT CAST(:subject AS text) AS id WHERE CAST(:start AS boolean)), "  # noqa: S608
    + timers.start_cte("deadlines", subject="subject.id", from_="subject")
    + " SELECT count(*) FROM subject")


@pytest.mark.integration
async def test_an_outbox_row_written_by_a_statement_of_its_own_is_published(infrastructure,
                                                                             bus_prefix):
    async with pair(infrastructure.database_url, infrastructure.amqp_url, bus_prefix) as p:
        await p.consumer.start()
        await eventually(_consuming(p))
        envelope, row = outbox.outbox_row(source="/producer", data=complaint(1), subject="c-1")
        _, skipped = outbox.outbox_row(source="/producer", data=complaint(2), subject="c-2")
        async with p.producer.reader.connect() as conn:  # autocommit: one statement, committed
            assert (await conn.execute(_EVENT, {"complaint_id": "c-sql", "emit": True, **row})
                    ).scalar_one() == 1
            await conn.execute(_EVENT, {"complaint_id": "c-none", "emit": False, **skipped})
            written = (await conn.execute(sa.text(
                "SELECT event_id, routing_key, body, traceparent, attempts, sent_at FROM outbox"))
            ).all()
        [(event_id, routing_key, body, traceparent, attempts, sent_at)] = written
        assert (event_id, routing_key, traceparent) == (row["event_id"], row["routing_key"],
                                                        row["traceparent"])
        assert (attempts, sent_at) == (0, None)  # the runtime's defaults, as `enqueue` leaves them
        assert Envelope.from_bytes(body).data["complaint_id"] == "c-sql"  # completed in SQL

        assert await p.producer.relay.relay_once() == 1
        await eventually(lambda: _applied(p, ["c-sql"]))
        sent, applied_ids, duplicates = await p.reconcile()
        assert sent == applied_ids == {envelope.id} and duplicates == 0


@pytest.mark.integration
async def test_deadlines_started_by_a_statement_of_its_own_are_those_of_start_and_fire(
        infrastructure):
    clock = SystemClock()
    now = clock.now()
    deadlines = [("k.first", now + timedelta(hours=1)), ("k.second", now + timedelta(hours=2))]
    async with temporary_database(infrastructure.database_url, "frag") as url:
        await install_tables(url)
        engine = create_engine(url, pool_size=2, max_overflow=0)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        try:
            async with engine.begin() as conn:
                started = await conn.execute(_DEADLINES, {
                    "subject": "by-statement", "start": True,
                    **timers.start_params(deadlines, now=now)})
                assert started.scalar_one() == 1
                await conn.execute(_DEADLINES, {"subject": "no-subject", "start": False,
                                                **timers.start_params(deadlines, now=now)})
                await conn.execute(_DEADLINES, {"subject": "no-deadline", "start": True,
                                                **timers.start_params([], now=now)})
            async with sessions() as session, session.begin():
                await timers.start(session, deadlines, subject="by-start", now=now)
            async with engine.connect() as conn:
                rows = (await conn.execute(sa.text(
                    "SELECT id, subject, kind, due_at, payload, created_at, completed_at, "
                    "cancelled_at, fired_at FROM timers ORDER BY subject, kind"))).all()
            assert [r.subject for r in rows] == ["by-start"] * 2 + ["by-statement"] * 2
            assert [tuple(r)[2:] for r in rows[:2]] == [tuple(r)[2:] for r in rows[2:]]
            assert tuple(rows[2])[2:6] == ("k.first", deadlines[0][1], {}, now)
            assert {uuid.UUID(str(r.id)).version for r in rows} == {7}  # `new_id`, as `start`

            fired: list[tuple[str, str]] = []

            async def handler(uow, timer):
                fired.append((timer.kind, timer.subject))

            sweeper = TimerSweeper(sessions, clock, "/test", {"k.first": handler, "k.second": handler})
            assert await sweeper.sweep_once() == 0
            clock.advance(timedelta(minutes=90))
            assert await sweeper.sweep_once() == 2
            clock.advance(timedelta(hours=1))
            assert await sweeper.sweep_once() == 2
            assert sorted(fired) == [("k.first", "by-start"), ("k.first", "by-statement"),
                                     ("k.second", "by-start"), ("k.second", "by-statement")]
        finally:
            await engine.dispose()


def test_no_service_writes_the_runtime_outbox_or_timers_by_hand():
    """The runtime owns the columns of its tables: a service writes them through `outbox` and
    `timers` (`enqueue`, `write`, `start`, `insert_cte`, `start_cte`), so that a change of a
    column cannot silently break a service's own SQL."""
    assert HAND_WRITTEN.search('"INSERT INTO outbox " + OUTBOX_ROW')  # what intake once held
    assert HAND_WRITTEN.search("insert into\n        timers (id, kind")
    sources = sorted(p for p in SERVICES.glob("*/src/**/*") if p.suffix in {".py", ".sql"})
    assert len({p.relative_to(SERVICES).parts[0] for p in sources}) >= 5  # every service scanned
    by_hand = [f"{path.relative_to(SERVICES)}:{text[:match.start()].count(chr(10)) + 1}"
               for path in sources for text in [path.read_text(encoding="utf-8")]
               for match in HAND_WRITTEN.finditer(text)]
    assert by_hand == []


def _consuming(p):
    async def check() -> bool:
        return p.consumer.consumer.consuming.is_set()
    return check


async def _applied(p, complaint_ids: list[str]) -> bool:
    async with p.consumer.engine.connect() as conn:
        rows = (await conn.execute(sa.select(applied.c.complaint_id))).scalars().all()
    return list(rows) == complaint_ids
