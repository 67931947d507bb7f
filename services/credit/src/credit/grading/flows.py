"""Grading use cases: recompute a grade in the caller's transaction; read the current one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from labor_contracts.credit import IntegrityGradeChanged
from labor_contracts.identifiers import new_id
from labor_runtime import audit
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from credit.conduct.models import conduct_records
from credit.conduct.rules import Report
from credit.employers import history
from credit.employers.flows import not_registered, valid_credit_code
from credit.employers.models import employer_penalties, employers
from credit.grading import rules
from credit.grading.models import employer_grades
from credit.grading.schemas import DeductionRead, GradeRead, NotAssessedRead


@dataclass(frozen=True)
class Regraded:
    result: rules.GradeResult
    previous: str | None

    @property
    def changed(self) -> bool:
        """The first grade counts as a change from none."""
        return self.previous != self.result.grade


def _array(codes: Sequence[str]) -> sa.BindParameter[list[str]]:
    """One array parameter, whatever the batch's size: one prepared statement for every batch."""
    return sa.bindparam("codes", list(codes), type_=ARRAY(sa.Text))


async def profiles(session: AsyncSession, codes: Sequence[str], *, policy: rules.GradingPolicy,
                   now: datetime) -> dict[str, rules.Profile]:
    """R-CRD-2: what the grade is computed from, for each of `codes`, in two set-based reads
    (penalties, conduct) whatever their number; only what the windows can count is read."""
    since = now - timedelta(days=policy.lookback_days)  # every window ends within the lookback
    penalties: dict[str, list[rules.Penalty]] = {code: [] for code in codes}
    for row in await session.execute(
            sa.select(employer_penalties.c.credit_code, employer_penalties.c.decision_number,
                      employer_penalties.c.decided_at, employer_penalties.c.violation,
                      employer_penalties.c.fine_amount, employer_penalties.c.worker_count,
                      employer_penalties.c.arrears_amount)
            .where(employer_penalties.c.credit_code == sa.any_(_array(codes)),
                   employer_penalties.c.decided_at > since)):
        penalties[row.credit_code].append(rules.Penalty(
            decision_number=row.decision_number, decided_at=row.decided_at,
            violation=row.violation, fine_amount=row.fine_amount, worker_count=row.worker_count,
            arrears_amount=row.arrears_amount))
    reports: dict[str, list[Report]] = {code: [] for code in codes}
    for row in await session.execute(
            sa.select(conduct_records.c.credit_code, conduct_records.c.kind,
                      conduct_records.c.occurred_at, conduct_records.c.detail)
            .where(conduct_records.c.credit_code == sa.any_(_array(codes)),
                   conduct_records.c.occurred_at > since)):
        reports[row.credit_code].append(Report(row.kind, row.occurred_at, row.detail))
    return {code: rules.Profile(as_of=now, penalties=tuple(penalties[code]),
                                conduct=rules.conduct_of(reports[code], as_of=now, policy=policy))
            for code in codes}


def explanation(result: rules.GradeResult,
                policy: rules.GradingPolicy) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What cost the points and which indicators were not assessed, as stored with a grade."""
    not_assessed = [
        {"indicator": i.code, "item": i.item.value, "label": i.label, "weight": policy.weight(i)}
        for i in map(rules.INDICATORS_BY_CODE.__getitem__, result.not_assessed)]
    return [vars(d).copy() for d in result.deductions], not_assessed


def grade_row(code: str, result: rules.GradeResult, *, previous: str | None,
              policy: rules.GradingPolicy, trigger: str, now: datetime) -> dict[str, Any]:
    """The `employer_grades` row of a computation, with its explanation."""
    deductions, not_assessed = explanation(result, policy)
    return {"credit_code": code, "grade": result.grade.value, "score": result.score,
            "previous_grade": previous, "deductions": deductions, "not_assessed": not_assessed,
            "trigger": trigger, "computed_at": now}


async def regrade(session: AsyncSession, *, code: str, policy: rules.GradingPolicy,
                  now: datetime, trigger: str) -> Regraded:
    """R-CRD-2: grade the employer's whole file as of `now`; append it to the grade history."""
    profile = (await profiles(session, [code], policy=policy, now=now))[code]
    result = rules.grade(profile, policy)
    previous = (await session.execute(
        sa.select(employer_grades.c.grade).where(employer_grades.c.credit_code == code)
        .order_by(employer_grades.c.id.desc()).limit(1))).scalar_one_or_none()
    await session.execute(employer_grades.insert().values(
        grade_row(code, result, previous=previous, policy=policy, trigger=trigger, now=now)))
    return Regraded(result, previous)


def grade_changed(code: str, outcome: Regraded, now: datetime) -> IntegrityGradeChanged:
    result = outcome.result
    return IntegrityGradeChanged(credit_code=code, grade=result.grade.value,
                                 previous_grade=outcome.previous, score=result.score,
                                 computed_at=now)


async def regrade_and_tell(uow: UnitOfWork, *, code: str, policy: rules.GradingPolicy,
                           trigger: str) -> Regraded:
    """Regrade after something new in the employer's file, in the caller's transaction: audited,
    a history line and `credit.grade.changed.v1` when the grade changed. The caller holds the
    employer's row locked, so one employer's grades are computed one after the other."""
    now = uow.clock.now()
    outcome = await regrade(uow.session, code=code, policy=policy, now=now, trigger=trigger)
    result = outcome.result
    summary = f"{outcome.previous or '-'} -> {result.grade} ({result.score})"
    await audit.record(uow.session, audit.AuditEntry(
        at=now, actor=uow.source, role="system", action="grade_employer",
        subject=f"employer:{code}", reason=f"{trigger}: {summary}"))
    if outcome.changed:
        await uow.emit(grade_changed(code, outcome, now), subject=code)
        await history.record(uow.session, credit_code=code, kind=history.Kind.GRADE, at=now,
                             summary=f"integrity grade {summary} (R-CRD-2)", source=trigger,
                             ref=new_id(),  # the caller's event or request is deduplicated
                             details={"score": result.score})
    return outcome


async def current(runtime: Runtime, who: Principal, raw_code: str) -> GradeRead:
    """The current grade with the explanation stored when it was computed; another district's
    employer is as unknown as on reading its register entry (issue 10, finding 8)."""
    code = valid_credit_code(raw_code)
    async with runtime.engine.connect() as conn:
        district = (await conn.execute(sa.select(employers.c.district).where(
            employers.c.credit_code == code))).first()
        if district is not None and not who.reaches(district.district):
            raise not_registered(code)
        row = (await conn.execute(
            sa.select(employer_grades).where(employer_grades.c.credit_code == code)
            .order_by(employer_grades.c.id.desc()).limit(1))).first()
        if row is None:
            known = (await conn.execute(sa.select(employers.c.credit_code).where(
                employers.c.credit_code == code))).first()
            if known is None:
                raise not_registered(code)
            raise Problem(404, "not-graded", "Employer not graded yet",
                          f"{code} is registered but has no grade: it is graded when a penalty "
                          "decision or a conduct record about it arrives, or when the grades "
                          "are recomputed")
    return GradeRead(
        credit_code=code, grade=row.grade, score=row.score, previous_grade=row.previous_grade,
        computed_at=row.computed_at, trigger=row.trigger,
        explanation=[DeductionRead.model_validate(d) for d in row.deductions],
        not_assessed=[NotAssessedRead.model_validate(n) for n in row.not_assessed])
