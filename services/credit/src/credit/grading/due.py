"""Regrading in batches (R-CRD-2): a report from another service (a complaint, a closing, a lapsed
order, an overdue fine, court enforcement) queues its employer in `grades_due`, one statement,
instead of regrading it in the event's transaction. The employer falls due a little later
(one to two `grade_gather_seconds` after the first report since its last regrade), so that the
rest of a burst joins it; the `Regrader` claims the due employers in batches and regrades them with the
recomputation's set-based code (`regrade_batch`). A burst of 300 complaints against 50
employers costs 50 regrades, not 300.

Staff findings (conduct/flows.py `add_finding`) and penalty decisions (employers/handlers.py)
still regrade at once: they are rare, and the finding's answer shows the new grade."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from labor_runtime import audit
from labor_runtime.db import UnitOfWork, transaction_traceparent
from labor_runtime.workers import Loop, created_work, seconds_until
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from credit.employers.models import employers
from credit.grading.models import grades_due
from credit.grading.recompute import regrade_batch
from credit.grading.rules import GradingPolicy
from credit.settings import CreditRuntime


def falls_due(now: datetime, gather: timedelta) -> datetime:
    """When an employer queued at `now` falls due: `gather` later, rounded up to a multiple of
    `gather` since the epoch. Under a steady stream of reports every employer queued within one
    such window falls due at the same moment, in one batch, rather than a few every
    millisecond; so an employer is regraded within twice `gather` of its first report."""
    step = gather.total_seconds()
    if step <= 0:
        return now
    return datetime.fromtimestamp(math.ceil((now + gather).timestamp() / step) * step, tz=UTC)


def _queue_statement() -> ReturningInsert[Any]:
    """Built once: the consumer runs it for every report, at hundreds per second."""
    at = grades_due.c.queued_at.type
    latest = insert(grades_due).from_select(
        ["credit_code", "due_at", "queued_at", "trigger", "traceparent"],
        sa.select(employers.c.credit_code, sa.bindparam("due_at", type_=at),
                  sa.bindparam("queued_at", type_=at), sa.bindparam("trigger", type_=sa.Text),
                  sa.bindparam("traceparent", type_=sa.Text))
        .where(employers.c.credit_code == sa.bindparam("code", type_=sa.Text)))
    return latest.on_conflict_do_update(
        index_elements=[grades_due.c.credit_code],
        set_={"queued_at": latest.excluded.queued_at, "trigger": latest.excluded.trigger,
              "traceparent": latest.excluded.traceparent},
    ).returning(grades_due.c.due_at)


_QUEUE = _queue_statement()


async def queue(session: AsyncSession, *, code: str, trigger: str, now: datetime,
                gather: timedelta) -> None:
    """Queue a registered employer for regrading, due `gather` from now or a little more
    (`falls_due`); queued already, it stays queued once, as due as it was, with the latest
    `queued_at`, trigger and the trigger's trace. An employer not in the register is not
    queued: it is graded when a penalty decision registers it or the grades are recomputed."""
    due_at = (await session.execute(_QUEUE, {
        "code": code, "due_at": falls_due(now, gather), "queued_at": now, "trigger": trigger,
        "traceparent": transaction_traceparent(session),
    })).scalar_one_or_none()
    if due_at is not None:
        created_work(session, grades_due, due=due_at)


async def regrade_claimed(uow: UnitOfWork, *, policy: GradingPolicy, limit: int) -> int:
    """Claim up to `limit` due employers (a claim another regrader holds is skipped), regrade
    them and dequeue them, in the caller's transaction; returns how many were claimed. An
    employer queued again meanwhile (newer `queued_at` or trigger) stays queued."""
    claimed = (await uow.session.execute(
        sa.select(grades_due.c.credit_code, grades_due.c.queued_at, grades_due.c.trigger,
                  grades_due.c.traceparent)
        .where(grades_due.c.due_at <= uow.clock.now())
        .order_by(grades_due.c.due_at).limit(limit)
        .with_for_update(skip_locked=True))).all()
    if not claimed:
        return 0
    triggers = {row.credit_code: row.trigger for row in claimed}
    # Employer rows locked in code order, as the recomputation and the live regrades lock them:
    # one employer's grades are computed one after the other.
    codes = list((await uow.session.execute(
        sa.select(employers.c.credit_code)
        .where(employers.c.credit_code == sa.any_(
            sa.bindparam("codes", sorted(triggers), type_=ARRAY(sa.Text))))
        .order_by(employers.c.credit_code).with_for_update())).scalars())
    if codes:
        now = uow.clock.now()
        changed = await regrade_batch(uow.session, codes, policy=policy, source=uow.source,
                                      now=now, triggers=triggers, traces={
                                          row.credit_code: row.traceparent for row in claimed})
        await audit.record(uow.session, audit.AuditEntry(
            at=now, actor=uow.source, role="system", action="regrade_queued",
            subject=f"employers:{codes[0]}..{codes[-1]}",
            reason=f"{len(codes)} employers with new reports regraded, {len(changed)} changed "
                   "(each grade row names its trigger)"))
    await uow.session.execute(grades_due.delete().where(
        sa.tuple_(grades_due.c.credit_code, grades_due.c.queued_at, grades_due.c.trigger).in_(
            [(row.credit_code, row.queued_at, row.trigger) for row in claimed])))
    return len(claimed)


async def regrade_due(runtime: CreditRuntime, *, limit: int,
                      policy: GradingPolicy | None = None) -> int:
    """One batch in its own transaction (`regrade_claimed`); returns how many were claimed."""
    async with runtime.uow() as uow:
        claimed = await regrade_claimed(
            uow, policy=policy or runtime.settings.grading_policy(), limit=limit)
        await uow.commit()
    return claimed


async def next_due(runtime: CreditRuntime) -> datetime | None:
    """When the next queued employer falls due; None when none is queued."""
    async with runtime.engine.connect() as conn:
        due: datetime | None = (await conn.execute(
            sa.select(sa.func.min(grades_due.c.due_at)))).scalar_one()
    return due


CLOCK_SLACK_SECONDS = 0.05  # how much later than due a batch may start, for the clocks' sake


class Regrader(Loop):
    """Regrades due employers in batches; woken by commits that queue one
    (`created_work(session, grades_due, due=...)`) and when the next falls due, otherwise at the
    poll."""

    tables = frozenset({grades_due.name})

    def __init__(self, runtime: CreditRuntime) -> None:
        super().__init__(poll_seconds=runtime.settings.grade_poll_seconds)
        self.runtime = runtime
        self.batch_size: int = runtime.settings.grade_batch_size
        self.policy = runtime.settings.grading_policy()
        self.busy = False
        self.noted: float | None = None  # event-loop time work committed during a cycle is due

    def wake(self, in_seconds: float | None = None) -> None:
        # Employers queued within one window fall due at the same moment (`falls_due`). A report
        # committed during a cycle is noted, not a reason for another cycle at once (under a
        # steady stream those would follow one another, each finding nothing due); one due when
        # this loop wakes anyway must not wake it a hair earlier (the clocks differ by
        # microseconds).
        if in_seconds is not None and self.busy:
            due = asyncio.get_running_loop().time() + in_seconds
            self.noted = due if self.noted is None else min(self.noted, due)
            return
        super().wake(None if in_seconds is None else in_seconds + CLOCK_SLACK_SECONDS)

    async def cycle(self) -> float | None:
        self.busy, self.noted = True, None
        try:
            claimed = await regrade_due(self.runtime, limit=self.batch_size, policy=self.policy)
            if claimed >= self.batch_size:
                return 0.0
            until = seconds_until(await next_due(self.runtime), self.runtime.clock.now())
        finally:
            self.busy = False  # no await from here to the sleep: nothing is committed meanwhile
        if self.noted is None:
            return until
        noted = max(self.noted - asyncio.get_running_loop().time(), 0.0)
        return noted if until is None else min(until, noted)
