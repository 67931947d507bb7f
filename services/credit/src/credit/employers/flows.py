"""Register use cases and the data functions the penalty consumer uses; flows commit once.

Every change of an employer's published basic data (`rules.PUBLISHED`) is emitted in the same
transaction as credit.employer.changed.v1 with the row's next `version` (R-CRD-1, R-ORG-1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from labor_contracts.cases import PenaltyDecided
from labor_contracts.credit import EmployerRegisterChanged
from labor_contracts.identifiers import credit_code_problem
from labor_runtime import audit
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from credit.employers import rules
from credit.employers.models import employer_penalties, employers
from credit.employers.schemas import EmployerPut, EmployerRead, GradeHistoryRead, PenaltyRead
from credit.grading.models import employer_grades

_BASIC = ("name", "legal_representative", "address", "contact_email", "grid", "district",
          "industry", "size")


def valid_credit_code(raw: str) -> str:
    """R-CRD-1: the register's key, normalised; 422 naming what is wrong with an invalid one."""
    code = raw.strip().upper()
    problem = credit_code_problem(code)
    if problem:
        raise Problem(422, "invalid-credit-code",
                      "Invalid unified social credit code (统一社会信用代码)",
                      f"{raw!r} is not a valid unified social credit code: {problem}",
                      credit_code=raw)
    return code


async def register(runtime: Runtime, who: Principal, raw_code: str,
                   body: EmployerPut) -> tuple[EmployerRead, bool]:
    """Register an employer or replace its basic data (R-CRD-1, R-ORG-1); returns (file, created)."""
    code = valid_credit_code(raw_code)
    if who.district is not None and body.district not in (None, who.district):
        raise Problem(403, "forbidden", "Another district's employer",
                      f"you register employers of district {who.district} only")
    values: dict[str, Any] = body.model_dump(mode="json", include=set(_BASIC))
    values["district"] = body.district or who.district
    for attempt in (1, 2):
        try:
            created = await _write_basic(runtime, who, code, values)
            break
        except IntegrityError:
            if attempt == 2:  # the row that won the race is there now: the retry updates it
                raise
    return await read_file(runtime, code), created


async def _write_basic(runtime: Runtime, who: Principal, code: str, values: dict[str, Any]) -> bool:
    now = runtime.clock.now()
    async with runtime.uow() as uow:
        existing = (await uow.session.execute(
            sa.select(employers.c.district).where(employers.c.credit_code == code)
            .with_for_update())).first()
        if (existing is not None and who.district is not None
                and existing.district not in (None, who.district)):
            raise Problem(403, "forbidden", "Another district's employer",
                          f"this employer belongs to district {existing.district}")
        if existing is None:
            statement = employers.insert().values(
                credit_code=code, version=1, created_at=now, updated_at=now, **values)
        else:
            statement = (employers.update().where(employers.c.credit_code == code)
                         .values(version=employers.c.version + 1, updated_at=now, **values))
        row = (await uow.session.execute(statement.returning(*employers.c))).one()
        # Every PUT is published, changed or not: the registrar confirmed the data, and a
        # consumer that missed an update catches up (R-ORG-1: the grid reaches intake).
        await uow.emit(register_changed(row), subject=code)
        await audit.record(uow.session, audit.AuditEntry(
            at=now, actor=who.subject, role=",".join(sorted(who.roles)),
            action="register_employer" if existing is None else "update_employer",
            subject=f"employer:{code}", reason=f"grid {values['grid']}"))
        await uow.commit()
    return existing is None


def register_changed(row: sa.Row) -> EmployerRegisterChanged:  # type: ignore[type-arg]
    """The event of an employer's register row as it now is; no personal data (R-INT-7)."""
    return EmployerRegisterChanged(
        credit_code=row.credit_code, version=row.version, changed_at=row.updated_at,
        **{field: getattr(row, field) for field in rules.PUBLISHED})


async def read_file(runtime: Runtime, raw_code: str) -> EmployerRead:
    """The employer's file (一户一档) with its case and grade history, newest first."""
    code = valid_credit_code(raw_code)
    async with runtime.engine.connect() as conn:
        await conn.execution_options(isolation_level="REPEATABLE READ")  # one snapshot
        row = (await conn.execute(sa.select(employers).where(employers.c.credit_code == code))).first()
        if row is None:
            raise not_registered(code)
        cases = (await conn.execute(
            sa.select(employer_penalties).where(employer_penalties.c.credit_code == code)
            .order_by(employer_penalties.c.decided_at.desc()))).all()
        grades = (await conn.execute(
            sa.select(employer_grades).where(employer_grades.c.credit_code == code)
            .order_by(employer_grades.c.id.desc()))).all()
    history = [GradeHistoryRead.model_validate(g, from_attributes=True) for g in grades]
    return EmployerRead(
        **{field: getattr(row, field) for field in _BASIC}, credit_code=code,
        created_at=row.created_at, updated_at=row.updated_at,
        grade=history[0] if history else None, grades=history,
        cases=[PenaltyRead.model_validate(c, from_attributes=True) for c in cases])


def not_registered(code: str) -> Problem:
    return Problem(404, "not-found", "Employer not in the register",
                   f"no employer with credit code {code} is registered")


@dataclass(frozen=True)
class Filed:
    """What filing a penalty decision did."""

    new_decision: bool  # False: the decision was in the file already
    register_change: EmployerRegisterChanged | None  # to publish: registered or gaps filled


async def file_decision(session: AsyncSession, *, code: str, event_id: str, data: PenaltyDecided,
                        now: datetime) -> Filed:
    """Put a penalty decision into the employer's file, registering the employer if new.

    The employer's row stays locked until commit (inserted, or `FOR UPDATE`), so decisions about
    one employer are filed and graded one after the other.
    """
    ref = data.employer
    offered = {"legal_representative": ref.legal_representative, "address": ref.address,
               "contact_email": ref.email, "district": data.district}
    inserted = (await session.execute(
        insert(employers).values(credit_code=code, name=ref.name, version=1, created_at=now,
                                 updated_at=now, **offered)
        .on_conflict_do_nothing(index_elements=[employers.c.credit_code])
        .returning(*employers.c))).first()
    change: EmployerRegisterChanged | None = None
    if inserted is not None:
        change = register_changed(inserted)
    else:
        stored = (await session.execute(
            sa.select(employers).where(employers.c.credit_code == code).with_for_update())).one()
        # The register's basic data belongs to officers and grid workers; a decision fills gaps.
        filled: dict[str, Any] = rules.gaps_filled(stored._mapping, offered)
        published = rules.publishes(filled)
        if published:
            filled["version"] = stored.version + 1
        updated = (await session.execute(
            employers.update().where(employers.c.credit_code == code)
            .values(updated_at=now, **filled).returning(*employers.c))).one()
        if published:
            change = register_changed(updated)
    filed = await session.execute(
        insert(employer_penalties).values(
            decision_id=data.decision_id, credit_code=code, case_id=data.case_id,
            decision_number=data.decision_number, violation=data.violation,
            legal_basis=data.legal_basis, fine_amount=data.fine_amount, measures=data.measures,
            authority=data.authority, district=data.district, decided_at=data.decided_at,
            worker_count=data.worker_count, arrears_amount=data.arrears_amount,
            event_id=event_id, recorded_at=now)
        .on_conflict_do_nothing(index_elements=[employer_penalties.c.decision_id])
        .returning(employer_penalties.c.decision_id))
    return Filed(filed.first() is not None, change)
