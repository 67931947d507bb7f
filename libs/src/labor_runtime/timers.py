"""Timers are data (期限即数据): every legal deadline is a row with a due time.

The sweeper claims due rows with `FOR UPDATE SKIP LOCKED` inside the transaction that records
their effect, so replicas never fire one twice and a crash fires nothing half-way.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from labor_contracts.common import DeadlineOverdue
from labor_contracts.identifiers import new_id
from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from labor_runtime.clock import Clock
from labor_runtime.db import UnitOfWork, transaction_traceparent
from labor_runtime.tables import timers
from labor_runtime.tracing import UNEXPORTED, continued, current_traceparent
from labor_runtime.workers import Loop, Wakes, created_work, seconds_until

log = logging.getLogger(__name__)

_open = sa.and_(timers.c.fired_at.is_(None), timers.c.completed_at.is_(None),
                timers.c.cancelled_at.is_(None))


@dataclass(frozen=True)
class Timer:
    id: str
    kind: str
    subject: str
    due_at: datetime
    payload: dict[str, Any]
    traceparent: str | None = None


TimerHandler = Callable[[UnitOfWork, Timer], Awaitable[None]]


async def schedule(
    session: AsyncSession,
    *,
    kind: str,
    subject: str,
    due_at: datetime,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> str:
    """Start a deadline; an open deadline of the same kind and subject is moved, not duplicated.
    It keeps the trace of this transaction (the one moving it, when moved), which the event it
    fires continues."""
    traceparent = transaction_traceparent(session)
    existing = (
        await session.execute(
            sa.select(timers.c.id).where(timers.c.kind == kind, timers.c.subject == subject, _open)
        )
    ).scalar_one_or_none()
    if existing is not None:
        await session.execute(
            timers.update().where(timers.c.id == existing).values(
                due_at=due_at, payload=payload or {}, traceparent=traceparent)
        )
        created_work(session, timers, due=due_at)
        return str(existing)
    timer_id = new_id()
    await session.execute(
        timers.insert().values(id=timer_id, kind=kind, subject=subject, due_at=due_at,
                               payload=payload or {}, created_at=now, traceparent=traceparent)
    )
    created_work(session, timers, due=due_at)
    return timer_id


async def start(
    session: AsyncSession,
    deadlines: list[tuple[str, datetime]],
    *,
    subject: str,
    now: datetime,
) -> None:
    """Start several deadlines of a new subject at once (one statement; nothing to move), in the
    trace of this transaction."""
    traceparent = transaction_traceparent(session)
    await session.execute(timers.insert(), [
        {"id": new_id(), "kind": kind, "subject": subject, "due_at": due, "payload": {},
         "created_at": now, "traceparent": traceparent}
        for kind, due in deadlines
    ])
    if deadlines:
        created_work(session, timers, due=min(due for _, due in deadlines))


def start_cte(name: str, *, subject: str, from_: str) -> str:
    """The CTE `name` of a hot path's own statement, starting the deadlines of `start_params` as
    `start` does, for the subject `subject` (SQL, e.g. `complaint.id`) if the FROM clause `from_`
    yields a row (at most one: timer ids are unique).

    Unlike `start`, nothing wakes the sweeper: it looks at the table again within its poll
    (`timer_sweep_seconds`), in time for deadlines due later than that. A wake for each statement
    of a hot path would cost a sweep each (one arriving mid-sweep runs another at once)."""
    # Composed from the callers' constant SQL, never from input.
    return (
        f"{name} AS (INSERT INTO timers "  # noqa: S608
        f"(id, kind, subject, due_at, payload, created_at, traceparent) "
        f"SELECT new_timer.id, new_timer.kind, {subject}, new_timer.due_at, '{{}}', "
        f"CAST(:timer_created_at AS timestamptz), CAST(:timer_traceparent AS text) "
        f"FROM {from_}, unnest(CAST(:timer_ids AS uuid[]), CAST(:timer_kinds AS text[]), "
        f"CAST(:timer_due_ats AS timestamptz[])) AS new_timer(id, kind, due_at))")


def start_params(deadlines: Sequence[tuple[str, datetime]], *, now: datetime) -> dict[str, Any]:
    """The bind parameters of `start_cte` for (kind, due) deadlines started at `now`, in the
    current trace; an empty list starts none."""
    return {"timer_ids": [new_id() for _ in deadlines], "timer_kinds": [k for k, _ in deadlines],
            "timer_due_ats": [due for _, due in deadlines], "timer_created_at": now,
            "timer_traceparent": current_traceparent()}


async def complete(session: AsyncSession, *, kind: str, subject: str, now: datetime) -> bool:
    """The action a deadline waits for happened; True if it was still open (met in time)."""
    result = await session.execute(
        timers.update()
        .where(timers.c.kind == kind, timers.c.subject == subject, timers.c.completed_at.is_(None),
               timers.c.cancelled_at.is_(None))
        .values(completed_at=now)
        .returning(timers.c.fired_at)
    )
    rows = result.all()
    return any(r.fired_at is None for r in rows)


async def cancel(session: AsyncSession, *, kind: str, subject: str, now: datetime) -> None:
    await session.execute(
        timers.update().where(timers.c.kind == kind, timers.c.subject == subject, _open)
        .values(cancelled_at=now)
    )


async def due_at(conn: AsyncConnection | AsyncSession, *, kind: str, subject: str) -> datetime | None:
    """When the latest deadline of `kind` on `subject` falls due, for a view; None if never set."""
    return (await conn.execute(
        sa.select(timers.c.due_at).where(timers.c.kind == kind, timers.c.subject == subject)
        .order_by(timers.c.created_at.desc()).limit(1))).scalar()


async def emit_overdue(uow: UnitOfWork, timer: Timer) -> None:
    """Default effect of a missed deadline: an overdue event for dashboards and alerts."""
    await uow.emit(
        DeadlineOverdue(timer_id=timer.id, kind=timer.kind, subject=timer.subject,
                        due_at=timer.due_at, fired_at=uow.clock.now()),
        subject=timer.subject,
    )


class TimerSweeper(Loop):
    """Fires due timers: runs the kind's handler and marks the timer fired, in one transaction.
    Each handler runs in a span continuing the trace the timer kept, so what it emits is a child
    of the transaction that set the deadline.

    Sleeps until the next open deadline read from the table, or until a commit of this process
    starts an earlier one; the poll (`interval`) catches deadlines other processes started."""

    tables = frozenset({timers.name})

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        source: str,
        handlers: dict[str, TimerHandler],
        *,
        interval: float = 1.0,
        batch: int = 100,
        on_fired: Callable[[str], None] | None = None,
        after_commit: Callable[[Wakes], None] | None = None,
        tracer: trace.Tracer = UNEXPORTED,
    ) -> None:
        super().__init__(poll_seconds=interval)
        self.tracer = tracer
        self.sessions = sessions
        self.clock = clock
        self.source = source
        self.handlers = handlers
        self.batch = batch
        self.on_fired = on_fired
        self.after_commit = after_commit

    async def cycle(self) -> float | None:
        if await self.sweep_once() >= self.batch:
            return 0.0
        async with self.sessions() as session:
            due = (await session.execute(sa.select(sa.func.min(timers.c.due_at)).where(_open))
                   ).scalar_one()
        return seconds_until(due, self.clock.now())

    async def sweep_once(self) -> int:
        now = self.clock.now()
        async with UnitOfWork(self.sessions, self.source, self.clock, self.after_commit) as uow:
            rows = (
                await uow.session.execute(
                    sa.select(timers).where(_open, timers.c.due_at <= now)
                    .order_by(timers.c.due_at).limit(self.batch)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0  # nothing fired: no commit, no wake-up of the relay and workers
            for row in rows:
                timer = Timer(str(row.id), row.kind, row.subject, row.due_at, dict(row.payload),
                              row.traceparent)
                uow.continue_trace(None)  # a handler before it may have continued another trace
                with continued(self.tracer, timer.traceparent, f"timer {timer.kind}",
                               {"labor.timer.id": timer.id, "labor.timer.subject": timer.subject}):
                    await self.handlers.get(timer.kind, emit_overdue)(uow, timer)
                await uow.session.execute(
                    timers.update().where(timers.c.id == row.id).values(fired_at=now)
                )
            await uow.commit()
        for row in rows:
            if self.on_fired is not None:
                self.on_fired(row.kind)
        return len(rows)


async def unfired_due(session: AsyncSession, now: datetime) -> int:
    """Open timers due by `now` that no sweep has fired yet (one may be firing them right now)."""
    return int((await session.execute(
        sa.select(sa.func.count()).select_from(timers).where(_open, timers.c.due_at <= now)
    )).scalar_one())


async def overdue_counts(session: AsyncSession, now: datetime) -> dict[str, int]:
    """Open deadlines already past due, by kind (shown on dashboards)."""
    rows = (
        await session.execute(
            sa.select(timers.c.kind, sa.func.count())
            .where(timers.c.completed_at.is_(None), timers.c.cancelled_at.is_(None),
                   timers.c.due_at <= now)
            .group_by(timers.c.kind)
        )
    ).all()
    return {r[0]: int(r[1]) for r in rows}
