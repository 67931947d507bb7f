"""Credit repair use cases (R-CRD-5, R-PUB-5): apply, the two reviews, the public notice,
objections and the repair itself. Flows and handlers commit once; every step is on the entry's
timeline with its audit entry and history line (`credit.blacklist.flows.record_step`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from labor_contracts.credit import RepairConcluded, RepairNoticeStarted
from labor_contracts.envelope import Envelope
from labor_contracts.identifiers import new_id
from labor_contracts.publish import ObjectionFiled
from labor_runtime import timers
from labor_runtime.bus import Rejected
from labor_runtime.clock import Calendar
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.security import Principal
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from credit import transitions
from credit.blacklist import flows as blacklist
from credit.blacklist.flows import Actor, record_step
from credit.blacklist.models import blacklist_grounds, blacklist_steps, credit_documents
from credit.blacklist.rules import Command as EntryCommand
from credit.blacklist.rules import State as EntryState
from credit.blacklist.schemas import StepRead
from credit.conduct.models import conduct_records
from credit.repair import rules
from credit.repair.models import credit_repairs, repair_objections
from credit.repair.rules import Command, State
from credit.repair.schemas import (
    Application,
    ObjectionDecision,
    ObjectionRead,
    RepairRead,
    RepairReview,
)
from credit.settings import CreditRuntime, CreditSettings

NOTICE_TIMER = "credit.repair_notice"
_CASE_KINDS = ("fine_overdue", "court_enforcement", "rectification_lapsed", "case_closed")


def move(state: str, command: Command) -> State:
    """The next state; 409 naming the state when the command does not apply."""
    return transitions.move(rules.next_state, State(state), command)


async def load(session: AsyncSession | AsyncConnection, repair_id: str, who: Principal | None,
               *, lock: bool = True) -> tuple[sa.Row[Any], sa.Row[Any]]:
    """The repair and its entry, locked; 404 for other districts' staff."""
    statement = sa.select(credit_repairs).where(credit_repairs.c.id == repair_id)
    repair = (await session.execute(statement.with_for_update() if lock else statement)).first()
    if repair is None:
        raise Problem(404, "not-found", "No such repair", f"no credit repair {repair_id}")
    try:
        entry = await blacklist.load_entry(session, repair.entry_id, who, lock=lock)
    except Problem:
        raise Problem(404, "not-found", "No such repair", f"no credit repair {repair_id}") from None
    return repair, entry


def _not_again(who: Principal, *earlier: str | None) -> None:
    if who.subject in earlier:
        raise Problem(403, "separation-of-duties", "You already acted on this repair",
                      "an approver never approves their own submission or review (R-ORG-2)")


async def apply(runtime: CreditRuntime, who: Principal, entry_id: str, body: Application) -> str:
    """Record the employer's application; refused at once with every unmet condition."""
    settings = runtime.settings
    now = runtime.clock.now()
    async with runtime.uow() as uow:
        entry = await blacklist.load_entry(uow.session, entry_id, who)
        if entry.state != EntryState.LISTED:
            raise Problem(409, "not-listed", "Only a listed employer can repair its credit",
                          f"the entry is {entry.state}", state=entry.state)
        cases = sa.select(blacklist_grounds.c.case_id).where(
            blacklist_grounds.c.entry_id == entry_id, blacklist_grounds.c.case_id.is_not(None))
        events = [rules.CaseEvent(r.case_id, r.kind, r.occurred_at) for r in (
            await uow.session.execute(sa.select(conduct_records).where(
                conduct_records.c.credit_code == entry.credit_code,
                conduct_records.c.case_id.in_(cases),
                conduct_records.c.kind.in_(_CASE_KINDS)))).all()]
        unmet = rules.unmet_conditions(
            events=events, commitment_sha256=body.commitment_sha256,
            commitment_date=body.commitment_date, listed_on=entry.listed_on,
            today=Calendar.local_date(now), min_listed_years=settings.repair_min_listed_years)
        if unmet:
            raise Problem(422, "repair-conditions-unmet", "Credit repair conditions not met "
                          "(R-CRD-5)", "; ".join(f"{u.condition}: {u.detail}" for u in unmet),
                          unmet=[{"condition": u.condition, "detail": u.detail} for u in unmet])
        repair_id = new_id()
        try:
            async with uow.session.begin_nested():
                await uow.session.execute(credit_repairs.insert().values(
                    id=repair_id, entry_id=entry_id, credit_code=entry.credit_code,
                    state=State.APPLIED.value, commitment_sha256=body.commitment_sha256,
                    commitment_date=body.commitment_date, applied_by=who.subject,
                    applied_at=now, updated_at=now))
        except IntegrityError:
            raise Problem(409, "repair-open", "A repair of this entry is under way",
                          "wait for the open repair to conclude") from None
        await record_step(uow.session, entry_id=entry_id, credit_code=entry.credit_code, at=now,
                          actor=Actor.staff(who), action="repair_applied", reason=body.reason,
                          repair_id=repair_id)
        await uow.commit()
    return repair_id


async def _set(session: AsyncSession, repair_id: str, now: datetime, **values: Any) -> None:
    await session.execute(credit_repairs.update().where(credit_repairs.c.id == repair_id)
                          .values(updated_at=now, **values))


async def _conclude(uow: UnitOfWork, repair: sa.Row[Any], *, state: State, outcome: str,
                    reason: str, now: datetime, actor: Actor) -> None:
    await _set(uow.session, repair.id, now, state=state.value, outcome_reason=reason,
               concluded_at=now)
    await timers.cancel(uow.session, kind=NOTICE_TIMER, subject=repair.id, now=now)
    await uow.emit(RepairConcluded(repair_id=repair.id, entry_id=repair.entry_id,
                                   credit_code=repair.credit_code, outcome=outcome,
                                   reason=reason, concluded_at=now), subject=repair.credit_code)
    await record_step(uow.session, entry_id=repair.entry_id, credit_code=repair.credit_code,
                      at=now, actor=actor, action=f"repair_{outcome}", reason=reason,
                      repair_id=repair.id)


async def _start_notice(runtime: CreditRuntime, uow: UnitOfWork, repair: sa.Row[Any],
                        entry: sa.Row[Any], *, now: datetime, actor: Actor, action: str,
                        reason: str) -> None:
    """The public notice (公示) for its full period: publish shows it and takes objections."""
    ends = runtime.calendar.add_days(now, runtime.settings.repair_notice_days)
    await _set(uow.session, repair.id, now, state=State.IN_NOTICE.value, notice_starts_at=now,
               notice_ends_at=ends)
    await timers.schedule(uow.session, kind=NOTICE_TIMER, subject=repair.id, due_at=ends,
                          now=now)
    employer = await blacklist.employer_of(uow.session, entry.credit_code)
    grounds = (await uow.session.execute(
        sa.select(blacklist_grounds.c.ground).where(blacklist_grounds.c.entry_id == entry.id)
        .distinct().order_by(blacklist_grounds.c.ground))).scalars().all()
    await uow.emit(RepairNoticeStarted(
        repair_id=repair.id, entry_id=entry.id, credit_code=entry.credit_code,
        employer_name=employer.name,
        summary=rules.notice_summary(employer.name, list(grounds), entry.listed_on),
        notice_starts_at=now, notice_ends_at=ends, district=entry.district),
        subject=entry.credit_code)
    await record_step(uow.session, entry_id=entry.id, credit_code=entry.credit_code, at=now,
                      actor=actor, action=action, reason=f"{reason}; notice until "
                      f"{ends.isoformat()}", repair_id=repair.id)


async def _withdrawn(uow: UnitOfWork, repair: sa.Row[Any], entry: sa.Row[Any], *,
                     now: datetime, actor: Actor) -> bool:
    """An open repair of an entry no longer listed (its term ended) is withdrawn: nothing left to
    repair. True if so."""
    if entry.state == EntryState.LISTED:
        return False
    await _conclude(uow, repair, state=move(repair.state, Command.WITHDRAW), outcome="withdrawn",
                    reason=f"the blacklist entry is {entry.state}", now=now, actor=actor)
    return True


async def first_review(runtime: CreditRuntime, who: Principal, repair_id: str,
                       body: RepairReview) -> None:
    """The brigade's first review (大队初审)."""
    now = runtime.clock.now()
    async with runtime.uow() as uow:
        repair, entry = await load(uow.session, repair_id, who)
        _not_again(who, repair.applied_by)
        actor = Actor.staff(who)
        state = move(repair.state, Command.FIRST_APPROVE if body.approve else
                     Command.REFUSE_FIRST)
        if await _withdrawn(uow, repair, entry, now=now, actor=actor):
            await uow.commit()
            return
        await _set(uow.session, repair_id, now, first_reviewed_by=who.subject)
        if body.approve:
            await _set(uow.session, repair_id, now, state=state.value)
            await record_step(uow.session, entry_id=repair.entry_id,
                              credit_code=repair.credit_code, at=now, actor=actor,
                              action="first_review_approved", reason=body.reason,
                              repair_id=repair_id)
        else:
            await _conclude(uow, repair, state=state, outcome="refused",
                            reason=f"first review: {body.reason}", now=now, actor=actor)
        await uow.commit()


async def second_review(runtime: CreditRuntime, who: Principal, repair_id: str,
                        body: RepairReview) -> None:
    """The detachment's review (支队复审); approval starts the public notice."""
    now = runtime.clock.now()
    async with runtime.uow() as uow:
        repair, entry = await load(uow.session, repair_id, who)
        _not_again(who, repair.applied_by, repair.first_reviewed_by)
        actor = Actor.staff(who)
        state = move(repair.state, Command.SECOND_APPROVE if body.approve else
                     Command.REFUSE_SECOND)
        if await _withdrawn(uow, repair, entry, now=now, actor=actor):
            await uow.commit()
            return
        await _set(uow.session, repair_id, now, second_reviewed_by=who.subject)
        if body.approve:
            await _start_notice(runtime, uow, repair, entry, now=now, actor=actor,
                                action="second_review_approved", reason=body.reason)
        else:
            await _conclude(uow, repair, state=state, outcome="refused",
                            reason=f"second review: {body.reason}", now=now, actor=actor)
        await uow.commit()


async def on_objection_filed(uow: UnitOfWork, event: Envelope, data: ObjectionFiled) -> None:
    """An objection during the notice stops the repair until a reviewer handles it (R-PUB-5)."""
    repair = (await uow.session.execute(sa.select(credit_repairs).where(
        credit_repairs.c.id == data.repair_id).with_for_update())).first()
    if repair is None or repair.credit_code != data.credit_code:
        raise Rejected(f"objection {data.objection_id}: no credit repair {data.repair_id} of "
                       f"{data.credit_code}")
    now = uow.clock.now()
    during = repair.state in (State.IN_NOTICE, State.STOPPED)
    filed = (await uow.session.execute(insert(repair_objections).values(
        id=data.objection_id, repair_id=repair.id, grounds=data.grounds, filed_at=data.filed_at,
        state="open" if during else "late").on_conflict_do_nothing(index_elements=["id"])
        .returning(repair_objections.c.id))).first()
    if filed is None:
        return  # the same objection published again under another event id
    if during:
        await timers.cancel(uow.session, kind=NOTICE_TIMER, subject=repair.id, now=now)
        await _set(uow.session, repair.id, now,
                   state=rules.next_state(State(repair.state), Command.OBJECT).value)
    await record_step(
        uow.session, entry_id=repair.entry_id, credit_code=repair.credit_code, at=now,
        actor=Actor("public", "public", event.id),
        action="objection_filed" if during else "objection_outside_notice",
        reason=f"objection {data.objection_id} filed on the public site"
        + ("; the repair stops until a reviewer decides" if during else
           f"; the repair is {repair.state}, so it changes nothing"),
        repair_id=repair.id)


async def decide_objection(runtime: CreditRuntime, who: Principal, repair_id: str,
                           objection_id: str, body: ObjectionDecision) -> None:
    """The detachment decides an objection: upheld refuses the repair; dismissed restarts the
    notice for its full period once no other objection is open."""
    now = runtime.clock.now()
    async with runtime.uow() as uow:
        repair, entry = await load(uow.session, repair_id, who)
        _not_again(who, repair.applied_by)
        objection = (await uow.session.execute(sa.select(repair_objections).where(
            repair_objections.c.id == objection_id, repair_objections.c.repair_id == repair_id)
            .with_for_update())).first()
        if objection is None:
            raise Problem(404, "not-found", "No such objection",
                          f"no objection {objection_id} to repair {repair_id}")
        if objection.state != "open":
            raise Problem(409, "objection-decided", "The objection is not open",
                          f"objection {objection_id} is {objection.state}")
        actor = Actor.staff(who)
        if await _withdrawn(uow, repair, entry, now=now, actor=actor):
            await uow.commit()
            return
        decided = {"decided_by": who.subject, "reason": body.reason, "decided_at": now}
        await uow.session.execute(repair_objections.update().where(
            repair_objections.c.id == objection_id).values(state=body.outcome, **decided))
        await record_step(uow.session, entry_id=entry.id, credit_code=entry.credit_code, at=now,
                          actor=actor, action=f"objection_{body.outcome}",
                          reason=f"objection {objection_id}: {body.reason}", repair_id=repair_id)
        others = (await uow.session.execute(sa.select(sa.func.count()).where(
            repair_objections.c.repair_id == repair_id, repair_objections.c.state == "open"))
        ).scalar_one()
        if body.outcome == "upheld":
            state = move(repair.state, Command.UPHOLD_OBJECTION)
            await uow.session.execute(repair_objections.update().where(
                repair_objections.c.repair_id == repair_id, repair_objections.c.state == "open")
                .values(state="closed", **decided | {
                    "reason": f"repair refused on objection {objection_id}"}))
            await _conclude(uow, repair, state=state, outcome="refused",
                            reason=f"objection {objection_id} upheld: {body.reason}", now=now,
                            actor=actor)
        elif others == 0:
            move(repair.state, Command.DISMISS_LAST_OBJECTION)
            await _start_notice(runtime, uow, repair, entry, now=now, actor=actor,
                                action="notice_restarted",
                                reason=f"objection {objection_id} dismissed: the notice restarts "
                                f"for its full {runtime.settings.repair_notice_days} days")
        await uow.commit()


async def on_notice_ended(settings: CreditSettings, uow: UnitOfWork,
                          timer: timers.Timer) -> None:
    """The notice ended with no open objection: repaired, off the blacklist, partners told."""
    repair = (await uow.session.execute(sa.select(credit_repairs).where(
        credit_repairs.c.id == timer.subject).with_for_update())).first()
    if repair is None or repair.state != State.IN_NOTICE:
        return  # an objection stopped it in the same moment
    entry = await blacklist.load_entry(uow.session, repair.entry_id, None)
    now = uow.clock.now()
    actor = Actor.system(NOTICE_TIMER)
    if await _withdrawn(uow, repair, entry, now=now, actor=actor):
        return
    await blacklist.remove_entry(uow, entry, command=EntryCommand.REPAIR, now=now, actor=actor)
    await _conclude(uow, repair, state=rules.next_state(State.IN_NOTICE, Command.END_NOTICE),
                    outcome="repaired", reason="the public notice ended with no open objection",
                    now=now, actor=actor)
    employer = await blacklist.employer_of(uow.session, entry.credit_code)

    def render(verify_url: str) -> str:
        return rules.repair_notice_text(
            employer=employer.name, credit_code=entry.credit_code,
            decision_number=entry.decision_number, repaired_on=Calendar.local_date(now),
            authority=settings.blacklist_authority, verify_url=verify_url)

    await blacklist.issue_document(uow, settings, matter_id=repair.id,
                                   kind="credit_repair_notice", title="信用修复告知书",
                                   employer=employer, render=render, now=now)


async def read(runtime: CreditRuntime, who: Principal, repair_id: str) -> RepairRead:
    async with runtime.engine.connect() as conn:
        await conn.execution_options(isolation_level="REPEATABLE READ")  # one snapshot
        repair, _ = await load(conn, repair_id, who, lock=False)
        objections = (await conn.execute(sa.select(repair_objections).where(
            repair_objections.c.repair_id == repair_id).order_by(repair_objections.c.filed_at))
        ).all()
        documents = (await conn.execute(sa.select(credit_documents).where(
            credit_documents.c.matter_id == repair_id))).all()
        steps = (await conn.execute(sa.select(blacklist_steps).where(
            blacklist_steps.c.repair_id == repair_id).order_by(blacklist_steps.c.id))).all()
    return RepairRead(
        **{c.name: getattr(repair, c.name) for c in credit_repairs.c if c.name != "updated_at"},
        objections=[ObjectionRead.model_validate(o, from_attributes=True) for o in objections],
        documents=[blacklist.document_read(runtime.settings, d) for d in documents],
        timeline=[StepRead.model_validate(s, from_attributes=True) for s in steps])
