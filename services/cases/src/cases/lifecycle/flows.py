"""Case lifecycle use cases and the data functions other domains build on.

Data functions (`lock_case`, `transition`, `next_number`, ...) take the caller's session and never
commit; flows open one unit of work and commit once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from labor_contracts.cases import CaseRegistered
from labor_contracts.envelope import Envelope
from labor_contracts.identifiers import new_id
from labor_contracts.intake import ComplaintAccepted
from labor_runtime import audit, timers
from labor_runtime.clock import BUREAU_TZ
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal
from labor_runtime.tracing import current_traceparent
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from cases.documents.models import document_services, documents
from cases.lifecycle import rules
from cases.lifecycle.models import (
    case_complaints,
    case_timeline,
    cases,
    number_sequences,
    registration_forms,
)
from cases.lifecycle.rules import CaseAction, CaseState, RegistrationThresholds
from cases.lifecycle.schemas import (
    CaseSummary,
    CaseView,
    DocumentSummary,
    EmployerView,
    TimelineView,
)
from cases.settings import CasesRuntime, CasesSettings

log = logging.getLogger(__name__)

Row = sa.Row[Any]
SYSTEM_ROLE = "system"
REGISTRATION_REVIEW = "cases.registration_review"  # R-CASE-2 B's legal review of the form


@dataclass(frozen=True)
class Actor:
    """Who caused a step: a staff member in one of their roles, or a service acting on an event."""

    subject: str
    role: str

    @classmethod
    def staff(cls, principal: Principal, role: str) -> Actor:
        return cls(principal.subject, role)

    @classmethod
    def service(cls, source: str) -> Actor:
        return cls(source, SYSTEM_ROLE)


def settings_of(runtime: CasesRuntime) -> CasesSettings:
    return runtime.settings


# Data functions ------------------------------------------------------------------------------

_set_state = cases.update().where(cases.c.id == sa.bindparam("the_case")).values(
    state=sa.bindparam("state"), updated_at=sa.bindparam("at"))
_add_to_timeline = case_timeline.insert()
_complaints_of_cases = (
    sa.select(case_complaints.c.case_id, case_complaints.c.complaint_id)
    .where(case_complaints.c.case_id == sa.any_(sa.bindparam("case_ids", type_=ARRAY(sa.Text))))
    .order_by(case_complaints.c.received_at))
_number_case = cases.update().where(cases.c.id == sa.bindparam("the_case")).values(
    case_number=sa.bindparam("number"), registered_at=sa.bindparam("at"),
    immediate_registration=sa.bindparam("immediate"), updated_at=sa.bindparam("at"))


async def lock_case(session: AsyncSession, case_id: str) -> Row:
    """The case row, locked for this transaction (steps on one case run one at a time)."""
    row = (await session.execute(
        sa.select(cases).where(cases.c.id == case_id).with_for_update())).first()
    if row is None:
        raise Problem(404, "not-found", "No such case", f"no case with id {case_id}")
    return row


async def readable_case(conn: AsyncConnection | AsyncSession, who: Principal, case_id: str) -> Row:
    """The case's id and district for a read: 404 when unknown, 403 for another district's."""
    row = (await conn.execute(sa.select(cases.c.id, cases.c.district)
                              .where(cases.c.id == case_id))).first()
    if row is None:
        raise Problem(404, "not-found", "No such case", f"no case with id {case_id}")
    check_district(who, row)
    return row


def check_district(principal: Principal, row: Row) -> None:
    """Staff below the city detachment see and act on their own district's cases only."""
    if principal.district is not None and row.district != principal.district:
        raise Problem(403, "forbidden", "Another district's case",
                      "staff may handle cases of their own district only")


async def staff_case(uow: UnitOfWork, who: Principal, case_id: str) -> Row:
    """The case a staff member acts on: locked, of their district, its trace continued."""
    row = await lock_case(uow.session, case_id)
    check_district(who, row)
    uow.continue_trace(row.traceparent)
    return row


async def note_on_timeline(session: AsyncSession, case: Row, *, action: str, actor: Actor,
                           at: datetime, reason: str) -> None:
    """A step recorded on the case's timeline that does not change its state."""
    await session.execute(case_timeline.insert().values(
        case_id=case.id, at=at, action=action, from_state=case.state, to_state=case.state,
        actor=actor.subject, role=actor.role, reason=reason))


async def transition(session: AsyncSession, *, case_id: str, state: CaseState, action: CaseAction,
                     actor: Actor, at: datetime, reason: str = "") -> CaseState:
    """Apply `action` (R-CASE-1) and record it on the timeline; raises IllegalTransition."""
    new_state = rules.apply(state, action)
    if new_state != state:
        await session.execute(_set_state, {"the_case": case_id, "state": new_state, "at": at})
    await session.execute(_add_to_timeline, dict(
        case_id=case_id, at=at, action=action, from_state=state, to_state=new_state,
        actor=actor.subject, role=actor.role, reason=reason))
    return new_state


async def next_number(session: AsyncSession, *, series: str, year: int, count: int = 1) -> int:
    """The last of the next `count` official numbers of a series in a year; gap-free, since they
    commit with their use."""
    statement = insert(number_sequences).values(series=series, year=year, last=count)
    upsert = statement.on_conflict_do_update(
        index_elements=[number_sequences.c.series, number_sequences.c.year],
        set_={"last": number_sequences.c.last + count}).returning(number_sequences.c.last)
    return int((await session.execute(upsert)).scalar_one())


async def complaint_ids_of(session: AsyncSession, case_id: str) -> list[str]:
    return (await complaint_ids_by_case(session, [case_id]))[case_id]


async def complaint_ids_by_case(session: AsyncSession, case_ids: list[str]) -> dict[str, list[str]]:
    """Each case's complaints, in the order they were received."""
    found: dict[str, list[str]] = {case_id: [] for case_id in case_ids}
    for row in (await session.execute(_complaints_of_cases, {"case_ids": case_ids})).all():
        found[row.case_id].append(row.complaint_id)
    return found


async def audit_decision(session: AsyncSession, *, actor: Actor, at: datetime, action: str,
                         case_id: str, reason: str) -> None:
    """R-OVS-2: every decision goes to the hash-chained audit log."""
    await audit.record(session, audit.AuditEntry(at=at, actor=actor.subject, role=actor.role,
                                                 action=action, subject=f"case:{case_id}",
                                                 reason=reason))


# Opening and registration ------------------------------------------------------------------------


# Built once: the path every accepted complaint takes (building a statement per call cost more
# CPU than sending it).
_case_of_complaint = sa.select(case_complaints.c.case_id).where(
    case_complaints.c.complaint_id == sa.bindparam("complaint_id"))
_employer_lock = sa.select(sa.func.pg_advisory_xact_lock(
    sa.func.hashtextextended(sa.bindparam("lock_key"), 0)))
_open_case_of_employer = (
    sa.select(cases).where(cases.c.employer_key == sa.bindparam("employer_key"),
                           cases.c.district.is_not_distinct_from(sa.bindparam("district")),
                           cases.c.state.in_([str(s) for s in rules.JOINABLE_STATES]))
    .order_by(cases.c.opened_at).limit(1).with_for_update())
_insert_case = cases.insert()
_link_complaint = case_complaints.insert()


async def open_from_complaint(uow: UnitOfWork, settings: CasesSettings, event: Envelope,
                              data: ComplaintAccepted) -> str | None:
    """Open a case for an accepted complaint and register it at once when R-CASE-3 holds.

    Returns the new case id, or None when the complaint already has a case (a redelivery under
    another event id changes nothing either).
    """
    session = uow.session
    existing = (await session.execute(
        _case_of_complaint, {"complaint_id": data.complaint_id})).scalar_one_or_none()
    if existing is not None:
        log.info("complaint %s already has case %s", data.complaint_id, existing)
        return None
    now = uow.clock.now()
    actor = Actor.service(event.source)
    joined = await _open_case_of(session, data)
    if joined is not None:
        await _join(uow, settings, joined, data, actor)
        return str(joined.id)
    case_id = new_id()
    grounds = _grounds(settings, worker_count=data.worker_count, arrears_amount=data.arrears_amount,
                       suspected_crime=data.suspected_crime, mass_incident=data.mass_incident)
    # The case is written once, in the state of its second step (registered, or awaiting
    # registration), and its timeline shows both steps.
    if grounds:
        action, reason = CaseAction.REGISTER, "R-CASE-3 immediate registration: " + "; ".join(grounds)
    else:
        action = CaseAction.AWAIT_REGISTRATION
        reason = "R-CASE-3 does not apply: awaits registration approval (R-CASE-2)"
    state = rules.apply(rules.INITIAL_STATE, action)
    await session.execute(_insert_case, dict(
        id=case_id, state=state, district=data.district,
        employer_name=data.employer.name, employer_credit_code=data.employer.credit_code,
        employer_address=data.employer.address, employer_key=data.employer_id,
        worker_count=data.worker_count,
        arrears_amount=data.arrears_amount, suspected_crime=data.suspected_crime,
        mass_incident=data.mass_incident, summary=data.summary, opened_at=now, updated_at=now,
        traceparent=current_traceparent()))
    await session.execute(_link_complaint, dict(
        complaint_id=data.complaint_id, case_id=case_id, channel=data.channel,
        received_at=data.received_at))
    steps = [("open", None, rules.INITIAL_STATE,
              f"complaint {data.complaint_id} accepted via {data.channel}"),
             (action, rules.INITIAL_STATE, state, reason)]
    await session.execute(_add_to_timeline, [
        dict(case_id=case_id, at=now, action=step, from_state=before, to_state=after,
             actor=actor.subject, role=actor.role, reason=why)
        for step, before, after, why in steps])
    if grounds:
        await registered(uow, settings, case_id=case_id, actor=actor, at=now, reason=reason,
                         immediate=True)
    return case_id


def _grounds(settings: CasesSettings, *, worker_count: int, arrears_amount: Decimal,
             suspected_crime: bool, mass_incident: bool) -> list[str]:
    return rules.immediate_registration_grounds(
        worker_count=worker_count, arrears_amount=arrears_amount, suspected_crime=suspected_crime,
        mass_incident=mass_incident,
        thresholds=RegistrationThresholds(settings.immediate_registration_workers,
                                          settings.immediate_registration_amount))


async def _open_case_of(session: AsyncSession, data: ComplaintAccepted) -> Row | None:
    """R-INT-6: the open case against the same employer (intake's key) in the same district,
    locked, so that concurrent complaints join it one after the other."""
    if data.employer_id is None:
        return None
    # Two complaints against a new employer handled at once must not open two cases: the second
    # waits for the first's transaction and then joins its case.
    await session.execute(_employer_lock, {"lock_key": f"cases.employer:{data.employer_id}"})
    return (await session.execute(_open_case_of_employer, {
        "employer_key": data.employer_id, "district": data.district})).first()


async def _join(uow: UnitOfWork, settings: CasesSettings, case: Row, data: ComplaintAccepted,
                actor: Actor) -> None:
    """The complaint joins the open case (并案): its workers and amount add to the case's, and
    R-CASE-3 is judged again on the totals; a case already registered tells intake so."""
    session, now = uow.session, uow.clock.now()
    workers = case.worker_count + data.worker_count
    amount = case.arrears_amount + data.arrears_amount
    crime, mass = case.suspected_crime or data.suspected_crime, case.mass_incident or data.mass_incident
    await session.execute(case_complaints.insert().values(
        complaint_id=data.complaint_id, case_id=case.id, channel=data.channel,
        received_at=data.received_at))
    await session.execute(cases.update().where(cases.c.id == case.id).values(
        worker_count=workers, arrears_amount=amount, suspected_crime=crime, mass_incident=mass,
        updated_at=now))
    await note_on_timeline(session, case, action="join_complaint", actor=actor, at=now,
                           reason=f"R-INT-6 complaint {data.complaint_id} against the same employer "
                                  f"joined the case: now {workers} workers, {amount} yuan")
    state = CaseState(case.state)
    if state in (CaseState.RECEIVED, CaseState.REGISTRATION_PENDING):
        grounds = _grounds(settings, worker_count=workers, arrears_amount=amount,
                           suspected_crime=crime, mass_incident=mass)
        if grounds:
            await _supersede_registration_form(session, case.id, now)
            await register(uow, settings, case_id=case.id, state=state, actor=actor,
                           reason="R-CASE-3 immediate registration on the linked complaints' "
                                  "totals: " + "; ".join(grounds), immediate=True)
        return
    if numbering(uow, settings).registers(case.id):
        return  # registered in this transaction: its CaseRegistered, at commit, names this one too
    await uow.emit(CaseRegistered(
        case_id=case.id, case_number=case.case_number or "", complaint_ids=[data.complaint_id],
        registered_at=case.registered_at, immediate=case.immediate_registration,
        reason="joined a registered case against the same employer (并案)"), subject=case.id)


async def _supersede_registration_form(session: AsyncSession, case_id: str, now: datetime) -> None:
    """A live registration form (R-CASE-2) is moot once the case registers at once."""
    superseded = (await session.execute(
        registration_forms.update().where(
            registration_forms.c.case_id == case_id,
            registration_forms.c.status.in_([rules.RegistrationFormStatus.SUBMITTED,
                                             rules.RegistrationFormStatus.APPROVED]))
        .values(status=rules.RegistrationFormStatus.SUPERSEDED)
        .returning(registration_forms.c.id))).scalars().all()
    for form_id in superseded:
        await timers.cancel(session, kind=REGISTRATION_REVIEW, subject=form_id, now=now)


async def register(uow: UnitOfWork, settings: CasesSettings, *, case_id: str, state: CaseState,
                   actor: Actor, reason: str, immediate: bool) -> None:
    """Register the case (立案) from `state`."""
    now = uow.clock.now()
    await transition(uow.session, case_id=case_id, state=state, action=CaseAction.REGISTER,
                     actor=actor, at=now, reason=reason)
    await registered(uow, settings, case_id=case_id, actor=actor, at=now, reason=reason,
                     immediate=immediate)


async def registered(uow: UnitOfWork, settings: CasesSettings, *, case_id: str, actor: Actor,
                     at: datetime, reason: str, immediate: bool) -> None:
    """What follows a registration: the audit entry; the case number and intake told as the
    transaction commits (`CaseNumbering`)."""
    await audit_decision(uow.session, actor=actor, at=at, action="case.register", case_id=case_id,
                         reason=reason)
    numbering(uow, settings).registered.append(
        Registration(case_id, at, immediate, reason, uow.traceparent))


@dataclass(frozen=True)
class Registration:
    case_id: str
    at: datetime
    immediate: bool
    reason: str
    traceparent: str | None


def numbering(uow: UnitOfWork, settings: CasesSettings) -> CaseNumbering:
    """The transaction's case numbering; steps kept after it see the numbers it gives."""
    return uow.at_commit("cases.numbering", lambda: CaseNumbering(uow, settings))


@dataclass
class CaseNumbering:
    """The cases a transaction registers take their numbers (立案编号) together as it commits.

    Numbers stay gap-free (they commit with their use), and the year's counter, which every
    registration waits for, is locked for the commit only: taken at registration it was held
    through the rest of a consumer's batch, and registrations queued on it.
    """

    uow: UnitOfWork
    settings: CasesSettings
    registered: list[Registration] = field(default_factory=list)

    def registers(self, case_id: str) -> bool:
        """Whether this transaction registered the case (its number comes at commit)."""
        return any(r.case_id == case_id for r in self.registered)

    async def __call__(self) -> None:
        if not self.registered:
            return
        session = self.uow.session
        years = [r.at.astimezone(BUREAU_TZ).year for r in self.registered]
        numbers: list[str] = []
        for year in sorted(set(years)):
            count = years.count(year)
            last = await next_number(session, series="case", year=year, count=count)
            numbers += [rules.document_number(self.settings.case_number_prefix, year, n)
                        for n in range(last - count + 1, last + 1)]
        in_order = sorted(self.registered, key=lambda r: r.at.astimezone(BUREAU_TZ).year)
        await session.execute(_number_case, [
            {"the_case": r.case_id, "number": n, "at": r.at, "immediate": r.immediate}
            for r, n in zip(in_order, numbers, strict=True)])
        complaints = await complaint_ids_by_case(session, [r.case_id for r in in_order])
        for registration, number in zip(in_order, numbers, strict=True):
            self.uow.continue_trace(registration.traceparent)
            await self.uow.emit(CaseRegistered(
                case_id=registration.case_id, case_number=number,
                complaint_ids=complaints[registration.case_id], registered_at=registration.at,
                immediate=registration.immediate, reason=registration.reason),
                subject=registration.case_id)


# Queries ---------------------------------------------------------------------------------------


async def case_view(runtime: Runtime, who: Principal, case_id: str) -> CaseView:
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(sa.select(cases).where(cases.c.id == case_id))).first()
        if row is None:
            raise Problem(404, "not-found", "No such case", f"no case with id {case_id}")
        check_district(who, row)
        complaint_ids = list((await conn.execute(
            sa.select(case_complaints.c.complaint_id).where(case_complaints.c.case_id == case_id)
            .order_by(case_complaints.c.received_at))).scalars())
        docs = (await conn.execute(
            sa.select(documents.c.id, documents.c.kind, documents.c.title, documents.c.number,
                      documents.c.sha256, documents.c.verify_url, documents.c.issued_at,
                      document_services.c.served_at, document_services.c.channel)
            .select_from(documents.outerjoin(document_services,
                                             document_services.c.document_id == documents.c.id))
            .where(documents.c.case_id == case_id).order_by(documents.c.issued_at))).all()
    state = CaseState(row.state)
    return CaseView(
        case_id=row.id, case_number=row.case_number, state=state,
        allowed_actions=[str(a) for a in rules.allowed_actions(state)],
        complaint_ids=complaint_ids, district=row.district,
        employer=EmployerView(name=row.employer_name, credit_code=row.employer_credit_code,
                              address=row.employer_address),
        worker_count=row.worker_count, arrears_amount=row.arrears_amount,
        suspected_crime=row.suspected_crime, mass_incident=row.mass_incident, summary=row.summary,
        immediate_registration=row.immediate_registration, opened_at=row.opened_at,
        registered_at=row.registered_at, notice_period_ends_at=row.notice_period_ends_at,
        decided_at=row.decided_at, payment_due_at=row.payment_due_at,
        published_at=row.published_at,
        documents=[DocumentSummary(document_id=d.id, kind=d.kind, title=d.title, number=d.number,
                                   sha256=d.sha256, verify_url=d.verify_url, issued_at=d.issued_at,
                                   served_at=d.served_at, served_channel=d.channel)
                   for d in docs])


async def timeline(runtime: Runtime, who: Principal, case_id: str) -> list[TimelineView]:
    async with runtime.engine.connect() as conn:
        await readable_case(conn, who, case_id)
        entries = (await conn.execute(sa.select(case_timeline).where(
            case_timeline.c.case_id == case_id).order_by(case_timeline.c.seq))).all()
    return [TimelineView(seq=e.seq, at=e.at, action=e.action, from_state=e.from_state,
                         to_state=e.to_state, actor=e.actor, role=e.role, reason=e.reason)
            for e in entries]


async def find(runtime: Runtime, who: Principal, *, complaint_id: str | None, state: str | None,
               limit: int) -> list[CaseSummary]:
    query = sa.select(cases).order_by(cases.c.opened_at.desc()).limit(limit)
    if complaint_id is not None:
        query = query.where(cases.c.id.in_(sa.select(case_complaints.c.case_id).where(
            case_complaints.c.complaint_id == complaint_id)))
    if state is not None:
        query = query.where(cases.c.state == state)
    if who.district is not None:
        query = query.where(cases.c.district == who.district)
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [CaseSummary(case_id=r.id, case_number=r.case_number, state=r.state,
                        employer_name=r.employer_name, district=r.district, opened_at=r.opened_at)
            for r in rows]
