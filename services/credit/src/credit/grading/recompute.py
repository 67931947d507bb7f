"""Recompute every employer's grade with the current weights (R-CRD-2), e.g. after a weight
change: `credit-service grades recompute` (grading/cli.py).

Walks the register in credit-code order, one transaction per batch: the batch's employer rows
locked (a live event regrading one of them waits, so one employer's grades stay in order), its
penalties, conduct records and current grades read in one query each, graded in memory, the new
`employer_grades` rows written by COPY, and `credit.grade.changed.v1` written to the outbox, in
one statement, only for the employers whose grade changed (the running service's relay publishes
them). An interrupted run resumes with `--after` the last reported code; running it again only
appends grades equal to the current ones and tells no one.

`regrade_batch` is the one batch path: the regrader of queued employers (grading/due.py) uses it
too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from labor_contracts.identifiers import new_id
from labor_runtime import audit, outbox
from labor_runtime.clock import Clock
from labor_runtime.tracing import UNEXPORTED, continued
from opentelemetry import trace
from sqlalchemy.dialects.postgresql import ARRAY, distinct_on
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from credit.employers import history
from credit.employers.models import employers
from credit.grading import rules
from credit.grading.flows import Regraded, explanation, grade_changed, profiles
from credit.grading.models import employer_grades

_COPIED = ("credit_code", "grade", "score", "previous_grade", "deductions", "not_assessed",
           "trigger", "computed_at")


@dataclass(frozen=True)
class Progress:
    batches: int
    regraded: int
    changed: int
    after: str | None  # the last credit code regraded: `--after` resumes from there
    trigger: str  # how this run's grades are marked in the grade history


async def recompute(engine: AsyncEngine, *, policy: rules.GradingPolicy, source: str,
                    clock: Clock, batch_size: int = 500, after: str | None = None,
                    on_batch: Callable[[Progress], None] | None = None,
                    tracer: trace.Tracer = UNEXPORTED) -> Progress:
    """Regrade every employer with a credit code above `after`, `batch_size` per transaction;
    `on_batch` hears of each committed batch. The run is what its grade changes follow from:
    they share its trace (`tracer`: the service's when one runs it)."""
    with continued(tracer, None, "recompute the grades"):
        return await _recompute(engine, policy=policy, source=source, clock=clock,
                                batch_size=batch_size, after=after, on_batch=on_batch)


async def _recompute(engine: AsyncEngine, *, policy: rules.GradingPolicy, source: str,
                     clock: Clock, batch_size: int, after: str | None,
                     on_batch: Callable[[Progress], None] | None) -> Progress:
    progress = Progress(0, 0, 0, after, f"recompute:{new_id()}")
    while True:
        async with AsyncSession(engine) as session, session.begin():
            codes = await lock_batch(session, after=progress.after, size=batch_size)
            if not codes:
                return progress
            now = clock.now()
            changed = len(await regrade_batch(
                session, codes, policy=policy, source=source, now=now,
                triggers=dict.fromkeys(codes, progress.trigger),
                note="recomputed with the current weights"))
            await audit.record(session, audit.AuditEntry(
                at=now, actor=source, role="system", action="recompute_grades",
                subject=f"employers:{codes[0]}..{codes[-1]}",
                reason=f"{progress.trigger}: {len(codes)} regraded with the current weights, "
                       f"{changed} changed"))
        progress = Progress(progress.batches + 1, progress.regraded + len(codes),
                            progress.changed + changed, codes[-1], progress.trigger)
        if on_batch is not None:
            on_batch(progress)
        if len(codes) < batch_size:
            return progress


async def lock_batch(session: AsyncSession, *, after: str | None, size: int) -> list[str]:
    """The next `size` credit codes after `after`, their employer rows locked till commit."""
    query = (sa.select(employers.c.credit_code).order_by(employers.c.credit_code).limit(size)
             .with_for_update())
    if after is not None:
        query = query.where(employers.c.credit_code > after)
    return list((await session.execute(query)).scalars())


async def current_grades(session: AsyncSession, codes: Sequence[str]) -> dict[str, str]:
    """The current grade of each of `codes` that has one, in one query."""
    return {code: grade for code, grade in await session.execute(
        sa.select(employer_grades.c.credit_code, employer_grades.c.grade)
        .where(employer_grades.c.credit_code == sa.any_(
            sa.bindparam("codes", list(codes), type_=ARRAY(sa.Text))))
        .order_by(employer_grades.c.credit_code, employer_grades.c.id.desc())
        .ext(distinct_on(employer_grades.c.credit_code)))}


async def regrade_batch(session: AsyncSession, codes: Sequence[str], *,
                        policy: rules.GradingPolicy, source: str, now: datetime,
                        triggers: Mapping[str, str],
                        traces: Mapping[str, str | None] | None = None,
                        note: str | None = None) -> list[tuple[str, Regraded]]:
    """R-CRD-2: grade `codes` (their employer rows locked by the caller) as of `now` in the
    session's transaction, each marked with its trigger: the grade rows by COPY, and for those
    whose grade changed `credit.grade.changed.v1` and a history line saying so (`note`, or after
    what). A change continues its trigger's trace (`traces`), else the current one. Returns the
    changed ones; the caller audits the batch."""
    found = await profiles(session, codes, policy=policy, now=now)
    previous = await current_grades(session, codes)
    # Most employers have nothing on file: their grade and its explanation are the same,
    # computed and encoded once (grading is pure).
    spotless = rules.Profile(as_of=now, conduct=rules.conduct_of((), as_of=now, policy=policy))
    spotless_result = rules.grade(spotless, policy)
    spotless_explained = _explained(spotless_result, policy)
    grades, events = [], []
    for code in codes:
        profile = found[code]
        if profile == spotless:
            outcome = Regraded(spotless_result, previous.get(code))
            deductions, not_assessed = spotless_explained
        else:
            outcome = Regraded(rules.grade(profile, policy), previous.get(code))
            deductions, not_assessed = _explained(outcome.result, policy)
        grades.append((code, outcome.result.grade.value, outcome.result.score, outcome.previous,
                       deductions, not_assessed, triggers[code], now))
        if outcome.changed:
            events.append((code, outcome))
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    await raw.copy_records_to_table(employer_grades.name, records=grades, columns=_COPIED)
    await outbox.write(session, [
        outbox.outbox_row(source=source, data=grade_changed(code, outcome, now), subject=code,
                          time=now, traceparent=(traces or {}).get(code))[1]
        for code, outcome in events])
    await history.record_many(session, [history.Line(
        credit_code=code, kind=history.Kind.GRADE, at=now, source=triggers[code], ref=new_id(),
        summary=f"integrity grade {outcome.previous or '-'} -> {outcome.result.grade} "
                f"({outcome.result.score}) {note or 'after ' + triggers[code]} (R-CRD-2)",
        details={"score": outcome.result.score}) for code, outcome in events])
    return events


def _explained(result: rules.GradeResult, policy: rules.GradingPolicy) -> tuple[str, str]:
    """The deductions and the indicators not assessed, as COPY takes JSONB: text."""
    deductions, not_assessed = explanation(result, policy)
    return (json.dumps(deductions, ensure_ascii=False),
            json.dumps(not_assessed, ensure_ascii=False))
