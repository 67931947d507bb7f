"""Conduct use cases: store a report once, write it into the employer's history and queue the
employer for regrading in batches (R-CRD-2, grading/due.py); staff record findings, which regrade
at once, and read an employer's conduct."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from labor_contracts.identifiers import new_id
from labor_runtime import audit
from labor_runtime.clock import BUREAU_TZ
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from credit.conduct.models import conduct_records
from credit.conduct.rules import ConductKind
from credit.conduct.schemas import ConductRead, EmployerConduct, FindingCreate
from credit.employers import history
from credit.employers.flows import not_registered, valid_credit_code
from credit.employers.models import employers
from credit.grading import due
from credit.grading.flows import regrade_and_tell
from credit.grading.rules import GradingPolicy

_HISTORY_KIND = {ConductKind.COMPLAINT: history.Kind.COMPLAINT,
                 ConductKind.CASE_CLOSED: history.Kind.CASE_CLOSED}


async def record(uow: UnitOfWork, *, code: str, kind: ConductKind, occurred_at: datetime,
                 source: str, ref: str, summary: str, case_id: str | None = None,
                 amount: Decimal | None = None, detail: str = "") -> str | None:
    """Store one report of the employer's conduct and write it into the employer's history;
    returns its id, or None when this source reported it already. Grading is the caller's:
    `report` queues it, `add_finding` regrades at once."""
    record_id = new_id()
    stored = (await uow.session.execute(
        insert(conduct_records).values(
            id=record_id, credit_code=code, kind=kind.value, case_id=case_id,
            occurred_at=occurred_at, amount=amount, detail=detail, source=source,
            recorded_at=uow.clock.now())
        .on_conflict_do_nothing(index_elements=["source", "kind"])
        .returning(conduct_records.c.id))).first()
    if stored is None:
        return None
    await history.record(uow.session, credit_code=code,
                         kind=_HISTORY_KIND.get(kind, history.Kind.CONDUCT), at=occurred_at,
                         summary=summary, source=source, ref=record_id,
                         details={"conduct": kind.value, "case_id": case_id})
    return record_id


async def report(uow: UnitOfWork, *, gather: timedelta, code: str, kind: ConductKind,
                 occurred_at: datetime, source: str, ref: str, summary: str,
                 case_id: str | None = None, amount: Decimal | None = None,
                 detail: str = "") -> str | None:
    """A report from another service (R-CRD-2): stored once (`record`) and its employer queued
    for the regrader (grading/due.py), which regrades it `gather` later or a little more, with
    whatever else was reported about it meanwhile, in a batch of employers. An employer not yet
    in the register is graded once a penalty decision registers it or the grades are recomputed
    (`credit-service grades recompute`)."""
    record_id = await record(uow, code=code, kind=kind, occurred_at=occurred_at, source=source,
                             ref=ref, summary=summary, case_id=case_id, amount=amount,
                             detail=detail)
    if record_id is not None:
        await due.queue(uow.session, code=code, trigger=f"{kind}:{ref}", now=uow.clock.now(),
                        gather=gather)
    return record_id


async def _visible_employer(conn: AsyncConnection, who: Principal, code: str) -> None:
    """District scoping: staff of a district see its employers only; others' are not found."""
    row = (await conn.execute(sa.select(employers.c.district)
                              .where(employers.c.credit_code == code))).first()
    if row is None or (row.district is not None and not who.reaches(row.district)):
        raise not_registered(code)


async def add_finding(runtime: Runtime, who: Principal, raw_code: str, body: FindingCreate,
                      policy: GradingPolicy) -> ConductRead:
    """An officer or executor records what they found on site (R-CRD-2: cooperation and
    rectification indicators; R-CRD-4 grounds); audited, regrades the employer at once (rare,
    and the staff see the grade it makes)."""
    code = valid_credit_code(raw_code)
    today = runtime.calendar.local_date(runtime.clock.now())
    if body.found_on > today:
        raise Problem(422, "finding-in-the-future", "Finding dated in the future",
                      f"found_on {body.found_on} is after today ({today})")
    kind = ConductKind(body.kind.value)
    role = ",".join(sorted(who.roles))
    async with runtime.uow() as uow:
        await _visible_employer(await uow.session.connection(), who, code)
        reference = f" in case {body.case_reference}" if body.case_reference else ""
        finding = new_id()
        record_id = await record(
            uow, code=code, kind=kind, occurred_at=_start_of(body.found_on),
            source=f"staff:{who.subject}:{finding}", ref=finding,
            case_id=body.case_reference, detail=body.description,
            summary=f"{kind.value.replace('_', ' ')} found by {who.subject}{reference} on "
                    f"{body.found_on}")
        assert record_id is not None  # a fresh source every time
        await uow.session.execute(  # one employer's grades are computed one at a time
            sa.select(employers.c.credit_code).where(employers.c.credit_code == code)
            .with_for_update())
        await regrade_and_tell(uow, code=code, policy=policy, trigger=f"{kind}:{finding}")
        await audit.record(uow.session, audit.AuditEntry(
            at=uow.clock.now(), actor=who.subject, role=role, action="conduct.finding",
            subject=f"employer:{code}",
            reason=f"{kind.value}{reference} on {body.found_on}: {body.description}"))
        await uow.commit()
    return (await conduct(runtime, who, code, record_id=record_id)).records[0]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BUREAU_TZ)


async def conduct(runtime: Runtime, who: Principal, raw_code: str, *,
                  record_id: str | None = None) -> EmployerConduct:
    """The employer's conduct records, newest first (one of them when `record_id` is given)."""
    code = valid_credit_code(raw_code)
    async with runtime.engine.connect() as conn:
        await _visible_employer(conn, who, code)
        query = (sa.select(conduct_records).where(conduct_records.c.credit_code == code)
                 .order_by(conduct_records.c.occurred_at.desc(), conduct_records.c.id.desc()))
        if record_id is not None:
            query = query.where(conduct_records.c.id == record_id)
        rows = (await conn.execute(query)).all()
    return EmployerConduct(credit_code=code, records=[
        ConductRead.model_validate(row, from_attributes=True) for row in rows])
