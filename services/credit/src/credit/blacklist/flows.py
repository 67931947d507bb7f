"""Blacklist use cases (R-CRD-4): propose, review, notice and defence, listing, term end.

Flows and timer handlers commit once; every step writes the timeline, an audit entry and a line
of the employer's history in the same transaction as its events and timers."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from labor_contracts.common import EmployerRef
from labor_contracts.credit import BlacklistListed, BlacklistRemoved, CreditDocumentIssued
from labor_contracts.credit import Punishment as PunishmentData
from labor_contracts.identifiers import new_id
from labor_runtime import audit, timers
from labor_runtime.clock import BUREAU_TZ, Calendar
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.security import Principal
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from credit import transitions
from credit.blacklist import rules
from credit.blacklist.models import (
    blacklist_entries,
    blacklist_grounds,
    blacklist_steps,
    credit_documents,
)
from credit.blacklist.rules import Command, State
from credit.blacklist.schemas import (
    CandidateGround,
    CandidateRead,
    DefenceDecision,
    DefenceIn,
    DocumentRead,
    DocumentVerification,
    EntryRead,
    EntrySummary,
    GroundRead,
    Proposal,
    PunishmentRead,
    RepairRef,
    Review,
    StepRead,
)
from credit.conduct.models import conduct_records
from credit.employers import history
from credit.employers.flows import valid_credit_code
from credit.employers.models import employers
from credit.repair.models import credit_repairs
from credit.settings import CreditRuntime, CreditSettings

DEFENCE_TIMER = "credit.blacklist_defence"
TERM_TIMER = "credit.blacklist_term"
# A record stands behind one listing only; after a rejection or an accepted defence it may be
# proposed again (with new facts).
_USED = (State.PROPOSED, State.NOTIFIED, State.DEFENCE_STATED, State.LISTED, State.REMOVED)


@dataclass(frozen=True)
class Actor:
    """Who took a step: a staff member, the system (a deadline), or the public (an objection)."""

    name: str  # audit actor
    role: str
    source: str  # the history line's source

    @classmethod
    def staff(cls, who: Principal) -> Actor:
        return cls(who.subject, ",".join(sorted(who.roles)), f"staff:{who.subject}")

    @classmethod
    def system(cls, job: str) -> Actor:
        return cls(f"system:{job}", "system", f"system:{job}")


async def record_step(session: AsyncSession, *, entry_id: str, credit_code: str, at: datetime,
                      actor: Actor, action: str, reason: str,
                      repair_id: str | None = None) -> None:
    """One step of the timeline, with its audit entry and history line (R-OVS-2, R-CRD-1)."""
    step_id = (await session.execute(blacklist_steps.insert().values(
        entry_id=entry_id, repair_id=repair_id, at=at, actor=actor.name, action=action,
        reason=reason).returning(blacklist_steps.c.id))).scalar_one()
    matter = f"repair:{repair_id}" if repair_id else f"blacklist:{entry_id}"
    await audit.record(session, audit.AuditEntry(
        at=at, actor=actor.name, role=actor.role, action=action, subject=matter, reason=reason))
    await history.record(
        session, credit_code=credit_code,
        kind=history.Kind.REPAIR if repair_id else history.Kind.BLACKLIST, at=at,
        summary=f"{matter}: {action.replace('_', ' ')}", source=actor.source,
        ref=f"{repair_id or entry_id}#{step_id}", details={"action": action, "reason": reason})


def move(state: str, command: Command) -> State:
    """The next state; 409 naming the state when the command does not apply."""
    return transitions.move(rules.next_state, State(state), command)


def not_found(entry_id: str) -> Problem:
    return Problem(404, "not-found", "No such blacklist entry", f"no entry {entry_id}")


async def load_entry(session: AsyncSession | AsyncConnection, entry_id: str, who: Principal | None,
                     *, lock: bool = True) -> sa.Row[Any]:
    """The entry, locked; 404 for other districts' staff (district scoping)."""
    statement = sa.select(blacklist_entries).where(blacklist_entries.c.id == entry_id)
    row = (await session.execute(statement.with_for_update() if lock else statement)).first()
    if row is None or (who is not None and not who.reaches(row.district)):
        raise not_found(entry_id)
    return row


async def employer_of(session: AsyncSession, code: str) -> sa.Row[Any]:
    row = (await session.execute(
        sa.select(employers).where(employers.c.credit_code == code))).first()
    if row is None:
        raise Problem(404, "not-found", "Employer not in the register",
                      f"no employer with credit code {code} is registered")
    return row


def recipient(employer: sa.Row[Any]) -> EmployerRef:
    return EmployerRef(credit_code=employer.credit_code, name=employer.name,
                       address=employer.address,
                       legal_representative=employer.legal_representative,
                       email=employer.contact_email)


async def issue_document(uow: UnitOfWork, settings: CreditSettings, *, matter_id: str,
                         kind: str, title: str, employer: sa.Row[Any], render: Callable[[str], str],
                         now: datetime) -> str:
    """Render a credit document once, store it with its hash and serve it (R-DLV-1, R-DLV-4)."""
    document_id = new_id()
    verify_url = f"{settings.public_base_url}/v1/credit-documents/{document_id}"
    content = render(verify_url)
    sha256 = hashlib.sha256(content.encode()).hexdigest()
    await uow.session.execute(credit_documents.insert().values(
        id=document_id, matter_id=matter_id, kind=kind, title=title, content=content,
        sha256=sha256, issued_at=now))
    await uow.emit(CreditDocumentIssued(
        document_id=document_id, matter_id=matter_id, kind=kind, title=title,
        recipient=recipient(employer), content_b64=base64.b64encode(content.encode()).decode(),
        sha256=sha256, verify_url=verify_url), subject=employer.credit_code)
    return document_id


async def propose(runtime: CreditRuntime, who: Principal, body: Proposal) -> str:
    """The C post proposes an employer for the blacklist on conduct records (R-CRD-4)."""
    code = valid_credit_code(body.credit_code)
    record_ids = list(dict.fromkeys(body.grounds))
    now = runtime.clock.now()
    async with runtime.uow() as uow:
        employer = await employer_of(uow.session, code)
        if not who.reaches(employer.district):
            raise Problem(404, "not-found", "Employer not in the register",
                          f"no employer with credit code {code} is registered")
        records = {r.id: r for r in (await uow.session.execute(
            sa.select(conduct_records).where(conduct_records.c.id.in_(record_ids)))).all()}
        used = {r.record_id: r.entry_id for r in (await uow.session.execute(
            sa.select(blacklist_grounds.c.record_id, blacklist_grounds.c.entry_id)
            .join(blacklist_entries, blacklist_entries.c.id == blacklist_grounds.c.entry_id)
            .where(blacklist_grounds.c.record_id.in_(record_ids),
                   blacklist_entries.c.state.in_(_USED)))).all()}
        grounds: list[tuple[str, rules.Ground, str | None]] = []
        refused: list[str] = []
        for record_id in record_ids:
            record = records.get(record_id)
            if record is None or record.credit_code != code:
                refused.append(f"record {record_id}: no conduct record of {code}")
                continue
            if record_id in used:
                refused.append(f"record {record_id}: already a ground of entry {used[record_id]}")
                continue
            ground = rules.ground_of(
                rules.Conduct(record.id, record.kind, record.amount),
                arrears_threshold=runtime.settings.blacklist_arrears_yuan)
            if isinstance(ground, rules.Ground):
                grounds.append((record_id, ground, record.case_id))
            else:
                refused.append(ground)
        if refused:
            raise Problem(422, "not-a-ground", "Not a ground for the blacklist (R-CRD-4)",
                          "; ".join(refused), reasons=refused)
        entry_id = new_id()
        try:
            async with uow.session.begin_nested():
                await uow.session.execute(blacklist_entries.insert().values(
                    id=entry_id, credit_code=code, district=employer.district,
                    state=State.PROPOSED.value, facts=body.facts, proposed_by=who.subject,
                    proposed_at=now, updated_at=now))
        except IntegrityError:
            raise Problem(409, "already-live", "The employer has a live blacklist entry",
                          f"{code} is already proposed, in notice or listed") from None
        await uow.session.execute(blacklist_grounds.insert(), [
            {"entry_id": entry_id, "record_id": r, "ground": g.value, "case_id": c}
            for r, g, c in grounds])
        await record_step(uow.session, entry_id=entry_id, credit_code=code, at=now,
                          actor=Actor.staff(who), action="proposed", reason=body.facts)
        await uow.commit()
    return entry_id


async def _grounds(session: AsyncSession, entry_id: str) -> list[str]:
    return list((await session.execute(
        sa.select(blacklist_grounds.c.ground).where(blacklist_grounds.c.entry_id == entry_id)
        .distinct().order_by(blacklist_grounds.c.ground))).scalars())


def _not_the_proposer(entry: sa.Row[Any], who: Principal) -> None:
    if entry.proposed_by == who.subject:
        raise Problem(403, "separation-of-duties", "You proposed this entry",
                      "the reviewer is never the proposer (R-ORG-2)")


async def review(runtime: CreditRuntime, who: Principal, entry_id: str, body: Review) -> None:
    """B's legal review; approval serves the written notice and starts the defence period."""
    settings = runtime.settings
    now = runtime.clock.now()
    async with runtime.uow() as uow:
        entry = await load_entry(uow.session, entry_id, who)
        _not_the_proposer(entry, who)
        actor = Actor.staff(who)
        state = move(entry.state, Command.APPROVE if body.approve else Command.REJECT)
        values: dict[str, Any] = {"state": state.value, "reviewed_by": who.subject,
                                  "updated_at": now}
        await record_step(uow.session, entry_id=entry_id, credit_code=entry.credit_code, at=now,
                          actor=actor, action="approved" if body.approve else "rejected",
                          reason=body.reason)
        if body.approve:
            due = runtime.calendar.add_days(now, settings.blacklist_defence_working_days,
                                            working=True)
            employer = await employer_of(uow.session, entry.credit_code)
            grounds = await _grounds(uow.session, entry_id)
            listed_on = Calendar.local_date(due)
            ends_on = rules.term_ends_on(listed_on, settings.blacklist_term_years)

            def render(verify_url: str) -> str:
                return rules.notice_text(
                    employer=employer.name, credit_code=entry.credit_code, grounds=grounds,
                    facts=entry.facts, authority=settings.blacklist_authority,
                    defence_until=Calendar.local_date(due),
                    punishments_=rules.punishments(listed_on, ends_on),
                    term_years=settings.blacklist_term_years, verify_url=verify_url)

            values["notice_document_id"] = await issue_document(
                uow, settings, matter_id=entry_id, kind="blacklist_notice",
                title="失信联合惩戒告知书", employer=employer, render=render, now=now)
            values["defence_due_at"] = due
            await timers.schedule(uow.session, kind=DEFENCE_TIMER, subject=entry_id, due_at=due,
                                  now=now)
            await record_step(uow.session, entry_id=entry_id, credit_code=entry.credit_code,
                              at=now, actor=actor, action="notice_issued",
                              reason=f"defence possible until {due.isoformat()}")
        await uow.session.execute(blacklist_entries.update()
                                  .where(blacklist_entries.c.id == entry_id).values(**values))
        await uow.commit()


async def state_defence(runtime: CreditRuntime, who: Principal, entry_id: str,
                        body: DefenceIn) -> None:
    """Staff record the employer's defence (陈述申辩): the clock stops for B to decide."""
    now = runtime.clock.now()
    async with runtime.uow() as uow:
        entry = await load_entry(uow.session, entry_id, who)
        state = move(entry.state, Command.STATE_DEFENCE)
        await timers.complete(uow.session, kind=DEFENCE_TIMER, subject=entry_id, now=now)
        await uow.session.execute(blacklist_entries.update()
                                  .where(blacklist_entries.c.id == entry_id)
                                  .values(state=state.value, defence=body.statement,
                                          updated_at=now))
        await record_step(uow.session, entry_id=entry_id, credit_code=entry.credit_code, at=now,
                          actor=Actor.staff(who), action="defence_stated", reason=body.reason)
        await uow.commit()


async def decide_defence(runtime: CreditRuntime, who: Principal, entry_id: str,
                         body: DefenceDecision) -> None:
    """B decides on the defence: upheld lists the employer now, accepted drops the entry."""
    now = runtime.clock.now()
    async with runtime.uow() as uow:
        entry = await load_entry(uow.session, entry_id, who)
        _not_the_proposer(entry, who)
        actor = Actor.staff(who)
        if body.outcome == "upheld":
            await record_step(uow.session, entry_id=entry_id, credit_code=entry.credit_code,
                              at=now, actor=actor, action="listing_upheld", reason=body.reason)
            await list_entry(uow, runtime.settings, entry, command=Command.UPHOLD, now=now,
                             actor=actor)
        else:
            state = move(entry.state, Command.ACCEPT_DEFENCE)
            await uow.session.execute(blacklist_entries.update()
                                      .where(blacklist_entries.c.id == entry_id)
                                      .values(state=state.value, updated_at=now))
            await record_step(uow.session, entry_id=entry_id, credit_code=entry.credit_code,
                              at=now, actor=actor, action="defence_accepted", reason=body.reason)
        await uow.commit()


def _start_of_day_after(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=BUREAU_TZ).astimezone(UTC)


async def list_entry(uow: UnitOfWork, settings: CreditSettings, entry: sa.Row[Any], *,
                     command: Command, now: datetime, actor: Actor) -> None:
    """List the employer: decision number, the 3-year term and its timer, the punishments."""
    state = move(entry.state, command)
    listed_on = Calendar.local_date(now)
    ends_on = rules.term_ends_on(listed_on, settings.blacklist_term_years)
    punishments = [PunishmentData(measure=p.measure.value, agencies=list(p.agencies),
                                  starts_on=p.starts_on, ends_on=p.ends_on)
                   for p in rules.punishments(listed_on, ends_on)]
    number = (await uow.session.execute(
        sa.text("SELECT nextval('blacklist_decision_numbers')"))).scalar_one()
    decision_number = f"{settings.blacklist_decision_prefix}〔{listed_on.year}〕{number}号"
    await uow.session.execute(blacklist_entries.update()
                              .where(blacklist_entries.c.id == entry.id)
                              .values(state=state.value, decision_number=decision_number,
                                      listed_on=listed_on, ends_on=ends_on, updated_at=now,
                                      punishments=[p.model_dump(mode="json")
                                                   for p in punishments]))
    await timers.schedule(uow.session, kind=TERM_TIMER, subject=entry.id,
                          due_at=_start_of_day_after(ends_on), now=now)
    employer = await employer_of(uow.session, entry.credit_code)
    await uow.emit(BlacklistListed(
        entry_id=entry.id, credit_code=entry.credit_code, employer_name=employer.name,
        legal_representative=employer.legal_representative, district=entry.district,
        grounds=await _grounds(uow.session, entry.id), facts=entry.facts,
        decision_number=decision_number, legal_basis=rules.LEGAL_BASIS,
        authority=settings.blacklist_authority, listed_on=listed_on, ends_on=ends_on,
        punishments=punishments, listed_at=now), subject=entry.credit_code)
    await record_step(uow.session, entry_id=entry.id, credit_code=entry.credit_code, at=now,
                      actor=actor, action="listed",
                      reason=f"decision {decision_number}, listed {listed_on.isoformat()} to "
                      f"{ends_on.isoformat()}")


async def remove_entry(uow: UnitOfWork, entry: sa.Row[Any], *, command: Command, now: datetime,
                       actor: Actor) -> None:
    """Off the blacklist: the punishments end and every partner is told (R-PUB-4)."""
    reason = "repaired" if command is Command.REPAIR else "term_ended"
    state = move(entry.state, command)
    await uow.session.execute(blacklist_entries.update().where(blacklist_entries.c.id == entry.id)
                              .values(state=state.value, removed_at=now, removal_reason=reason,
                                      updated_at=now))
    await timers.cancel(uow.session, kind=TERM_TIMER, subject=entry.id, now=now)
    await uow.emit(BlacklistRemoved(entry_id=entry.id, credit_code=entry.credit_code,
                                    reason=reason, removed_at=now), subject=entry.credit_code)
    await record_step(uow.session, entry_id=entry.id, credit_code=entry.credit_code, at=now,
                      actor=actor, action="removed", reason=reason)


async def on_defence_deadline(settings: CreditSettings, uow: UnitOfWork,
                              timer: timers.Timer) -> None:
    """No defence by the deadline: the employer is listed."""
    entry = await load_entry(uow.session, timer.subject, None)
    if entry.state != State.NOTIFIED:
        return  # a defence stopped the clock in the same moment
    await list_entry(uow, settings, entry, command=Command.DEADLINE_PASSED, now=uow.clock.now(),
                     actor=Actor.system(DEFENCE_TIMER))


async def on_term_ended(uow: UnitOfWork, timer: timers.Timer) -> None:
    """The publicity term is over: removed, punishments lifted (R-CRD-4, R-PUB-4)."""
    entry = await load_entry(uow.session, timer.subject, None)
    if entry.state == State.LISTED:
        await remove_entry(uow, entry, command=Command.END_TERM, now=uow.clock.now(),
                           actor=Actor.system(TERM_TIMER))


async def candidates(runtime: CreditRuntime, who: Principal) -> list[CandidateRead]:
    """Employers with ground records not used by an entry, and no live entry (R-CRD-4)."""
    used = sa.select(blacklist_grounds.c.record_id).join(
        blacklist_entries, blacklist_entries.c.id == blacklist_grounds.c.entry_id).where(
        blacklist_entries.c.state.in_(_USED))
    live = sa.select(blacklist_entries.c.credit_code).where(
        blacklist_entries.c.state.in_([s.value for s in rules.LIVE]))
    statement = (
        sa.select(conduct_records, employers.c.name, employers.c.district)
        .join(employers, employers.c.credit_code == conduct_records.c.credit_code, isouter=True)
        .where(conduct_records.c.kind.in_(rules.GROUND_KINDS),
               conduct_records.c.id.not_in(used), conduct_records.c.credit_code.not_in(live))
        .order_by(conduct_records.c.credit_code, conduct_records.c.occurred_at))
    if not who.city_wide:
        statement = statement.where(employers.c.district == who.district)
    threshold = runtime.settings.blacklist_arrears_yuan
    found: dict[str, CandidateRead] = {}
    async with runtime.engine.connect() as conn:
        for r in (await conn.execute(statement)).all():
            ground = rules.ground_of(rules.Conduct(r.id, r.kind, r.amount),
                                     arrears_threshold=threshold)
            if not isinstance(ground, rules.Ground):
                continue
            found.setdefault(r.credit_code, CandidateRead(
                credit_code=r.credit_code, name=r.name, district=r.district, grounds=[]
            )).grounds.append(CandidateGround(
                record_id=r.id, kind=r.kind, ground=ground.value, case_id=r.case_id,
                amount=r.amount, occurred_at=r.occurred_at))
    return list(found.values())


async def entries(runtime: CreditRuntime, who: Principal, state: str | None) -> list[EntrySummary]:
    statement = sa.select(blacklist_entries).order_by(blacklist_entries.c.proposed_at.desc())
    if state is not None:
        statement = statement.where(blacklist_entries.c.state == state)
    if not who.city_wide:
        statement = statement.where(blacklist_entries.c.district == who.district)
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(statement)).all()
    return [EntrySummary.model_validate(r, from_attributes=True) for r in rows]


def document_read(settings: CreditSettings, row: sa.Row[Any]) -> DocumentRead:
    return DocumentRead(document_id=row.id, kind=row.kind, title=row.title, sha256=row.sha256,
                        issued_at=row.issued_at,
                        verify_url=f"{settings.public_base_url}/v1/credit-documents/{row.id}")


async def read_entry(runtime: CreditRuntime, who: Principal, entry_id: str) -> EntryRead:
    async with runtime.engine.connect() as conn:
        await conn.execution_options(isolation_level="REPEATABLE READ")  # one snapshot
        entry = await load_entry(conn, entry_id, who, lock=False)
        grounds = (await conn.execute(sa.select(blacklist_grounds).where(
            blacklist_grounds.c.entry_id == entry_id).order_by(blacklist_grounds.c.record_id))
        ).all()
        documents = (await conn.execute(sa.select(credit_documents).where(
            credit_documents.c.matter_id == entry_id).order_by(credit_documents.c.issued_at))
        ).all()
        repairs = (await conn.execute(sa.select(credit_repairs.c.id, credit_repairs.c.state)
                                      .where(credit_repairs.c.entry_id == entry_id)
                                      .order_by(credit_repairs.c.applied_at))).all()
        steps = (await conn.execute(sa.select(blacklist_steps).where(
            blacklist_steps.c.entry_id == entry_id).order_by(blacklist_steps.c.id))).all()
    return EntryRead(
        **EntrySummary.model_validate(entry, from_attributes=True).model_dump(),
        facts=entry.facts, reviewed_by=entry.reviewed_by, defence_due_at=entry.defence_due_at,
        defence=entry.defence, removed_at=entry.removed_at, removal_reason=entry.removal_reason,
        grounds=[GroundRead.model_validate(g, from_attributes=True) for g in grounds],
        punishments=[PunishmentRead.model_validate(p) for p in entry.punishments],
        documents=[document_read(runtime.settings, d) for d in documents],
        repairs=[RepairRef(id=r.id, state=r.state) for r in repairs],
        timeline=[StepRead.model_validate(s, from_attributes=True) for s in steps])


async def verify_document(runtime: CreditRuntime, document_id: str) -> DocumentVerification:
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(sa.select(credit_documents).where(
            credit_documents.c.id == document_id))).first()
    if row is None:
        raise Problem(404, "not-found", "No such document",
                      f"no credit document {document_id} was issued")
    return DocumentVerification(document_id=row.id, kind=row.kind, title=row.title,
                                sha256=row.sha256, issued_at=row.issued_at)
