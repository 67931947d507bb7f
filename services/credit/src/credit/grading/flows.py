"""Grading use cases: recompute a grade in the caller's transaction; read the current one."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

import sqlalchemy as sa
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from sqlalchemy.ext.asyncio import AsyncSession

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


async def regrade(session: AsyncSession, *, code: str, policy: rules.GradingPolicy,
                  now: datetime, trigger: str) -> Regraded:
    """R-CRD-2: grade the employer's whole file as of `now`; append it to the grade history."""
    rows = (await session.execute(
        sa.select(employer_penalties).where(employer_penalties.c.credit_code == code))).all()
    profile = rules.Profile(as_of=now, penalties=tuple(
        rules.Penalty(decision_number=r.decision_number, decided_at=r.decided_at,
                      violation=r.violation, fine_amount=r.fine_amount,
                      worker_count=r.worker_count, arrears_amount=r.arrears_amount)
        for r in rows))
    result = rules.grade(profile, policy)
    previous = (await session.execute(
        sa.select(employer_grades.c.grade).where(employer_grades.c.credit_code == code)
        .order_by(employer_grades.c.id.desc()).limit(1))).scalar_one_or_none()
    not_assessed = [
        {"indicator": i.code, "item": i.item.value, "label": i.label, "weight": policy.weight(i)}
        for i in map(rules.INDICATORS_BY_CODE.__getitem__, result.not_assessed)]
    await session.execute(employer_grades.insert().values(
        credit_code=code, grade=result.grade.value, score=result.score, previous_grade=previous,
        deductions=[asdict(d) for d in result.deductions], not_assessed=not_assessed,
        trigger=trigger, computed_at=now))
    return Regraded(result, previous)


async def current(runtime: Runtime, raw_code: str) -> GradeRead:
    """The current grade with the explanation stored when it was computed."""
    code = valid_credit_code(raw_code)
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(
            sa.select(employer_grades).where(employer_grades.c.credit_code == code)
            .order_by(employer_grades.c.id.desc()).limit(1))).first()
        if row is None:
            known = (await conn.execute(sa.select(employers.c.credit_code).where(
                employers.c.credit_code == code))).first()
            if known is None:
                raise not_registered(code)
            raise Problem(404, "not-graded", "Employer not graded yet",
                          f"{code} is registered but has no grade: it is graded when the first "
                          "penalty decision about it arrives")
    return GradeRead(
        credit_code=code, grade=row.grade, score=row.score, previous_grade=row.previous_grade,
        computed_at=row.computed_at, trigger=row.trigger,
        explanation=[DeductionRead.model_validate(d) for d in row.deductions],
        not_assessed=[NotAssessedRead.model_validate(n) for n in row.not_assessed])
