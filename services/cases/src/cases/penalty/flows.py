"""Penalty use cases: propose (A), review (B), notice, decide (detachment chief), serve, publish."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from labor_contracts.cases import PenaltyDecided
from labor_contracts.common import DocumentKind, EmployerRef
from labor_contracts.envelope import Envelope
from labor_contracts.identifiers import new_id
from labor_contracts.notify import DocumentServed
from labor_contracts.publish import DisclosurePublished
from labor_runtime import timers
from labor_runtime.bus import Rejected
from labor_runtime.clock import BUREAU_TZ, Calendar
from labor_runtime.crypto import FieldCipher
from labor_runtime.db import UnitOfWork
from labor_runtime.problems import Problem
from labor_runtime.runtime import Runtime
from labor_runtime.security import Principal
from sqlalchemy.ext.asyncio import AsyncSession

from cases.documents import flows as documents
from cases.documents.models import documents as documents_table
from cases.documents.render import DocumentContent, Party
from cases.execution.models import hearings
from cases.lifecycle import rules as lifecycle
from cases.lifecycle.flows import (
    Actor,
    audit_decision,
    lock_case,
    next_number,
    readable_case,
    settings_of,
    staff_case,
    transition,
)
from cases.lifecycle.models import cases
from cases.lifecycle.rules import CaseAction, CaseState
from cases.penalty import rules
from cases.penalty.documents import (
    decision_paragraphs,
    hearing_paragraph,
    notice_paragraphs,
    yuan,
)
from cases.penalty.models import penalty_decisions, penalty_proposals
from cases.penalty.rules import ProposalStatus
from cases.penalty.schemas import (
    DecisionView,
    PartyView,
    PenaltyProposalCreate,
    PenaltyReview,
    ProposalView,
)
from cases.settings import CasesRuntime, CasesSettings, DayDeadline
from cases.signatures import flows as signatures

log = logging.getLogger(__name__)

Row = sa.Row[Any]
PENALTY_REVIEW = "cases.penalty_review"
NOTICE_PERIOD = "cases.notice_period"
PUBLICATION_DUE = "cases.publication_due"
PAYMENT_DUE = "cases.payment_due"


# Data functions ------------------------------------------------------------------------------


async def live_proposal(session: AsyncSession, case_id: str, status: ProposalStatus) -> Row | None:
    return (await session.execute(sa.select(penalty_proposals).where(
        penalty_proposals.c.case_id == case_id, penalty_proposals.c.status == status))).first()


def recipient_of(proposal: Row) -> EmployerRef:
    return EmployerRef(credit_code=proposal.party_credit_code, name=proposal.party_name,
                       address=proposal.party_address,
                       legal_representative=proposal.party_legal_representative,
                       email=proposal.party_email)


def party_of(proposal: Row) -> Party:
    return Party(name=proposal.party_name, credit_code=proposal.party_credit_code,
                 legal_representative=proposal.party_legal_representative,
                 address=proposal.party_address)


def local_year(moment: datetime) -> int:
    return moment.astimezone(BUREAU_TZ).year


# Proposal and review (A and B posts) -----------------------------------------------------------


async def propose(runtime: CasesRuntime, who: Principal, case_id: str,
                  body: PenaltyProposalCreate) -> ProposalView:
    """The handler submits findings and a proposed penalty for legal review."""
    settings = settings_of(runtime)
    actor = Actor.staff(who, "officer_a")
    proposal_id = new_id()
    async with runtime.uow() as uow:
        now = uow.clock.now()
        row = await staff_case(uow, who, case_id)
        for status in (ProposalStatus.PROPOSED, ProposalStatus.APPROVED):
            if await live_proposal(uow.session, case_id, status) is not None:
                raise Problem(409, f"proposal-{status}", f"A penalty proposal is already {status}",
                              "a case has one live proposal; a new one may follow a rejection")
        notice_required = rules.needs_notice(fine_amount=body.fine_amount,
                                             stop_production=body.stop_production,
                                             threshold=settings.notice_fine_threshold)
        reason = f"penalty proposed: fine {yuan(body.fine_amount)}"
        if notice_required:
            reason += " (R-CASE-5: penalty notice required before the decision)"
        await transition(uow.session, case_id=case_id, state=CaseState(row.state),
                         action=CaseAction.PROPOSE_PENALTY, actor=actor, at=now, reason=reason)
        party = body.party
        await uow.session.execute(penalty_proposals.insert().values(
            id=proposal_id, case_id=case_id, status=ProposalStatus.PROPOSED,
            violation=body.violation, legal_basis=body.legal_basis, fine_amount=body.fine_amount,
            measures=body.measures, stop_production=body.stop_production, party_name=party.name,
            party_credit_code=party.credit_code,
            party_legal_representative=party.legal_representative, party_email=party.email,
            party_address=party.address, notice_required=notice_required, proposed_by=who.subject,
            proposed_at=now))
        await timers.schedule(uow.session, kind=PENALTY_REVIEW, subject=proposal_id, now=now,
                              due_at=now + timedelta(hours=settings.legal_review_within_hours))
        await audit_decision(uow.session, actor=actor, at=now, action="penalty.propose",
                             case_id=case_id, reason=reason)
        await uow.commit()
    return await proposal_view(runtime, who, case_id)


async def review(runtime: CasesRuntime, who: Principal, case_id: str, body: PenaltyReview) -> ProposalView:
    """The B-post legal review; on approval the penalty notice is issued when R-CASE-5 needs it."""
    settings = settings_of(runtime)
    actor = Actor.staff(who, "reviewer_b")
    async with runtime.uow() as uow:
        now = uow.clock.now()
        row = await staff_case(uow, who, case_id)
        proposal = await live_proposal(uow.session, case_id, ProposalStatus.PROPOSED)
        if proposal is None:
            raise Problem(409, "no-proposal-to-review", "No penalty proposal awaits review",
                          "the handler (officer_a) must submit a penalty proposal first")
        rules.check_separation(submitted_by=proposal.proposed_by, approver=who.subject,
                               what="review")
        approved = body.decision == "approve"
        status = ProposalStatus.APPROVED if approved else ProposalStatus.REJECTED
        await transition(uow.session, case_id=case_id, state=CaseState(row.state),
                         action=CaseAction.REVIEW_PENALTY, actor=actor, at=now,
                         reason=f"legal review {status}: {body.reason}")
        notice_document_id = None
        if approved and proposal.notice_required:
            notice_document_id = await _issue_notice(uow, settings, runtime.cipher, row, proposal,
                                                    actor, now)
        await uow.session.execute(penalty_proposals.update().where(
            penalty_proposals.c.id == proposal.id).values(
            status=status, reviewed_by=who.subject, reviewed_at=now, review_reason=body.reason,
            notice_document_id=notice_document_id))
        await timers.complete(uow.session, kind=PENALTY_REVIEW, subject=proposal.id, now=now)
        await audit_decision(uow.session, actor=actor, at=now, action=f"penalty.review.{body.decision}",
                             case_id=case_id, reason=body.reason)
        await uow.commit()
    return await proposal_view(runtime, who, case_id, proposal_id=proposal.id)


async def _issue_notice(uow: UnitOfWork, settings: CasesSettings, cipher: FieldCipher, case: Row,
                        proposal: Row, actor: Actor, now: datetime) -> str:
    """R-CASE-5: render and issue the penalty notice (行政处罚告知书) once."""
    year = local_year(now)
    number = lifecycle.document_number(settings.notice_number_prefix, year,
                                       await next_number(uow.session, series="notice", year=year))

    def content(document_id: str, verify_url: str) -> DocumentContent:
        return DocumentContent(
            authority=settings.authority_name, title="行政处罚告知书", number=number,
            case_number=case.case_number or "", party=party_of(proposal),
            paragraphs=notice_paragraphs(
                violation=proposal.violation, legal_basis=proposal.legal_basis,
                fine_amount=proposal.fine_amount, measures=list(proposal.measures),
                stop_production=proposal.stop_production,
                notice_period_days=settings.notice_period_days,
                hearing_within_days=settings.hearing_within_days),
            issued_on=now.astimezone(BUREAU_TZ).date(), document_id=document_id,
            verify_url=verify_url)

    issued = await documents.issue(uow, settings, case_id=case.id, kind=DocumentKind.PENALTY_NOTICE,
                                   number=number, recipient=recipient_of(proposal),
                                   issued_by=actor.subject, at=now, content=content)
    await signatures.sign(uow.session, cipher, document_id=issued.document_id,
                          signer=actor.subject, role=actor.role, purpose="legal_review", at=now)
    return issued.document_id


async def held_hearing(session: AsyncSession, case_id: str) -> tuple[Row, str] | None:
    """The case's held hearing and its record's number, for the decision; None if none was asked.
    Raises when a hearing was asked for and not yet held."""
    hearing = (await session.execute(sa.select(hearings).where(
        hearings.c.case_id == case_id))).first()
    if hearing is None:
        return None
    if hearing.record_document_id is None:
        raise Problem(409, "hearing-not-held", "The requested hearing has not been held",
                      f"R-CASE-5: the party asked for a hearing, due by {hearing.hold_by.isoformat()}"
                      "; its record is a basis of the decision", hold_by=hearing.hold_by.isoformat())
    number = (await session.execute(sa.select(documents_table.c.number).where(
        documents_table.c.id == hearing.record_document_id))).scalar_one()
    return hearing, number



# Decision (detachment chief) -----------------------------------------------------------------


async def decide(runtime: CasesRuntime, who: Principal, case_id: str) -> DecisionView:
    """Sign the penalty decision (行政处罚决定书): R-CASE-5 notice period first, then R-CASE-6/8."""
    settings = settings_of(runtime)
    actor = Actor.staff(who, "detachment_chief")
    async with runtime.uow() as uow:
        now = uow.clock.now()
        row = await staff_case(uow, who, case_id)
        state = CaseState(row.state)
        lifecycle.apply(state, CaseAction.DECIDE)  # refuses a decided or closed case at once
        proposal = await live_proposal(uow.session, case_id, ProposalStatus.APPROVED)
        if proposal is None:
            raise Problem(409, "no-approved-proposal", "No approved penalty proposal",
                          "the decision needs a penalty proposal approved by legal review (B post)")
        rules.check_separation(submitted_by=proposal.proposed_by, approver=who.subject,
                               what="sign the decision on")
        notice_served_at = None
        notice_number = None
        if proposal.notice_document_id is not None:
            notice_served_at = await documents.served_at(uow.session, proposal.notice_document_id)
            notice_number = (await uow.session.execute(sa.select(documents_table.c.number).where(
                documents_table.c.id == proposal.notice_document_id))).scalar_one()
        refusal = rules.decision_refusal(
            notice_required=proposal.notice_required, notice_served_at=notice_served_at, now=now,
            period_days=settings.notice_period_days, calendar=runtime.calendar,
            working=settings.counts_working_days(DayDeadline.NOTICE_PERIOD))
        if refusal is not None:
            extra: dict[str, Any] = {}
            if refusal.allowed_from is not None:
                extra["decision_allowed_from"] = refusal.allowed_from.isoformat()
            raise Problem(409, refusal.code, "Too early for the decision (R-CASE-5)",
                          refusal.detail, **extra)

        hearing = await held_hearing(uow.session, case_id)
        year = local_year(now)
        number = lifecycle.document_number(settings.decision_number_prefix, year,
                                           await next_number(uow.session, series="decision",
                                                             year=year))
        publish_by = rules.publish_by(
            now, days=settings.publication_within_days, calendar=runtime.calendar,
            working=settings.counts_working_days(DayDeadline.PUBLICATION))
        served_on = notice_served_at.astimezone(BUREAU_TZ).date() if notice_served_at else None

        def content(document_id: str, verify_url: str) -> DocumentContent:
            return DocumentContent(
                authority=settings.authority_name, title="行政处罚决定书", number=number,
                case_number=row.case_number or "", party=party_of(proposal),
                paragraphs=decision_paragraphs(
                    violation=proposal.violation, legal_basis=proposal.legal_basis,
                    fine_amount=proposal.fine_amount, measures=list(proposal.measures),
                    stop_production=proposal.stop_production, notice_number=notice_number,
                    notice_served_on=served_on, payment_due_days=settings.payment_due_days,
                    daily_rate=settings.late_surcharge_daily_rate,
                    publication_within_days=settings.publication_within_days,
                    hearing=None if hearing is None else hearing_paragraph(
                        record_number=hearing[1],
                        held_on=hearing[0].held_at.astimezone(BUREAU_TZ).date())),
                issued_on=now.astimezone(BUREAU_TZ).date(), document_id=document_id,
                verify_url=verify_url)

        issued = await documents.issue(uow, settings, case_id=case_id,
                                       kind=DocumentKind.PENALTY_DECISION, number=number,
                                       recipient=recipient_of(proposal), issued_by=actor.subject,
                                       at=now, content=content)
        decision_id = new_id()
        await uow.session.execute(penalty_decisions.insert().values(
            id=decision_id, case_id=case_id, proposal_id=proposal.id, decision_number=number,
            document_id=issued.document_id, signed_by=who.subject, decided_at=now,
            publish_by=publish_by, hearing_id=None if hearing is None else hearing[0].id))
        await signatures.sign(uow.session, runtime.cipher, document_id=issued.document_id,
                              signer=who.subject, role=actor.role, purpose="decision", at=now)
        reason = f"penalty decision {number} signed: fine {yuan(proposal.fine_amount)}"
        await transition(uow.session, case_id=case_id, state=state, action=CaseAction.DECIDE,
                         actor=actor, at=now, reason=reason)
        await uow.session.execute(cases.update().where(cases.c.id == case_id)
                                  .values(decided_at=now, updated_at=now))
        await timers.complete(uow.session, kind=NOTICE_PERIOD, subject=case_id, now=now)
        await timers.schedule(uow.session, kind=PUBLICATION_DUE, subject=case_id, now=now,
                              due_at=rules.end_of_local_day(publish_by),
                              payload={"decision_number": number, "publish_by": publish_by.isoformat()})
        await audit_decision(uow.session, actor=actor, at=now, action="penalty.decision.sign",
                             case_id=case_id, reason=reason)
        await uow.emit(PenaltyDecided(
            case_id=case_id, decision_id=decision_id, decision_number=number,
            employer=recipient_of(proposal), district=row.district, violation=proposal.violation,
            legal_basis=proposal.legal_basis, fine_amount=proposal.fine_amount,
            measures=list(proposal.measures), authority=settings.authority_name, decided_at=now,
            publish_by=publish_by, worker_count=row.worker_count,
            arrears_amount=row.arrears_amount), subject=case_id)
        await uow.commit()
    return await decision_view(runtime, who, case_id)


# Reactions to notify and publish ----------------------------------------------------------------


async def on_document_served(uow: UnitOfWork, settings: CasesSettings, calendar: Calendar,
                             event: Envelope, data: DocumentServed) -> None:
    """R-DLV-3: record the proven time of service; the legal clocks start there."""
    document = await documents.document_row(uow.session, data.document_id)
    if document is None:
        log.info("served document %s is not one of ours; ignored", data.document_id)
        return
    if document.case_id != data.case_id:
        raise Rejected(f"document {data.document_id} belongs to case {document.case_id}, "
                       f"not {data.case_id}")
    case = await lock_case(uow.session, document.case_id)
    now = uow.clock.now()
    if not await documents.record_service(uow.session, data, event_id=event.id, now=now):
        log.info("service of document %s already recorded", data.document_id)
        return
    actor = Actor.service(event.source)
    state = CaseState(case.state)
    if document.kind == DocumentKind.PENALTY_NOTICE:
        await _notice_served(uow, settings, calendar, case, state, data, actor, now)
    elif document.kind == DocumentKind.PENALTY_DECISION:
        await _decision_served(uow, settings, calendar, case, state, data, actor, now)


async def _notice_served(uow: UnitOfWork, settings: CasesSettings, calendar: Calendar, case: Row,
                         state: CaseState, data: DocumentServed, actor: Actor, now: datetime) -> None:
    """R-CASE-5: the notice period runs from the notice's proven service."""
    ends = rules.notice_period_end(
        data.served_at, days=settings.notice_period_days, calendar=calendar,
        working=settings.counts_working_days(DayDeadline.NOTICE_PERIOD))
    await uow.session.execute(cases.update().where(cases.c.id == case.id)
                              .values(notice_period_ends_at=ends, updated_at=now))
    await timers.schedule(uow.session, kind=NOTICE_PERIOD, subject=case.id, due_at=ends, now=now,
                          payload={"document_id": data.document_id})
    if lifecycle.can(state, CaseAction.SERVE_NOTICE):
        await transition(uow.session, case_id=case.id, state=state, action=CaseAction.SERVE_NOTICE,
                         actor=actor, at=now,
                         reason=f"penalty notice served by {data.channel} at "
                                f"{data.served_at.isoformat()}; decision possible from "
                                f"{ends.isoformat()}")
    else:
        log.warning("case %s in state %s: notice service recorded without transition", case.id, state)


async def _decision_served(uow: UnitOfWork, settings: CasesSettings, calendar: Calendar, case: Row,
                           state: CaseState, data: DocumentServed, actor: Actor,
                           now: datetime) -> None:
    """R-CASE-6 with R-DLV-3: the fine falls due 15 days after the decision's proven service."""
    due = rules.payment_due_at(data.served_at, days=settings.payment_due_days, calendar=calendar,
                               working=settings.counts_working_days(DayDeadline.PAYMENT))
    decision = (await uow.session.execute(sa.select(penalty_decisions).where(
        penalty_decisions.c.case_id == case.id))).one()
    await uow.session.execute(penalty_decisions.update().where(
        penalty_decisions.c.id == decision.id).values(served_at=data.served_at, payment_due_at=due))
    await uow.session.execute(cases.update().where(cases.c.id == case.id)
                              .values(payment_due_at=due, updated_at=now))
    proposal = (await uow.session.execute(sa.select(penalty_proposals.c.fine_amount).where(
        penalty_proposals.c.id == decision.proposal_id))).one()
    await timers.schedule(uow.session, kind=PAYMENT_DUE, subject=case.id, due_at=due, now=now,
                          payload={"decision_number": decision.decision_number,
                                   "fine_amount": str(proposal.fine_amount)})
    if not lifecycle.can(state, CaseAction.SERVE_DECISION):
        log.warning("case %s in state %s: decision service recorded without transition", case.id, state)
        return
    state = await transition(uow.session, case_id=case.id, state=state,
                             action=CaseAction.SERVE_DECISION, actor=actor, at=now,
                             reason=f"penalty decision served by {data.channel} at "
                                    f"{data.served_at.isoformat()}; fine due by {due.isoformat()}")
    if case.published_at is not None and lifecycle.can(state, CaseAction.PUBLISH):
        await transition(uow.session, case_id=case.id, state=state, action=CaseAction.PUBLISH,
                         actor=actor, at=now,
                         reason=f"result already public since {case.published_at.isoformat()}")


async def on_disclosure_published(uow: UnitOfWork, event: Envelope, data: DisclosurePublished) -> None:
    """R-CASE-8: the result is public; meet the publication deadline."""
    case = (await uow.session.execute(sa.select(cases).where(cases.c.id == data.case_id)
                                      .with_for_update())).first()
    if case is None:
        log.info("disclosure %s is about no case of ours (%s); ignored", data.disclosure_id,
                 data.case_id)
        return
    if case.published_at is not None:
        log.info("case %s already published; disclosure %s noted only", case.id, data.disclosure_id)
        return
    now = uow.clock.now()
    await uow.session.execute(cases.update().where(cases.c.id == case.id)
                              .values(published_at=data.published_at, updated_at=now))
    await uow.session.execute(penalty_decisions.update().where(
        penalty_decisions.c.case_id == case.id, penalty_decisions.c.published_at.is_(None))
        .values(published_at=data.published_at, disclosure_id=data.disclosure_id))
    await timers.complete(uow.session, kind=PUBLICATION_DUE, subject=case.id, now=now)
    state = CaseState(case.state)
    if lifecycle.can(state, CaseAction.PUBLISH):
        await transition(uow.session, case_id=case.id, state=state, action=CaseAction.PUBLISH,
                         actor=Actor.service(event.source), at=now,
                         reason=f"disclosure {data.disclosure_id} ({data.category}) published at "
                                f"{data.published_at.isoformat()}")


# Queries ---------------------------------------------------------------------------------------


async def proposal_view(runtime: Runtime, who: Principal, case_id: str,
                        proposal_id: str | None = None) -> ProposalView:
    """The given proposal, or the case's latest one."""
    async with runtime.engine.connect() as conn:
        await readable_case(conn, who, case_id)
        query = sa.select(penalty_proposals).where(penalty_proposals.c.case_id == case_id)
        if proposal_id is not None:
            query = query.where(penalty_proposals.c.id == proposal_id)
        p = (await conn.execute(query.order_by(penalty_proposals.c.proposed_at.desc())
                                .limit(1))).first()
    if p is None:
        raise Problem(404, "not-found", "No penalty proposal", "no penalty was proposed in this case")
    return ProposalView(
        proposal_id=p.id, case_id=p.case_id, status=p.status, violation=p.violation,
        legal_basis=p.legal_basis, fine_amount=p.fine_amount, measures=list(p.measures),
        stop_production=p.stop_production,
        party=PartyView(name=p.party_name, credit_code=p.party_credit_code,
                        legal_representative=p.party_legal_representative, email=p.party_email,
                        address=p.party_address),
        notice_required=p.notice_required, proposed_by=p.proposed_by, proposed_at=p.proposed_at,
        reviewed_by=p.reviewed_by, reviewed_at=p.reviewed_at, review_reason=p.review_reason,
        notice_document_id=p.notice_document_id)


async def decision_view(runtime: Runtime, who: Principal, case_id: str) -> DecisionView:
    async with runtime.engine.connect() as conn:
        await readable_case(conn, who, case_id)
        d = (await conn.execute(
            sa.select(penalty_decisions, documents_table.c.verify_url, documents_table.c.sha256,
                      penalty_proposals.c.fine_amount)
            .select_from(penalty_decisions
                         .join(documents_table,
                               documents_table.c.id == penalty_decisions.c.document_id)
                         .join(penalty_proposals,
                               penalty_proposals.c.id == penalty_decisions.c.proposal_id))
            .where(penalty_decisions.c.case_id == case_id))).first()
    if d is None:
        raise Problem(404, "not-found", "No penalty decision", "no decision was signed in this case")
    return DecisionView(
        decision_id=d.id, case_id=d.case_id, decision_number=d.decision_number,
        document_id=d.document_id, verify_url=d.verify_url, sha256=d.sha256,
        fine_amount=d.fine_amount, signed_by=d.signed_by, decided_at=d.decided_at,
        publish_by=d.publish_by, served_at=d.served_at, payment_due_at=d.payment_due_at,
        published_at=d.published_at)
