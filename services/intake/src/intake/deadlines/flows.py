"""Handling use cases (R-INT-3, R-INT-4): each opens one unit of work, audits, commits once."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from labor_contracts.common import EmployerRef
from labor_contracts.intake import MediationEscalated
from labor_runtime import audit, timers
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal
from labor_runtime.tables import timers as timer_table
from sqlalchemy.ext.asyncio import AsyncSession

from intake.complaints.models import complaints
from intake.complaints.rules import ComplaintStatus
from intake.deadlines import metrics
from intake.deadlines.rules import (
    ASSIGNMENT,
    KINDS,
    MEDIATION_ESCALATION,
    PHONE_CONFIRMATION,
    REGISTRATION_ANSWER,
    MediationResult,
    NoticeKind,
    Outcome,
    notice_failure_open,
    on_time_rate,
    outcome,
    worker_untold,
)
from intake.deadlines.schemas import (
    Assignment,
    DeadlineView,
    Escalation,
    Handling,
    KindRate,
    MediationRecord,
    NoticeFailure,
    OnTimeReport,
    OverdueItem,
    OverdueList,
    PhoneConfirmation,
    UnreachableWorker,
    WorkerTold,
)
from intake.employers.models import employers
from intake.employers.rules import grid_conflict
from intake.privacy.flows import complainant_names, masked_note
from intake.privacy.rules import mask_optional
from intake.settings import IntakeRuntime

Row = Any  # sqlalchemy Row of the complaints table


def _visible(staff: Principal, district: str | None) -> bool:
    """Object-level authorization: district staff see their district only; city staff see all."""
    return staff.reaches(district)


async def _complaint(session: AsyncSession, staff: Principal, complaint_id: str, *,
                     lock: bool = False) -> Row:
    statement = sa.select(complaints).where(complaints.c.id == complaint_id)
    row = (await session.execute(statement.with_for_update() if lock else statement)).first()
    if row is None or not _visible(staff, row.district):  # another district's: as unknown
        raise Problem(404, "not-found", "No such complaint")
    return row


def _accepted(row: Row) -> None:
    if row.status == ComplaintStatus.AWAITING_MATERIALS:
        raise Problem(409, "not-accepted", "The complaint awaits its materials",
                      "its deadlines start when the materials are complete (R-INT-2)")


async def _audit(uow: UnitOfWork, runtime: Runtime, staff: Principal, action: str, row: Row,
                 note: str) -> None:
    """Record a handling step with staff's note, the complainant's personal data in it masked as
    written (R-INT-7): the log is append-only and hash-chained, so an entry is never rewritten
    later (those written before masking stay as they are)."""
    await audit.record(uow.session, audit.AuditEntry(
        at=uow.clock.now(), actor=staff.subject, role=",".join(sorted(staff.roles)), action=action,
        subject=f"complaint:{row.id}", reason=masked_note(runtime.cipher, row, note)))


async def _complete(uow: UnitOfWork, kind: str, subject: str) -> bool | None:
    """Complete the deadline now; True if met on time, False if late, None if none was open."""
    return await complete_at(uow.session, kind, subject, uow.clock.now())


_complete_open = (
    timer_table.update()
    .where(timer_table.c.kind == sa.bindparam("the_kind"),
           timer_table.c.subject == sa.bindparam("the_subject"),
           timer_table.c.completed_at.is_(None), timer_table.c.cancelled_at.is_(None))
    .values(completed_at=sa.bindparam("at"))
    .returning(timer_table.c.due_at, timer_table.c.created_at))


async def complete_at(session: AsyncSession, kind: str, subject: str, at: datetime) -> bool | None:
    """Complete the deadline as met at `at`; True if on time, False if late, None if none open
    (judged on the latest one started, should there be several)."""
    completed = (await session.execute(
        _complete_open, {"the_kind": kind, "the_subject": subject, "at": at})).all()
    if not completed:
        return None
    return at <= max(completed, key=lambda row: row.created_at).due_at


async def record_told(session: AsyncSession, complaint_id: str, *, at: datetime, via: str,
                      now: datetime) -> bool | None:
    """R-INT-3: the worker was told the registration decision at `at` (by their channel or by
    staff): the 7-day deadline is met then. Returns its timeliness as `complete_at`."""
    await session.execute(complaints.update().where(complaints.c.id == complaint_id).values(
        registration_answer_told_at=sa.func.greatest(complaints.c.registration_answer_told_at, at),
        registration_answer_told_via=sa.case(
            (sa.or_(complaints.c.registration_answer_told_at.is_(None),
                    complaints.c.registration_answer_told_at <= at), via),
            else_=complaints.c.registration_answer_told_via),
        updated_at=now))
    return await complete_at(session, REGISTRATION_ANSWER, complaint_id, at)


async def assign(runtime: Runtime, staff: Principal, complaint_id: str, body: Assignment) -> Handling:
    """R-INT-3: a handler takes the complaint (within 1 hour); the worker then sees `assigned`."""
    async with runtime.uow() as uow:
        row = await _complaint(uow.session, staff, complaint_id, lock=True)
        _accepted(row)
        if row.status not in (ComplaintStatus.RECEIVED, ComplaintStatus.ASSIGNED):
            raise Problem(409, "already-answered", "The complaint was already answered",
                          f"its status is {row.status}")
        now = uow.clock.now()
        on_time = await _complete(uow, ASSIGNMENT, complaint_id)
        await uow.session.execute(complaints.update().where(complaints.c.id == complaint_id).values(
            status=ComplaintStatus.ASSIGNED, handler=body.handler,
            assigned_at=row.assigned_at or now, updated_at=now))
        await _audit(uow, runtime, staff, "assign_handler", row, f"handler {body.handler}")
        await uow.commit()
    metrics.completed(runtime, ASSIGNMENT, on_time)
    return await handling(runtime, staff, complaint_id)


async def confirm_phone(runtime: Runtime, staff: Principal, complaint_id: str,
                        body: PhoneConfirmation) -> Handling:
    """R-INT-3: the worker was phoned (within 24 hours). Recording it again changes nothing."""
    async with runtime.uow() as uow:
        row = await _complaint(uow.session, staff, complaint_id, lock=True)
        _accepted(row)
        on_time = None
        if row.phone_confirmed_at is None:
            now = uow.clock.now()
            on_time = await _complete(uow, PHONE_CONFIRMATION, complaint_id)
            await uow.session.execute(complaints.update().where(complaints.c.id == complaint_id)
                                      .values(phone_confirmed_at=now, updated_at=now))
            await _audit(uow, runtime, staff, "confirm_phone", row, body.note)
        await uow.commit()
    metrics.completed(runtime, PHONE_CONFIRMATION, on_time)
    return await handling(runtime, staff, complaint_id)


async def tell_registration_answer(runtime: Runtime, staff: Principal, complaint_id: str,
                                   body: WorkerTold) -> Handling:
    """R-INT-3: staff told the worker whether a case is registered (their channel failed, or they
    were reached first another way): meets the 7-day deadline. Told already since the latest
    decision: changes nothing."""
    async with runtime.uow() as uow:
        row = await _complaint(uow.session, staff, complaint_id, lock=True)
        if row.registration_answer_issued_at is None:
            raise Problem(409, "no-registration-answer", "No registration answer to tell yet",
                          "intake has issued no registration decision for this complaint: cases "
                          "has not decided whether to register a case (R-INT-3)")
        on_time = None
        if worker_untold(issued_at=row.registration_answer_issued_at,
                         told_at=row.registration_answer_told_at):
            now = uow.clock.now()
            on_time = await record_told(uow.session, complaint_id, at=now, via=str(body.channel),
                                        now=now)
            await _audit(uow, runtime, staff, f"tell_registration_answer_{body.channel}", row,
                         body.note)
        await uow.commit()
    metrics.completed(runtime, REGISTRATION_ANSWER, on_time)
    return await handling(runtime, staff, complaint_id)


async def tell_correction_notice(runtime: Runtime, staff: Principal, complaint_id: str,
                                 body: WorkerTold) -> Handling:
    """R-INT-2: staff told the worker what materials to bring (their channel could not deliver
    the correction notice, or they were reached first another way); the complaint leaves the
    follow-up list and waits for the materials. Told already: changes nothing."""
    async with runtime.uow() as uow:
        row = await _complaint(uow.session, staff, complaint_id, lock=True)
        if row.status != ComplaintStatus.AWAITING_MATERIALS:
            raise Problem(409, "no-correction-notice", "No correction notice to tell",
                          f"the complaint is {row.status}: no materials are missing (R-INT-2)")
        if row.correction_notice_told_at is None:
            now = uow.clock.now()
            await uow.session.execute(complaints.update().where(complaints.c.id == complaint_id)
                                      .values(correction_notice_told_at=now, updated_at=now,
                                              correction_notice_told_via=str(body.channel)))
            await _audit(uow, runtime, staff, f"tell_correction_notice_{body.channel}", row,
                         body.note)
        await uow.commit()
    return await handling(runtime, staff, complaint_id)


async def record_mediation(runtime: IntakeRuntime, staff: Principal, complaint_id: str,
                           body: MediationRecord) -> Handling:
    """R-INT-4: the grid's mediation result. Failed: report to the brigade within 2 hours.
    R-ORG-1: the grid must be the employer's one grid (the first grid reporting sets it)."""
    settings = runtime.settings
    async with runtime.uow() as uow:
        row = await _complaint(uow.session, staff, complaint_id, lock=True)
        _accepted(row)
        if row.mediation_result is not None:
            raise Problem(409, "mediation-recorded", "The mediation result is already recorded",
                          f"recorded: {row.mediation_result} by grid {row.mediation_grid}")
        if row.employer_id is not None:
            employer = (await uow.session.execute(
                sa.select(employers.c.grid).where(employers.c.id == row.employer_id)
                .with_for_update())).first()
            if employer is not None and grid_conflict(employer.grid, body.grid):
                raise Problem(409, "employer-in-other-grid", "The employer belongs to another grid",
                              f"R-ORG-1: every employer belongs to exactly one grid: {employer.grid}",
                              grid=employer.grid)
            await uow.session.execute(employers.update().where(
                employers.c.id == row.employer_id, employers.c.grid.is_(None)).values(grid=body.grid))
        now = uow.clock.now()
        await uow.session.execute(complaints.update().where(complaints.c.id == complaint_id).values(
            mediation_result=body.result, mediation_grid=body.grid, mediated_at=now, updated_at=now))
        if body.result is MediationResult.FAILED:
            await timers.schedule(
                uow.session, kind=MEDIATION_ESCALATION, subject=complaint_id, now=now,
                due_at=now + timedelta(hours=settings.mediation_escalation_within_hours))
        await _audit(uow, runtime, staff, f"mediation_{body.result}", row, body.note)
        await uow.commit()
    return await handling(runtime, staff, complaint_id)


async def escalate(runtime: Runtime, staff: Principal, complaint_id: str,
                   body: Escalation) -> Handling:
    """R-INT-4: report the failed mediation to the district brigade (MediationEscalated)."""
    async with runtime.uow() as uow:
        row = await _complaint(uow.session, staff, complaint_id, lock=True)
        if row.mediation_result != MediationResult.FAILED:
            raise Problem(409, "mediation-not-failed", "Only a failed mediation is escalated",
                          "record the grid's mediation result as failed first")
        on_time = None
        if row.escalated_at is None:
            now = uow.clock.now()
            on_time = await _complete(uow, MEDIATION_ESCALATION, complaint_id)
            await uow.session.execute(complaints.update().where(complaints.c.id == complaint_id)
                                      .values(escalated_at=now, updated_at=now))
            await uow.emit(MediationEscalated(
                complaint_id=complaint_id, district=row.district, grid=row.mediation_grid,
                employer=EmployerRef(
                    credit_code=row.employer_credit_code, name=row.employer_name,
                    address=mask_optional(row.employer_address,
                                          names=complainant_names(runtime.cipher, row))),
                employer_id=row.employer_id, worker_count=row.worker_count,
                arrears_amount=row.arrears_amount, mediation_failed_at=row.mediated_at,
                escalated_at=now, on_time=on_time is not False), subject=complaint_id)
            await _audit(uow, runtime, staff, "escalate_mediation", row, body.note)
        await uow.commit()
    metrics.completed(runtime, MEDIATION_ESCALATION, on_time)
    return await handling(runtime, staff, complaint_id)


async def handling(runtime: Runtime, staff: Principal, complaint_id: str) -> Handling:
    now = runtime.clock.now()
    async with runtime.sessions() as session:
        row = await _complaint(session, staff, complaint_id)
        deadlines = (await session.execute(
            sa.select(timer_table).where(timer_table.c.subject == complaint_id,
                                         timer_table.c.kind.in_(KINDS))
            .order_by(timer_table.c.due_at))).all()
    return Handling(
        complaint_id=row.id, status=row.status, district=row.district, employer_id=row.employer_id,
        handler=row.handler, assigned_at=row.assigned_at, phone_confirmed_at=row.phone_confirmed_at,
        mediation_result=row.mediation_result, mediation_grid=row.mediation_grid,
        mediated_at=row.mediated_at, escalated_at=row.escalated_at,
        registration_answer_issued_at=row.registration_answer_issued_at,
        registration_answer_told_at=row.registration_answer_told_at,
        registration_answer_told_via=row.registration_answer_told_via,
        correction_notice_told_at=row.correction_notice_told_at,
        correction_notice_told_via=row.correction_notice_told_via,
        worker_notice_failure=_failure(row),
        deadlines=[DeadlineView(kind=t.kind, due_at=t.due_at, completed_at=t.completed_at,
                                fired_at=t.fired_at,
                                outcome=outcome(due_at=t.due_at, completed_at=t.completed_at,
                                                cancelled_at=t.cancelled_at, now=now))
                   for t in deadlines])


def _failure(row: Row) -> NoticeFailure | None:
    if row.worker_notice_failed_at is None:
        return None
    return NoticeFailure(
        notice_id=row.worker_notice_failed_id, kind=row.worker_notice_failed_kind,
        failed_at=row.worker_notice_failed_at, reason=row.worker_notice_failure or "",
        open=notice_failure_open(
            failed_kind=row.worker_notice_failed_kind,
            awaiting_materials=row.status == ComplaintStatus.AWAITING_MATERIALS,
            issued_at=row.registration_answer_issued_at, told_at=row.registration_answer_told_at,
            correction_told_at=row.correction_notice_told_at))


def _unreachable() -> sa.ColumnElement[bool]:
    """`notice_failure_open` in SQL: a failed notice nobody has followed up yet."""
    c = complaints.c
    untold = sa.or_(c.registration_answer_told_at.is_(None),
                    c.registration_answer_told_at < c.registration_answer_issued_at)
    return sa.and_(c.worker_notice_failed_at.is_not(None), sa.or_(
        sa.and_(c.worker_notice_failed_kind == NoticeKind.REGISTRATION_ANSWER, untold),
        sa.and_(c.worker_notice_failed_kind == NoticeKind.CORRECTION_NOTICE,
                c.status == ComplaintStatus.AWAITING_MATERIALS,
                c.correction_notice_told_at.is_(None))))


def _in_district(statement: sa.Select, staff: Principal) -> sa.Select:  # type: ignore[type-arg]
    joined = statement.join(complaints, complaints.c.id == timer_table.c.subject)
    return joined if staff.city_wide else joined.where(complaints.c.district == staff.district)


async def overdue(runtime: Runtime, staff: Principal, *, kind: str | None, limit: int) -> OverdueList:
    """Open deadlines past due (R-INT-3 dashboard), and workers their channel could not reach,
    of the caller's district."""
    now = runtime.clock.now()
    condition = sa.and_(timer_table.c.kind.in_([kind] if kind else KINDS),
                        timer_table.c.completed_at.is_(None), timer_table.c.cancelled_at.is_(None),
                        timer_table.c.due_at <= now)
    async with runtime.engine.connect() as conn:
        counts = dict((await conn.execute(_in_district(
            sa.select(timer_table.c.kind, sa.func.count()).select_from(timer_table), staff)
            .where(condition).group_by(timer_table.c.kind))).all())
        rows = (await conn.execute(_in_district(
            sa.select(timer_table, complaints.c.district).select_from(timer_table), staff)
            .where(condition).order_by(timer_table.c.due_at).limit(limit))).all()
        c = complaints.c
        unreachable = sa.select(c.id, c.district, c.channel, c.worker_notice_failed_kind,
                                c.worker_notice_failed_id, c.worker_notice_failed_at,
                                c.worker_notice_failure).where(_unreachable())
        if not staff.city_wide:
            unreachable = unreachable.where(complaints.c.district == staff.district)
        failed = (await conn.execute(unreachable.order_by(complaints.c.worker_notice_failed_at)
                                     .limit(limit))).all()
    return OverdueList(counts={k: int(v) for k, v in counts.items()}, items=[
        OverdueItem(timer_id=str(r.id), kind=r.kind, complaint_id=r.subject, district=r.district,
                    due_at=r.due_at, overdue_seconds=int((now - r.due_at).total_seconds()),
                    overdue_event_raised=r.fired_at is not None) for r in rows],
        unreachable=[UnreachableWorker(
            complaint_id=r.id, district=r.district, channel=r.channel,
            kind=r.worker_notice_failed_kind, notice_id=r.worker_notice_failed_id,
            failed_at=r.worker_notice_failed_at, reason=r.worker_notice_failure or "")
            for r in failed])


async def outcomes(conn: Any, *, since: datetime, now: datetime,
                   staff: Principal | None) -> dict[str, Counter[Outcome]]:
    # Counted in the database (`rules.outcome` as SQL): the gauge refreshes every 30 s, and
    # loading a month of deadlines into Python grew with the complaints stored.
    t = timer_table.c
    judged = sa.case(
        (t.cancelled_at.is_not(None), str(Outcome.CANCELLED)),
        (t.completed_at <= t.due_at, str(Outcome.MET_ON_TIME)),
        (t.completed_at.is_not(None), str(Outcome.MET_LATE)),
        (t.due_at <= now, str(Outcome.OVERDUE)),
        else_=str(Outcome.PENDING)).label("outcome")
    statement = sa.select(t.kind, judged, sa.func.count().label("n")).select_from(timer_table)
    if staff is not None:
        statement = _in_district(statement, staff)
    statement = statement.where(t.kind.in_(KINDS), t.created_at >= since,
                                t.created_at <= now).group_by(t.kind, judged)
    result: dict[str, Counter[Outcome]] = {kind: Counter() for kind in KINDS}
    for r in (await conn.execute(statement)).all():
        result[r.kind][Outcome(r.outcome)] += int(r.n)
    return result


async def on_time_report(runtime: Runtime, staff: Principal, *, days: int) -> OnTimeReport:
    """Share of deadlines started in the last `days` days that were met on time."""
    now = runtime.clock.now()
    since = now - timedelta(days=days)
    async with runtime.engine.connect() as conn:
        by_kind = await outcomes(conn, since=since, now=now, staff=staff)
    rates = [KindRate(kind=kind, met_on_time=c[Outcome.MET_ON_TIME], met_late=c[Outcome.MET_LATE],
                      overdue=c[Outcome.OVERDUE], pending=c[Outcome.PENDING],
                      on_time_rate=on_time_rate(c.elements()))
             for kind, c in by_kind.items()]
    overall = on_time_rate(o for c in by_kind.values() for o in c.elements())
    return OnTimeReport(since=since, until=now, district=staff.district, kinds=rates,
                        overall_on_time_rate=overall)
