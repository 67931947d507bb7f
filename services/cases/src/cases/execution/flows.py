"""Hearing (R-CASE-5), payments and surcharge (R-CASE-6), reminder and court enforcement
(R-CASE-7)."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date, datetime

import sqlalchemy as sa
from labor_contracts.cases import CaseClosed
from labor_contracts.common import DocumentKind, EmployerRef
from labor_contracts.identifiers import new_id
from labor_runtime import timers
from labor_runtime.clock import BUREAU_TZ, Calendar
from labor_runtime.crypto import FieldCipher
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal
from labor_runtime.timers import Timer
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from cases.documents import flows as documents
from cases.documents.models import documents as documents_table
from cases.documents.render import DocumentContent
from cases.documents.rules import FilingKind
from cases.execution import rules
from cases.execution.models import hearings, payments
from cases.execution.schemas import (
    ExecutionView,
    HearingRecordCreate,
    HearingRequest,
    HearingView,
    PaymentFeed,
    PaymentResult,
)
from cases.lifecycle import rules as lifecycle
from cases.lifecycle.flows import (
    Actor,
    Row,
    audit_decision,
    check_district,
    complaint_ids_of,
    lock_case,
    next_number,
    readable_case,
    settings_of,
    staff_case,
    transition,
)
from cases.lifecycle.rules import CaseAction, CaseState
from cases.penalty.documents import court_application_paragraphs, reminder_paragraphs, yuan
from cases.penalty.flows import PAYMENT_DUE, party_of, recipient_of
from cases.penalty.models import penalty_decisions, penalty_proposals
from cases.rectification import flows as rectification
from cases.rectification import rules as rectification_rules
from cases.settings import CasesRuntime, CasesSettings, DayDeadline
from cases.signatures import flows as signatures

log = logging.getLogger(__name__)

HEARING_DUE = "cases.hearing_due"
COURT_ENFORCEMENT = "cases.court_enforcement"
HEARING_RECORD_KIND = "hearing_record"
JSON = "application/json"


# Hearing (R-CASE-5) ------------------------------------------------------------------------------


async def request_hearing(runtime: CasesRuntime, who: Principal, case_id: str,
                          body: HearingRequest) -> HearingView:
    """Record the party's request after the notice; the hearing is due within 7 days."""
    settings = settings_of(runtime)
    actor = Actor.staff(who, "officer_a")
    async with runtime.uow() as uow:
        now = uow.clock.now()
        row = await staff_case(uow, who, case_id)
        requested_at = body.requested_at or now
        if requested_at > now:
            raise Problem(422, "requested-in-future", "The request time is in the future",
                          f"requested_at {requested_at.isoformat()} is after now")
        state = CaseState(row.state)
        lifecycle.apply(state, CaseAction.REQUEST_HEARING)
        refusal = rules.hearing_request_refusal(notice_period_ends_at=row.notice_period_ends_at,
                                                now=requested_at)
        if refusal is not None:
            raise Problem(409, "hearing-request-late", "Too late to ask for a hearing", refusal)
        hold_by = rules.hearing_hold_by(
            requested_at, days=settings.hearing_within_days, calendar=runtime.calendar,
            working=settings.counts_working_days(DayDeadline.HEARING))
        hearing_id = new_id()
        await uow.session.execute(hearings.insert().values(
            id=hearing_id, case_id=case_id, requested_at=requested_at, requested_by=who.subject,
            request_note=body.note, hold_by=hold_by))
        await transition(uow.session, case_id=case_id, state=state,
                         action=CaseAction.REQUEST_HEARING, actor=actor, at=now,
                         reason=f"the party asked for a hearing at {requested_at.isoformat()}; "
                                f"to be held by {hold_by.isoformat()} (R-CASE-5)")
        await timers.schedule(uow.session, kind=HEARING_DUE, subject=case_id, due_at=hold_by,
                              now=now, payload={"hearing_id": hearing_id})
        await audit_decision(uow.session, actor=actor, at=now, action="hearing.request",
                             case_id=case_id, reason=body.note or "hearing requested")
        await uow.commit()
    return await hearing_view(runtime, who, case_id)


async def record_hearing(runtime: CasesRuntime, who: Principal, case_id: str,
                         body: HearingRecordCreate) -> HearingView:
    """Store the hearing's record as a signed document; the decision will cite it."""
    settings = settings_of(runtime)
    actor = Actor.staff(who, "officer_a")
    async with runtime.uow() as uow:
        now = uow.clock.now()
        row = await staff_case(uow, who, case_id)
        state = CaseState(row.state)
        lifecycle.apply(state, CaseAction.RECORD_HEARING)
        hearing = (await uow.session.execute(sa.select(hearings).where(
            hearings.c.case_id == case_id))).one()
        if hearing.record_document_id is not None:
            raise Problem(409, "hearing-recorded", "The hearing's record is already stored",
                          "a stored record is never replaced")
        if not hearing.requested_at <= body.held_at <= now:
            raise Problem(422, "held-at-out-of-range", "Impossible hearing time",
                          "held_at lies between the request and now")
        year = body.held_at.astimezone(BUREAU_TZ).year
        number = lifecycle.document_number(
            settings.hearing_record_number_prefix, year,
            await next_number(uow.session, series="hearing_record", year=year))
        document_id = new_id()
        content = json.dumps({
            "form": "听证笔录", "number": number, "case_id": case_id,
            "case_number": row.case_number, "held_at": body.held_at.isoformat(),
            "presiding": body.presiding, "participants": body.participants,
            "record": body.record, "recorded_by": who.subject,
        }, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        await uow.session.execute(documents_table.insert().values(
            id=document_id, case_id=case_id, kind=HEARING_RECORD_KIND, title="听证笔录",
            number=number, recipient={"internal": True}, content_type=JSON, content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            verify_url=f"{settings.public_base_url.rstrip('/')}/v1/documents/{document_id}/verify",
            issued_by=who.subject, issued_at=now))
        await signatures.sign(uow.session, runtime.cipher, document_id=document_id,
                              signer=who.subject, role=actor.role, purpose="hearing_record",
                              at=now)
        await uow.session.execute(hearings.update().where(hearings.c.id == hearing.id).values(
            held_at=body.held_at, record_document_id=document_id))
        met = await timers.complete(uow.session, kind=HEARING_DUE, subject=case_id, now=now)
        late = "" if body.held_at <= hearing.hold_by else " (held after the 7-day deadline)"
        await transition(uow.session, case_id=case_id, state=state,
                         action=CaseAction.RECORD_HEARING, actor=actor, at=now,
                         reason=f"hearing held at {body.held_at.isoformat()}, record {number}"
                                f"{late}")
        await audit_decision(uow.session, actor=actor, at=now, action="hearing.record",
                             case_id=case_id, reason=f"record {number}; in time: {met}")
        await uow.commit()
    return await hearing_view(runtime, who, case_id)


async def hearing_view(runtime: Runtime, who: Principal, case_id: str) -> HearingView:
    async with runtime.engine.connect() as conn:
        await readable_case(conn, who, case_id)
        h = (await conn.execute(sa.select(hearings).where(hearings.c.case_id == case_id))).first()
    if h is None:
        raise Problem(404, "not-found", "No hearing", "no hearing was asked for in this case")
    return HearingView(hearing_id=h.id, case_id=h.case_id, requested_at=h.requested_at,
                       requested_by=h.requested_by, hold_by=h.hold_by, held_at=h.held_at,
                       record_document_id=h.record_document_id)


# Payments and surcharge (R-CASE-6) ---------------------------------------------------------------


async def _balance(session: AsyncSession, settings: CasesSettings, decision: Row,
                   on: date) -> rules.Balance:
    fine = (await session.execute(sa.select(penalty_proposals.c.fine_amount).where(
        penalty_proposals.c.id == decision.proposal_id))).scalar_one()
    paid = (await session.execute(sa.select(payments.c.paid_on, payments.c.amount).where(
        payments.c.case_id == decision.case_id))).all()
    due_on = decision.payment_due_at.astimezone(BUREAU_TZ).date() if decision.payment_due_at else None
    return rules.balance(fine=fine, due_on=due_on, payments=[(p.paid_on, p.amount) for p in paid],
                         on=on, daily_rate=settings.late_surcharge_daily_rate)


async def import_payments(runtime: CasesRuntime, who: Principal, feed: PaymentFeed) -> list[PaymentResult]:
    """Record the fiscal account's payments (C post); a payment in full ends the execution
    deadlines. Re-importing the same feed changes nothing (bank reference is the key)."""
    settings = settings_of(runtime)
    actor = Actor.staff(who, "executor_c")
    results: list[PaymentResult] = []
    async with runtime.uow() as uow:
        now = uow.clock.now()
        for item in feed.payments:
            decision = (await uow.session.execute(sa.select(penalty_decisions).where(
                penalty_decisions.c.decision_number == item.decision_number))).first()
            if decision is None:
                results.append(PaymentResult(reference=item.reference, outcome="unknown_decision"))
                continue
            case = await lock_case(uow.session, decision.case_id)
            check_district(who, case)
            inserted = (await uow.session.execute(insert(payments).values(
                reference=item.reference, case_id=decision.case_id,
                decision_number=item.decision_number, amount=item.amount, paid_on=item.paid_on,
                payer=item.payer, imported_by=who.subject, imported_at=now)
                .on_conflict_do_nothing().returning(payments.c.reference))).first()
            today = runtime.calendar.local_date(now)
            balance = await _balance(uow.session, settings, decision, today)
            if inserted is None:
                results.append(PaymentResult(
                    reference=item.reference, outcome="duplicate", case_id=decision.case_id,
                    outstanding=balance.outstanding, paid_in_full=balance.paid_in_full))
                continue
            state = CaseState(case.state)
            reason = (f"payment {item.reference}: {yuan(item.amount)} on {item.paid_on}; "
                      f"owed {yuan(balance.total)} (fine {yuan(balance.fine)} + surcharge "
                      f"{yuan(balance.surcharge)}), outstanding {yuan(balance.outstanding)}")
            await transition(uow.session, case_id=decision.case_id, state=state,
                             action=CaseAction.RECORD_PAYMENT, actor=actor, at=now, reason=reason)
            await audit_decision(uow.session, actor=actor, at=now, action="payment.record",
                                 case_id=decision.case_id, reason=reason)
            if balance.paid_in_full and decision.paid_in_full_at is None:
                await uow.session.execute(penalty_decisions.update().where(
                    penalty_decisions.c.id == decision.id).values(paid_in_full_at=now))
                await timers.complete(uow.session, kind=PAYMENT_DUE, subject=decision.case_id,
                                      now=now)
                await timers.cancel(uow.session, kind=COURT_ENFORCEMENT,
                                    subject=decision.case_id, now=now)
            results.append(PaymentResult(
                reference=item.reference, outcome="recorded", case_id=decision.case_id,
                outstanding=balance.outstanding, paid_in_full=balance.paid_in_full))
        await uow.commit()
    return results


async def execution_view(runtime: CasesRuntime, who: Principal, case_id: str) -> ExecutionView:
    settings = settings_of(runtime)
    async with runtime.session() as session:
        await readable_case(session, who, case_id)
        decision = (await session.execute(sa.select(penalty_decisions).where(
            penalty_decisions.c.case_id == case_id))).first()
        if decision is None:
            raise Problem(404, "not-found", "No penalty decision", "nothing to execute yet")
        balance = await _balance(session, settings, decision,
                                 runtime.calendar.local_date(runtime.clock.now()))
    return ExecutionView(
        case_id=case_id, decision_number=decision.decision_number, fine=balance.fine,
        surcharge=balance.surcharge, paid=balance.paid, outstanding=balance.outstanding,
        paid_in_full_at=decision.paid_in_full_at, payment_due_at=decision.payment_due_at,
        reminder_document_id=decision.reminder_document_id,
        court_enforcement_at=decision.court_enforcement_at,
        court_application_document_id=decision.court_application_document_id)


# Reminder and court enforcement (R-CASE-7) -------------------------------------------------------


async def on_payment_due(uow: UnitOfWork, settings: CasesSettings, calendar: Calendar,
                         timer: Timer) -> None:
    """The fine's due date passed unpaid: alert, issue the reminder (催告书) at once (within the
    3 days), and start the 30-day court-enforcement deadline."""
    await timers.emit_overdue(uow, timer)
    now = uow.clock.now()
    case = await lock_case(uow.session, timer.subject)
    decision = (await uow.session.execute(sa.select(penalty_decisions).where(
        penalty_decisions.c.case_id == case.id))).first()
    if decision is None or decision.paid_in_full_at is not None:
        return
    state = CaseState(case.state)
    if decision.reminder_document_id is None and lifecycle.can(state, CaseAction.ISSUE_REMINDER):
        await issue_reminder(uow, settings, calendar, case, decision, now)
    await timers.schedule(uow.session, kind=COURT_ENFORCEMENT, subject=case.id, now=now,
                          due_at=rules.court_enforcement_by(
                              decision.payment_due_at or timer.due_at,
                              days=settings.court_enforcement_within_days, calendar=calendar,
                              working=settings.counts_working_days(DayDeadline.COURT_ENFORCEMENT)),
                          payload={"decision_number": decision.decision_number})


async def issue_reminder(uow: UnitOfWork, settings: CasesSettings, calendar: Calendar, case: Row,
                         decision: Row, now: datetime) -> str:
    """Render and issue the reminder through documents (notify serves it), and record it."""
    proposal = (await uow.session.execute(sa.select(penalty_proposals).where(
        penalty_proposals.c.id == decision.proposal_id))).one()
    balance = await _balance(uow.session, settings, decision, calendar.local_date(now))
    year = now.astimezone(BUREAU_TZ).year
    number = lifecycle.document_number(settings.reminder_number_prefix, year,
                                       await next_number(uow.session, series="reminder", year=year))
    paragraphs = reminder_paragraphs(
        decision_number=decision.decision_number,
        decision_served_on=calendar.local_date(decision.served_at or decision.decided_at),
        due_on=calendar.local_date(decision.payment_due_at or now), fine_amount=balance.fine,
        surcharge=balance.surcharge, paid=balance.paid, outstanding=balance.outstanding,
        daily_rate=settings.late_surcharge_daily_rate,
        compliance_days=settings.reminder_compliance_days)

    def content(document_id: str, verify_url: str) -> DocumentContent:
        return DocumentContent(
            authority=settings.authority_name, title="催告书", number=number,
            case_number=case.case_number or "", party=party_of(proposal), paragraphs=paragraphs,
            issued_on=calendar.local_date(now), document_id=document_id, verify_url=verify_url)

    issued = await documents.issue(uow, settings, case_id=case.id, kind=DocumentKind.REMINDER,
                                   number=number, recipient=recipient_of(proposal),
                                   issued_by=uow.source, at=now, content=content)
    await uow.session.execute(penalty_decisions.update().where(
        penalty_decisions.c.id == decision.id).values(reminder_document_id=issued.document_id))
    actor = Actor.service(uow.source)
    due_at = decision.payment_due_at or now
    remind_by = rules.reminder_by(due_at, days=settings.reminder_within_days, calendar=calendar,
                                  working=settings.counts_working_days(DayDeadline.REMINDER))
    timing = "in time" if now <= remind_by else "LATE"
    reason = (f"R-CASE-7: fine unpaid after {due_at.isoformat()}; reminder {number} issued "
              f"{timing} (due by {remind_by.isoformat()}), outstanding {yuan(balance.outstanding)}")
    await transition(uow.session, case_id=case.id, state=CaseState(case.state),
                     action=CaseAction.ISSUE_REMINDER, actor=actor, at=now, reason=reason)
    await audit_decision(uow.session, actor=actor, at=now, action="execution.reminder",
                         case_id=case.id, reason=reason)
    return issued.document_id


async def apply_court_enforcement(uow: UnitOfWork, settings: CasesSettings, calendar: Calendar,
                                  case: Row, actor: Actor, now: datetime, reason: str,
                                  cipher: FieldCipher | None = None) -> None:
    """Apply to the court (R-CASE-7): the application (强制执行申请书) is rendered with what is
    still owed and kept with the case, for filing with the court; signed by the staff member who
    applies (`cipher` given), unsigned when the deadline made the system prepare it."""
    decision = (await uow.session.execute(sa.select(penalty_decisions).where(
        penalty_decisions.c.case_id == case.id))).one()
    if decision.paid_in_full_at is not None:
        raise Problem(409, "paid-in-full", "The fine is paid",
                      "nothing to enforce: the fine and surcharge were paid in full")
    if decision.reminder_document_id is None:
        raise Problem(409, "no-reminder", "No reminder issued",
                      "R-CASE-7: the reminder (催告书) precedes the application to the court")
    proposal = (await uow.session.execute(sa.select(penalty_proposals).where(
        penalty_proposals.c.id == decision.proposal_id))).one()
    balance = await _balance(uow.session, settings, decision, calendar.local_date(now))
    reminder = (await uow.session.execute(sa.select(documents_table.c.number).where(
        documents_table.c.id == decision.reminder_document_id))).scalar_one()
    reminder_served = await documents.served_at(uow.session, decision.reminder_document_id)
    year = now.astimezone(BUREAU_TZ).year
    number = lifecycle.document_number(
        settings.court_application_number_prefix, year,
        await next_number(uow.session, series="court_application", year=year))
    paragraphs = court_application_paragraphs(
        decision_number=decision.decision_number,
        decision_served_on=calendar.local_date(decision.served_at or decision.decided_at),
        due_on=calendar.local_date(decision.payment_due_at or now), reminder_number=reminder,
        reminder_served_on=calendar.local_date(reminder_served) if reminder_served else None,
        fine_amount=balance.fine, surcharge=balance.surcharge, paid=balance.paid,
        outstanding=balance.outstanding)

    def content(document_id: str, verify_url: str) -> DocumentContent:
        return DocumentContent(
            authority=settings.authority_name, title="强制执行申请书", number=number,
            case_number=case.case_number or "", party=party_of(proposal), paragraphs=paragraphs,
            issued_on=calendar.local_date(now), document_id=document_id, verify_url=verify_url,
            addressee=settings.enforcement_court, party_label="被申请人")

    filed = await documents.file(
        uow.session, settings, case_id=case.id, kind=FilingKind.COURT_ENFORCEMENT_APPLICATION,
        number=number, recipient=EmployerRef(name=settings.enforcement_court),
        issued_by=actor.subject, at=now, content=content)
    if cipher is not None:
        await signatures.sign(uow.session, cipher, document_id=filed.document_id,
                              signer=actor.subject, role=actor.role,
                              purpose="court_enforcement_application", at=now)
    await transition(uow.session, case_id=case.id, state=CaseState(case.state),
                     action=CaseAction.APPLY_COURT_ENFORCEMENT, actor=actor, at=now,
                     reason=f"{reason}: application {number} to {settings.enforcement_court}, "
                            f"outstanding {yuan(balance.outstanding)}")
    await uow.session.execute(penalty_decisions.update().where(
        penalty_decisions.c.id == decision.id).values(
            court_enforcement_at=now, court_application_document_id=filed.document_id))
    await timers.complete(uow.session, kind=COURT_ENFORCEMENT, subject=case.id, now=now)
    await audit_decision(uow.session, actor=actor, at=now, action="execution.court_enforcement",
                         case_id=case.id, reason=reason)


async def apply_for_court_enforcement(runtime: CasesRuntime, who: Principal,
                                      case_id: str) -> ExecutionView:
    """C applies to the court (R-CASE-7), after the reminder, while still unpaid."""
    settings = settings_of(runtime)
    async with runtime.uow() as uow:
        now = uow.clock.now()
        case = await staff_case(uow, who, case_id)
        await apply_court_enforcement(uow, settings, runtime.calendar, case,
                                      Actor.staff(who, "executor_c"), now,
                                      "application for court enforcement (申请人民法院强制执行)",
                                      cipher=runtime.cipher)
        await uow.commit()
    return await execution_view(runtime, who, case_id)


async def on_court_enforcement_due(uow: UnitOfWork, settings: CasesSettings, calendar: Calendar,
                                   timer: Timer) -> None:
    """The 30 days after the due date end still unpaid: alert, and the case moves to court
    enforcement so the application is filed (R-CASE-7)."""
    await timers.emit_overdue(uow, timer)
    now = uow.clock.now()
    case = await lock_case(uow.session, timer.subject)
    decision = (await uow.session.execute(sa.select(penalty_decisions).where(
        penalty_decisions.c.case_id == case.id))).first()
    if (decision is None or decision.paid_in_full_at is not None
            or decision.reminder_document_id is None
            or not lifecycle.can(CaseState(case.state), CaseAction.APPLY_COURT_ENFORCEMENT)):
        log.info("case %s: court enforcement not applicable at its deadline", case.id)
        return
    await apply_court_enforcement(
        uow, settings, calendar, case, Actor.service(uow.source), now,
        f"R-CASE-7: still unpaid {settings.court_enforcement_within_days} days after the due "
        "date; application for court enforcement")



async def close(runtime: CasesRuntime, who: Principal, case_id: str, reason: str) -> None:
    """Close the case (结案, R-CASE-1): decided cases once published and paid in full; rectified
    cases by someone other than the officer who recorded the compliance (R-ORG-2)."""
    settings = settings_of(runtime)
    actor = Actor.staff(who, "brigade_chief")
    async with runtime.uow() as uow:
        now = uow.clock.now()
        case = await staff_case(uow, who, case_id)
        state = CaseState(case.state)
        lifecycle.apply(state, CaseAction.CLOSE)
        decision = (await uow.session.execute(sa.select(penalty_decisions).where(
            penalty_decisions.c.case_id == case_id))).first()
        fine = None
        paid_in_full = False
        if decision is not None:
            balance = await _balance(uow.session, settings, decision,
                                     runtime.calendar.local_date(now))
            fine, paid_in_full = balance.fine, balance.paid_in_full
        refusal = rules.close_refusal(fine=fine, paid_in_full=paid_in_full,
                                      published=case.published_at is not None)
        if refusal is not None:
            raise Problem(409, "cannot-close", "The case cannot be closed yet", refusal)
        refusal = rectification_rules.closer_refusal(
            closer=who.subject, recorded_by=await rectification.complied_by(uow.session, case_id))
        if refusal is not None:
            raise Problem(403, "separation-of-duties", "Separation of duties (R-ORG-2)", refusal)
        await transition(uow.session, case_id=case_id, state=state, action=CaseAction.CLOSE,
                         actor=actor, at=now, reason=reason)
        await audit_decision(uow.session, actor=actor, at=now, action="case.close",
                             case_id=case_id, reason=reason)
        await uow.emit(CaseClosed(
            case_id=case_id, case_number=case.case_number,
            complaint_ids=await complaint_ids_of(uow.session, case_id),
            outcome=rules.closing_outcome(state), reason=reason, closed_at=now), subject=case_id)
        await uow.commit()
