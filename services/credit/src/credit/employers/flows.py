"""Register use cases and the data functions the penalty consumer uses; flows commit once.

Every change of an employer's published basic data (`rules.PUBLISHED`) is emitted in the same
transaction as credit.employer.changed.v1 with the row's next `version` (R-CRD-1, R-ORG-1)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from labor_contracts.cases import PenaltyDecided
from labor_contracts.credit import EmployerRegisterChanged
from labor_contracts.identifiers import credit_code_problem
from labor_runtime import audit
from labor_runtime.crypto import mask
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal, Role
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from credit.employers import history, rules
from credit.employers.models import employer_history, employer_penalties, employers
from credit.employers.schemas import (
    Contacts,
    EmployerFile,
    EmployerPut,
    EmployerRead,
    GradeHistoryRead,
    GridPlace,
    HistoryLine,
    PenaltyRead,
)
from credit.grading.models import employer_grades
from credit.grids.models import grids
from credit.grids.tree import grid_with_path

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
    if not who.city_wide and body.district not in (None, who.district):
        raise Problem(403, "forbidden", "Another district's employer",
                      f"you register employers of district {who.district} only")
    values: dict[str, Any] = body.model_dump(mode="json", include=set(_BASIC))
    cipher = runtime.cipher
    for field in CONTACTS:
        plain = getattr(body, field)
        values[f"{field}_enc"] = None if plain is None else cipher.encrypt(plain, aad(field, code))
    for attempt in (1, 2):
        try:
            created = await _write_basic(runtime, who, code, values)
            break
        except IntegrityError:
            if attempt == 2:  # the row that won the race is there now: the retry updates it
                raise
    return await read_file(runtime, who, code), created


CONTACTS = ("legal_representative_phone", "legal_representative_id_number")
"""The legal representative's personal data: stored only encrypted (`<field>_enc`)."""


def aad(field: str, code: str) -> str:
    """What binds a contact's ciphertext to its employer and column."""
    return f"employers.{field}:{code}"


async def village_grid(session: AsyncSession, code: str,
                       who: Principal | None = None) -> sa.Row:  # type: ignore[type-arg]
    """R-ORG-1: an employer's grid is an active village-level grid of the tree; 422 naming it.
    For `who`, another district's grid is as unknown as one outside the tree (finding 8)."""
    grid = (await session.execute(  # shared lock: a load cannot retire it meanwhile
        sa.select(grids).where(grids.c.code == code).with_for_update(read=True))).first()
    if grid is not None and who is not None and not who.reaches(grid.district):
        grid = None
    if grid is None or grid.level != "village" or not grid.active:
        why = ("is not in the grid tree" if grid is None else
               f"is a {grid.level} grid" if grid.level != "village" else "is retired")
        raise Problem(422, "invalid-grid", "Not a village grid (网格)",
                      f"grid {code} {why}: an employer belongs to one active village-level grid",
                      grid=code)
    return grid


async def _write_basic(runtime: Runtime, who: Principal, code: str, values: dict[str, Any]) -> bool:
    now = runtime.clock.now()
    async with runtime.uow() as uow:
        grid = await village_grid(uow.session, values["grid"], who)
        if values["district"] not in (None, grid.district):
            raise Problem(422, "invalid-grid", "Grid of another district",
                          f"grid {grid.code} belongs to district {grid.district}, not "
                          f"{values['district']}", grid=grid.code)
        values |= {"district": grid.district, "grid_level": grid.level, "legacy_grid": None}
        existing = (await uow.session.execute(
            sa.select(employers.c.district, employers.c.grid).where(employers.c.credit_code == code)
            .with_for_update())).first()
        if (existing is not None and existing.district is not None
                and not who.reaches(existing.district)):  # as unknown as on reading it
            raise not_registered(code)
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
        previous = None if existing is None else existing.grid
        if previous != grid.code:
            await history.record(
                uow.session, credit_code=code, kind=history.Kind.GRID, at=now,
                summary=(f"grid {grid.name} ({grid.code}) assigned" if previous is None else
                         f"moved from grid {previous} to {grid.name} ({grid.code})"),
                source=f"staff:{who.subject}", ref=f"register-v{row.version}",
                details={"grid": grid.code, "previous": previous, "district": grid.district})
        await audit.record(uow.session, audit.AuditEntry(
            at=now, actor=who.subject, role=",".join(sorted(who.roles)),
            action="register_employer" if existing is None else "update_employer",
            subject=f"employer:{code}", reason=f"grid {values['grid']}"))
        await uow.commit()
    return existing is None


async def employers_on(session: AsyncSession, codes: list[str]) -> dict[str, int]:
    """How many employers each of these grids holds (those holding none left out)."""
    if not codes:
        return {}
    rows = await session.execute(
        sa.select(employers.c.grid, sa.func.count()).where(employers.c.grid.in_(codes))
        .group_by(employers.c.grid))
    return {grid: count for grid, count in rows.all()}


async def follow_grid(session: AsyncSession, *, grid: str, district: str | None, now: datetime,
                      source: str) -> list[EmployerRegisterChanged]:
    """R-ORG-1: the employers of a grid that moved to another district move with it; each
    change is the register's next version, to publish, and a line of the employer's history."""
    moved = (await session.execute(
        employers.update().where(employers.c.grid == grid, employers.c.district.is_distinct_from(district))
        .values(district=district, version=employers.c.version + 1, updated_at=now)
        .returning(*employers.c))).all()
    for row in moved:
        await history.record(
            session, credit_code=row.credit_code, kind=history.Kind.GRID, at=now,
            summary=f"grid {grid} moved to district {district}", source=source,
            ref=f"register-v{row.version}", details={"grid": grid, "district": district})
    return [register_changed(row) for row in moved]


def register_changed(row: sa.Row) -> EmployerRegisterChanged:  # type: ignore[type-arg]
    """The event of an employer's register row as it now is; no personal data (R-INT-7)."""
    return EmployerRegisterChanged(
        credit_code=row.credit_code, version=row.version, changed_at=row.updated_at,
        **{field: getattr(row, field) for field in rules.PUBLISHED})


async def read_file(runtime: Runtime, who: Principal, raw_code: str) -> EmployerRead:
    """The employer's file (一户一档) with its case and grade history, newest first; another
    district's is as unknown as one not in the register (issue 10, finding 8)."""
    code = valid_credit_code(raw_code)
    async with runtime.engine.connect() as conn:
        await conn.execution_options(isolation_level="REPEATABLE READ")  # one snapshot
        row = (await conn.execute(sa.select(employers).where(employers.c.credit_code == code))).first()
        if row is None or not who.reaches(row.district):
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


FULL_CONTACTS = frozenset({Role.OFFICER_A, Role.EXECUTOR_C, Role.DETACHMENT_CHIEF})
"""Who sees the legal representative's phone and ID number in full (with a reason, audited)."""


def _cursor(at: datetime, line_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([at.isoformat(), line_id]).encode()).decode()


def _after(cursor: str) -> tuple[datetime, int]:
    try:
        at, line_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(at), int(line_id)
    except (ValueError, TypeError) as exc:
        raise Problem(422, "invalid-cursor", "Invalid cursor",
                      "pass the next_cursor of the previous page unchanged") from exc


async def employer_file(runtime: Runtime, who: Principal, raw_code: str, *, reason: str | None,
                        limit: int, cursor: str | None) -> EmployerFile:
    """The one file per employer (一户一档, R-CRD-1); contacts in full only to the roles that
    need them, when they say why, and every such read is audited."""
    code = valid_credit_code(raw_code)
    after = _after(cursor) if cursor else None
    full = reason is not None and who.has_any(set(FULL_CONTACTS))
    lines = employer_history.c
    page = sa.select(employer_history).where(lines.credit_code == code)
    if after is not None:
        page = page.where(sa.tuple_(lines.at, lines.id) < sa.tuple_(*after))
    async with runtime.uow() as uow:
        session = uow.session
        row = (await session.execute(
            sa.select(employers).where(employers.c.credit_code == code))).first()
        if row is None or not who.reaches(row.district):
            raise not_registered(code)
        grid = None if row.grid is None else await grid_with_path(session, row.grid)
        place = None if grid is None else GridPlace(
            code=grid.code, name=grid.name, level=grid.level, district=grid.district,
            path=[ref.model_dump() for ref in grid.path], workers=grid.workers)
        grade = (await session.execute(
            sa.select(employer_grades).where(employer_grades.c.credit_code == code)
            .order_by(employer_grades.c.id.desc()).limit(1))).first()
        found = (await session.execute(
            page.order_by(lines.at.desc(), lines.id.desc()).limit(limit + 1))).all()
        first_decision = (await session.execute(
            sa.select(employer_penalties.c.decision_number, employer_penalties.c.recorded_at)
            .where(employer_penalties.c.credit_code == code)
            .order_by(employer_penalties.c.recorded_at).limit(1))).first()
        if full:
            await audit.record(session, audit.AuditEntry(
                at=runtime.clock.now(), actor=who.subject, role=",".join(sorted(who.roles)),
                action="read_employer_contacts", subject=f"employer:{code}",
                reason=str(reason)))
            await uow.commit()
    contacts = {field: None if getattr(row, f"{field}_enc") is None else
                runtime.cipher.decrypt(getattr(row, f"{field}_enc"), aad(field, code))
                for field in CONTACTS}
    contacts["legal_representative"] = row.legal_representative
    if not full:
        contacts = {field: None if value is None else mask(value)
                    for field, value in contacts.items()}
    return EmployerFile(
        credit_code=code, name=row.name, address=row.address, district=row.district,
        industry=row.industry, size=row.size, version=row.version, created_at=row.created_at,
        updated_at=row.updated_at, grid=place,
        unplaced_because=None if place else _unplaced(row, first_decision),
        contacts=Contacts(**contacts, contact_email=row.contact_email, masked=not full),
        grade=GradeHistoryRead.model_validate(grade, from_attributes=True) if grade else None,
        history=[HistoryLine.model_validate(line, from_attributes=True)
                 for line in found[:limit]],
        next_cursor=_cursor(found[limit - 1].at, found[limit - 1].id)
        if len(found) > limit else None)


def _unplaced(row: sa.Row, decision: sa.Row | None) -> str:  # type: ignore[type-arg]
    """R-ORG-1: why an employer has no grid yet."""
    if row.legacy_grid is not None:
        return f"its grid {row.legacy_grid!r} was named before the grid tree"
    if decision is not None:
        return (f"registered by penalty decision {decision.decision_number} on "
                f"{decision.recorded_at.date().isoformat()}; no grid assigned yet")
    return "registered without a grid"
