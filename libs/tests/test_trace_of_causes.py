"""Issue 10 finding 6: every event carries the trace of its cause, also when what emits it runs
after the transaction that caused it (a deadline firing, an item a worker takes up later), and an
event emitted outside any span still carries a trace of its own."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from labor_contracts.envelope import Envelope
from labor_runtime import timers
from labor_runtime.clock import SystemClock
from labor_runtime.db import UnitOfWork, create_engine, transaction_traceparent
from labor_runtime.testing import temporary_database
from labor_runtime.timers import TimerSweeper
from labor_runtime.workers import BatchWorker, Leased, lease_due
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .harness import complaint, install_tables

pytestmark = pytest.mark.integration

TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}")
tracer = TracerProvider().get_tracer("test")
NOW = datetime(2026, 10, 8, 9, 0, tzinfo=UTC)

items = sa.Table(
    "items", sa.MetaData(),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("lease_until", sa.DateTime(timezone=True)),
    sa.Column("traceparent", sa.Text),
)


@pytest.fixture
async def sessions(infrastructure):
    async with temporary_database(infrastructure.database_url, "trc") as url:
        await install_tables(url)
        engine = create_engine(url, pool_size=4, max_overflow=0)
        async with engine.begin() as conn:
            await conn.run_sync(items.metadata.create_all)
        yield async_sessionmaker(engine, expire_on_commit=False)
        await engine.dispose()


def ids(traceparent: str | None) -> tuple[str, str]:
    """The trace id and span id of a valid W3C traceparent."""
    assert traceparent is not None
    match = TRACEPARENT.fullmatch(traceparent)
    assert match is not None, traceparent
    return match.group(1), match.group(2)


async def events(sessions: async_sessionmaker[AsyncSession]) -> dict[str, tuple[str | None, str]]:
    """Each outbox row's subject, with the traceparent of its row and of its envelope."""
    async with sessions() as session:
        rows = (await session.execute(sa.text("SELECT body, traceparent FROM outbox"))).all()
    found = {}
    for body, traceparent in rows:
        envelope = Envelope.from_bytes(body)
        assert envelope.traceparent == traceparent
        found[envelope.subject or ""] = (traceparent, envelope.type)
    return found


async def test_issue10_finding_6_a_timer_fires_its_event_in_the_trace_of_the_transaction_that_set_it(
        sessions):
    clock = SystemClock()
    now = clock.now()
    causes = {}
    for subject in ("scheduled", "started", "moved"):
        with tracer.start_as_current_span(f"set {subject}") as span:
            causes[subject] = span.get_span_context()
            async with sessions() as session, session.begin():
                if subject == "started":
                    await timers.start(session, [("k", now + timedelta(hours=1))], subject=subject,
                                       now=now)
                else:
                    await timers.schedule(session, kind="k", subject=subject,
                                          due_at=now + timedelta(hours=1), now=now)
    with tracer.start_as_current_span("move it") as span:  # the transaction moving it sets it now
        causes["moved"] = span.get_span_context()
        async with sessions() as session, session.begin():
            await timers.schedule(session, kind="k", subject="moved",
                                  due_at=now + timedelta(hours=2), now=now)
    clock.advance(timedelta(hours=3))
    assert await TimerSweeper(sessions, clock, "/test", {}).sweep_once() == 3
    fired = await events(sessions)
    assert {subject: event_type for subject, (_, event_type) in fired.items()} == dict.fromkeys(
        causes, "runtime.deadline.overdue.v1")
    for subject, cause in causes.items():
        trace_id, span_id = ids(fired[subject][0])
        assert trace_id == format(cause.trace_id, "032x")  # one timer's trace is not the next's
        assert span_id != format(cause.span_id, "016x")  # a child span: the firing


async def test_issue10_finding_6_a_deadline_set_while_continuing_an_earlier_trace_fires_in_it(
        sessions):
    complaint_trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    clock = SystemClock()
    now = clock.now()
    async with UnitOfWork(sessions, "/test", clock) as uow:
        uow.continue_trace(complaint_trace)  # e.g. a case acting on the complaint's trace
        assert transaction_traceparent(uow.session) == complaint_trace
        await timers.schedule(uow.session, kind="k", subject="s", due_at=now, now=now)
        await uow.commit()
    clock.advance(timedelta(seconds=1))
    assert await TimerSweeper(sessions, clock, "/test", {}).sweep_once() == 1
    trace_id, span_id = ids((await events(sessions))["s"][0])
    assert (trace_id, span_id) != ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")
    assert trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"


class Emitter(BatchWorker):
    """Works an item by emitting an event about it, as notify's delivery workers do."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(batch_size=10, poll_seconds=0.05)
        self.sessions = sessions
        self.engine = sessions.kw["bind"]

    async def claim(self, limit: int) -> list[Leased]:
        return await lease_due(self.engine, items, pending="pending", now=NOW, limit=limit,
                               lease_seconds=60)

    async def next_due(self) -> float | None:
        return None

    async def work(self, item_id: str) -> None:
        async with UnitOfWork(self.sessions, "/test", SystemClock()) as uow:
            data = complaint(1)
            await uow.emit(data, subject=item_id)
            await uow.session.execute(items.update().where(items.c.id == item_id)
                                      .values(status="done"))
            await uow.commit()


async def test_issue10_finding_6_a_worker_emits_in_the_trace_of_the_event_that_made_its_item(
        sessions):
    causes = {}
    for item_id in ("a", "b"):
        with tracer.start_as_current_span(f"consume the event making {item_id}") as span:
            causes[item_id] = span.get_span_context()
            async with UnitOfWork(sessions, "/test", SystemClock()) as uow:
                await uow.session.execute(items.insert().values(
                    id=item_id, status="pending", next_attempt_at=NOW,
                    traceparent=uow.traceparent))
                await uow.commit()
    async with sessions() as session, session.begin():  # a row of before traces were kept
        await session.execute(items.insert().values(id="old", status="pending", next_attempt_at=NOW))
    assert await Emitter(sessions).run_once() == 3
    emitted = await events(sessions)
    for item_id, cause in causes.items():
        trace_id, span_id = ids(emitted[item_id][0])
        assert trace_id == format(cause.trace_id, "032x")
        assert span_id != format(cause.span_id, "016x")
    old_trace, _ = ids(emitted["old"][0])  # no cause kept: a trace of its own
    assert old_trace not in {format(c.trace_id, "032x") for c in causes.values()}


async def test_issue10_finding_6_an_event_emitted_outside_any_span_starts_a_trace_of_its_own(
        sessions, caplog):
    caplog.set_level("DEBUG", logger="labor_runtime.tracing")
    async with UnitOfWork(sessions, "/test", SystemClock()) as uow:
        for n in (1, 2):
            await uow.emit(complaint(n), subject=f"c{n}")
        await uow.commit()
    emitted = await events(sessions)
    assert ids(emitted["c1"][0])[0] != ids(emitted["c2"][0])[0]
    assert "no trace current for intake.complaint.accepted.v1 from /test" in caplog.text
