"""The case file's penalty procedure: proposal and legal review, the notice (R-CASE-5), the
hearing, the decision with its credit-repair notice (R-CASE-6), their proven service and the
publication (R-CASE-8)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from labor_contracts.cases import PenaltyDecided
from labor_contracts.common import DocumentKind, EmployerRef
from labor_contracts.identifiers import new_id
from labor_runtime.clock import BUREAU_TZ
from labor_runtime.problems import Problem

from cases.casefile.base import (
    HEARING_DUE,
    HEARING_RECORD_KIND,
    NOTICE_PERIOD,
    PAYMENT_DUE,
    PENALTY_REVIEW,
    PUBLICATION_DUE,
    Actor,
    Announced,
    CaseFileBase,
    Decision,
    Desk,
    DocumentRef,
    Draft,
    Hearing,
    Proposal,
)
from cases.documents.wording import (
    credit_repair_notice_paragraphs,
    decision_paragraphs,
    hearing_paragraph,
    notice_paragraphs,
    yuan,
)
from cases.lifecycle import rules as lifecycle
from cases.lifecycle.rules import CaseAction
from cases.penalty import rules as penalty
from cases.penalty.rules import ProposalStatus
from cases.settings import DayDeadline

log = logging.getLogger(__name__)


class PenaltyProcedure(CaseFileBase):
    """The penalty procedure of a case file, from proposal to publication."""

    # Penalty proposal and legal review (A and B posts) ------------------------------------------

    def propose(self, desk: Desk, actor: Actor, *, violation: str, legal_basis: str,
                fine_amount: Decimal, measures: list[str], stop_production: bool,
                party: EmployerRef) -> Proposal:
        """The handler submits findings and a proposed penalty for legal review (2 hours)."""
        for status in (ProposalStatus.PROPOSED, ProposalStatus.APPROVED):
            if self.proposal_in(status) is not None:
                raise Problem(409, f"proposal-{status}", f"A penalty proposal is already {status}",
                              "a case has one live proposal; a new one may follow a rejection")
        settings, now = desk.settings, desk.now
        notice_required = penalty.needs_notice(fine_amount=fine_amount,
                                               stop_production=stop_production,
                                               threshold=settings.notice_fine_threshold)
        reason = f"penalty proposed: fine {yuan(fine_amount)}"
        if notice_required:
            reason += " (R-CASE-5: penalty notice required before the decision)"
        self._step(CaseAction.PROPOSE_PENALTY, actor, now, reason)
        proposal = Proposal(
            id=new_id(), status=ProposalStatus.PROPOSED, violation=violation,
            legal_basis=legal_basis, fine_amount=fine_amount, measures=list(measures),
            stop_production=stop_production, party_name=party.name,
            party_credit_code=party.credit_code,
            party_legal_representative=party.legal_representative, party_email=party.email,
            party_address=party.address, notice_required=notice_required,
            proposed_by=actor.subject, proposed_at=now)
        self.proposals.append(proposal)
        self._deadline(PENALTY_REVIEW, now + timedelta(hours=settings.legal_review_within_hours),
                       {}, subject=proposal.id)
        self._audit("penalty.propose", actor, now, reason)
        return proposal

    async def review(self, desk: Desk, actor: Actor, *, approve: bool, reason: str) -> Proposal:
        """The B-post legal review; on approval the penalty notice is issued when R-CASE-5
        needs it."""
        proposal = self.proposal_in(ProposalStatus.PROPOSED)
        if proposal is None:
            raise Problem(409, "no-proposal-to-review", "No penalty proposal awaits review",
                          "the handler (officer_a) must submit a penalty proposal first")
        penalty.check_separation(submitted_by=proposal.proposed_by, approver=actor.subject,
                                 what="review")
        now = desk.now
        status = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
        self._step(CaseAction.REVIEW_PENALTY, actor, now, f"legal review {status}: {reason}")
        if approve and proposal.notice_required:
            proposal.notice_document_id = (await self._issue_notice(desk, proposal, actor)).id
        proposal.status = status
        proposal.reviewed_by, proposal.reviewed_at, proposal.review_reason = actor.subject, now, reason
        self._met(PENALTY_REVIEW, subject=proposal.id)
        self._audit(f"penalty.review.{'approve' if approve else 'reject'}", actor, now, reason)
        return proposal

    async def _issue_notice(self, desk: Desk, proposal: Proposal, actor: Actor) -> DocumentRef:
        """R-CASE-5: the penalty notice (行政处罚告知书), signed by the legal reviewer."""
        settings, now = desk.settings, desk.now
        number = await desk.clerk.number("notice", settings.notice_number_prefix, now)
        return self._document(await desk.clerk.file(Draft(
            case_id=self.id, kind=DocumentKind.PENALTY_NOTICE, number=number, title="行政处罚告知书",
            recipient=proposal.recipient, issued_by=actor.subject, at=now,
            case_number=self.case_number or "", party=proposal.party,
            paragraphs=tuple(notice_paragraphs(
                **proposal.charges, notice_period_days=settings.notice_period_days,
                hearing_within_days=settings.hearing_within_days)),
            serve=True, district=self.district, signer=actor, purpose="legal_review")))

    # Notice served and hearing (R-CASE-5) ---------------------------------------------------------

    def notice_served(self, desk: Desk, actor: Actor, *, document_id: str, channel: str,
                      served_at: datetime) -> None:
        """R-CASE-5: the notice period runs from the notice's proven service."""
        self._served(document_id, served_at)
        ends = penalty.notice_period_end(
            served_at, days=desk.settings.notice_period_days, calendar=desk.calendar,
            working=desk.working(DayDeadline.NOTICE_PERIOD))
        self.notice_period_ends_at = ends
        self._deadline(NOTICE_PERIOD, ends, {"document_id": document_id})
        if not lifecycle.can(self.state, CaseAction.SERVE_NOTICE):
            log.warning("case %s in state %s: notice service recorded without transition",
                        self.id, self.state)
            return
        self._step(CaseAction.SERVE_NOTICE, actor, desk.now,
                   f"penalty notice served by {channel} at {served_at.isoformat()}; decision "
                   f"possible from {ends.isoformat()}")

    def request_hearing(self, desk: Desk, actor: Actor, *, requested_at: datetime | None,
                        note: str) -> Hearing:
        """Record the party's request after the notice; the hearing is due within 7 days."""
        now = desk.now
        requested_at = requested_at or now
        if requested_at > now:
            raise Problem(422, "requested-in-future", "The request time is in the future",
                          f"requested_at {requested_at.isoformat()} is after now")
        lifecycle.apply(self.state, CaseAction.REQUEST_HEARING)
        refusal = penalty.hearing_request_refusal(
            notice_period_ends_at=self.notice_period_ends_at, now=requested_at)
        if refusal is not None:
            raise Problem(409, "hearing-request-late", "Too late to ask for a hearing", refusal)
        hold_by = penalty.hearing_hold_by(
            requested_at, days=desk.settings.hearing_within_days, calendar=desk.calendar,
            working=desk.working(DayDeadline.HEARING))
        self.hearing = Hearing(id=new_id(), requested_at=requested_at, requested_by=actor.subject,
                               request_note=note, hold_by=hold_by)
        self._step(CaseAction.REQUEST_HEARING, actor, now,
                   f"the party asked for a hearing at {requested_at.isoformat()}; to be held by "
                   f"{hold_by.isoformat()} (R-CASE-5)")
        self._deadline(HEARING_DUE, hold_by, {"hearing_id": self.hearing.id})
        self._audit("hearing.request", actor, now, note or "hearing requested")
        return self.hearing

    async def record_hearing(self, desk: Desk, actor: Actor, *, held_at: datetime,
                             presiding: str, participants: list[str], record: str) -> Hearing:
        """Store the hearing's record as a signed document; the decision will cite it."""
        now = desk.now
        lifecycle.apply(self.state, CaseAction.RECORD_HEARING)
        hearing = self.hearing
        assert hearing is not None  # the state `hearing` is reached by requesting one
        if hearing.record_document_id is not None:
            raise Problem(409, "hearing-recorded", "The hearing's record is already stored",
                          "a stored record is never replaced")
        if not hearing.requested_at <= held_at <= now:
            raise Problem(422, "held-at-out-of-range", "Impossible hearing time",
                          "held_at lies between the request and now")
        number = await desk.clerk.number(
            "hearing_record", desk.settings.hearing_record_number_prefix, held_at)
        document = self._document(await desk.clerk.file(Draft(
            case_id=self.id, kind=HEARING_RECORD_KIND, number=number, title="听证笔录",
            recipient=None, issued_by=actor.subject, at=now,
            case_number=self.case_number or "", signer=actor, purpose="hearing_record",
            form={"form": "听证笔录", "number": number, "case_id": self.id,
                  "case_number": self.case_number, "held_at": held_at.isoformat(),
                  "presiding": presiding, "participants": participants, "record": record,
                  "recorded_by": actor.subject})))
        hearing.held_at, hearing.record_document_id = held_at, document.id
        in_time = now < hearing.hold_by
        self._met(HEARING_DUE)
        late = ("" if held_at <= hearing.hold_by else
                f" (held after the {desk.settings.hearing_within_days}-day deadline)")
        self._step(CaseAction.RECORD_HEARING, actor, now,
                   f"hearing held at {held_at.isoformat()}, record {number}{late}")
        self._audit("hearing.record", actor, now, f"record {number}; in time: {in_time}")
        return hearing

    def _held_hearing(self) -> tuple[Hearing, str] | None:
        """The held hearing and its record's number, for the decision; None if none was asked.
        Raises when a hearing was asked for and not yet held."""
        hearing = self.hearing
        if hearing is None:
            return None
        if hearing.record_document_id is None:
            raise Problem(409, "hearing-not-held", "The requested hearing has not been held",
                          f"R-CASE-5: the party asked for a hearing, due by "
                          f"{hearing.hold_by.isoformat()}; its record is a basis of the decision",
                          hold_by=hearing.hold_by.isoformat())
        return hearing, self._number_of(hearing.record_document_id)

    # Decision (detachment chief) ----------------------------------------------------------------

    async def decide(self, desk: Desk, actor: Actor) -> Decision:
        """Sign the penalty decision (行政处罚决定书): R-CASE-5 notice period first, then
        R-CASE-6 and R-CASE-8."""
        settings, now = desk.settings, desk.now
        lifecycle.apply(self.state, CaseAction.DECIDE)  # refuses a decided or closed case at once
        proposal = self.proposal_in(ProposalStatus.APPROVED)
        if proposal is None:
            raise Problem(409, "no-approved-proposal", "No approved penalty proposal",
                          "the decision needs a penalty proposal approved by legal review (B post)")
        penalty.check_separation(submitted_by=proposal.proposed_by, approver=actor.subject,
                                 what="sign the decision on")
        notice_served_at = self._served_at(proposal.notice_document_id)
        refusal = penalty.decision_refusal(
            notice_required=proposal.notice_required, notice_served_at=notice_served_at, now=now,
            period_days=settings.notice_period_days, calendar=desk.calendar,
            working=desk.working(DayDeadline.NOTICE_PERIOD))
        if refusal is not None:
            extra: dict[str, Any] = {}
            if refusal.allowed_from is not None:
                extra["decision_allowed_from"] = refusal.allowed_from.isoformat()
            raise Problem(409, refusal.code, "Too early for the decision (R-CASE-5)",
                          refusal.detail, **extra)
        hearing = self._held_hearing()
        number = await desk.clerk.number("decision", settings.decision_number_prefix, now)
        publish_by = penalty.publish_by(now, days=settings.publication_within_days,
                                        calendar=desk.calendar,
                                        working=desk.working(DayDeadline.PUBLICATION))
        document = self._document(await desk.clerk.file(Draft(
            case_id=self.id, kind=DocumentKind.PENALTY_DECISION, number=number, title="行政处罚决定书",
            recipient=proposal.recipient, issued_by=actor.subject, at=now,
            case_number=self.case_number or "", party=proposal.party,
            paragraphs=tuple(decision_paragraphs(
                **proposal.charges,
                notice_number=(self._number_of(proposal.notice_document_id)
                               if proposal.notice_document_id is not None else None),
                notice_served_on=(notice_served_at.astimezone(BUREAU_TZ).date()
                                  if notice_served_at else None),
                payment_due_days=settings.payment_due_days,
                daily_rate=settings.late_surcharge_daily_rate,
                publication_within_days=settings.publication_within_days,
                hearing=None if hearing is None or hearing[0].held_at is None else hearing_paragraph(
                    record_number=hearing[1],
                    held_on=hearing[0].held_at.astimezone(BUREAU_TZ).date()))),
            serve=True, district=self.district, signer=actor, purpose="decision")))
        repair_notice = await self._issue_credit_repair_notice(desk, proposal, actor, number)
        self.decision = Decision(
            id=new_id(), proposal_id=proposal.id, decision_number=number,
            document_id=document.id, signed_by=actor.subject, decided_at=now,
            publish_by=publish_by, hearing_id=None if hearing is None else hearing[0].id)
        reason = (f"penalty decision {number} signed: fine {yuan(proposal.fine_amount)}; "
                  f"credit-repair notice {repair_notice.number} issued with it for service")
        self._step(CaseAction.DECIDE, actor, now, reason)
        self.decided_at = now
        self._met(NOTICE_PERIOD)
        self._deadline(PUBLICATION_DUE, penalty.end_of_local_day(publish_by),
                       {"decision_number": number, "publish_by": publish_by.isoformat()})
        self._audit("penalty.decision.sign", actor, now, reason)
        self.records.append(Announced(PenaltyDecided(
            case_id=self.id, decision_id=self.decision.id, decision_number=number,
            employer=proposal.recipient, district=self.district, violation=proposal.violation,
            legal_basis=proposal.legal_basis, fine_amount=proposal.fine_amount,
            measures=list(proposal.measures), authority=settings.authority_name, decided_at=now,
            publish_by=publish_by, worker_count=self.worker_count,
            arrears_amount=self.arrears_amount)))
        return self.decision

    async def _issue_credit_repair_notice(self, desk: Desk, proposal: Proposal, actor: Actor,
                                          decision_number: str) -> DocumentRef:
        """R-CASE-6: the credit-repair notice (信用修复告知书), signed with the decision and served
        with it: the minimum publicity period and R-CRD-5's repair conditions."""
        settings, now = desk.settings, desk.now
        number = await desk.clerk.number(
            "credit_repair_notice", settings.credit_repair_notice_number_prefix, now)
        return self._document(await desk.clerk.file(Draft(
            case_id=self.id, kind=DocumentKind.CREDIT_REPAIR_NOTICE, number=number,
            title="信用修复告知书", recipient=proposal.recipient, issued_by=actor.subject, at=now,
            case_number=self.case_number or "", party=proposal.party,
            paragraphs=tuple(credit_repair_notice_paragraphs(
                decision_number=decision_number,
                min_publicity_years=settings.credit_repair_min_publicity_years,
                public_notice_days=settings.credit_repair_public_notice_days)),
            serve=True, district=self.district, signer=actor, purpose="credit_repair_notice")))

    def decision_served(self, desk: Desk, actor: Actor, *, document_id: str, channel: str,
                        served_at: datetime) -> None:
        """R-CASE-6 with R-DLV-3: the fine falls due 15 days after the decision's proven
        service."""
        self._served(document_id, served_at)
        decision = self.decision
        assert decision is not None  # the decision document is served after it is signed
        due = penalty.payment_due_at(served_at, days=desk.settings.payment_due_days,
                                     calendar=desk.calendar,
                                     working=desk.working(DayDeadline.PAYMENT))
        decision.served_at, decision.payment_due_at = served_at, due
        self.payment_due_at = due
        self._deadline(PAYMENT_DUE, due, {
            "decision_number": decision.decision_number,
            "fine_amount": str(self.proposal_of(decision).fine_amount)})
        if not lifecycle.can(self.state, CaseAction.SERVE_DECISION):
            log.warning("case %s in state %s: decision service recorded without transition",
                        self.id, self.state)
            return
        self._step(CaseAction.SERVE_DECISION, actor, desk.now,
                   f"penalty decision served by {channel} at {served_at.isoformat()}; fine due by "
                   f"{due.isoformat()}")
        if self.published_at is not None and lifecycle.can(self.state, CaseAction.PUBLISH):
            self._step(CaseAction.PUBLISH, actor, desk.now,
                       f"result already public since {self.published_at.isoformat()}")

    # Publication (R-CASE-8) -----------------------------------------------------------------------

    def published(self, desk: Desk, actor: Actor, *, disclosure_id: str, category: str,
                  published_at: datetime) -> bool:
        """The result is public: the publication deadline is met. False when it already was."""
        if self.published_at is not None:
            return False
        self.published_at = published_at
        if self.decision is not None and self.decision.published_at is None:
            self.decision.published_at, self.decision.disclosure_id = published_at, disclosure_id
        self._met(PUBLICATION_DUE)
        if lifecycle.can(self.state, CaseAction.PUBLISH):
            self._step(CaseAction.PUBLISH, actor, desk.now,
                       f"disclosure {disclosure_id} ({category}) published at "
                       f"{published_at.isoformat()}")
        return True
