"""The case file (案卷): a case with everything its procedure decides on, and the procedure's
commands. Each command checks the transition table (R-CASE-1) and the rules, changes the file
and records what follows from it (timeline steps, audit entries, deadlines, events); a repository
loads and saves the file, and the unit of work turns the records into rows at commit. No I/O but
the clerk's, which numbers, renders, signs and files documents.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from labor_contracts.cases import CaseClosed, CaseNotRegistered, CaseRegistered, PenaltyDecided
from labor_contracts.common import DocumentKind, EmployerRef
from labor_contracts.events import EventData
from labor_contracts.identifiers import new_id
from labor_contracts.intake import ComplaintAccepted
from labor_runtime.clock import BUREAU_TZ, Calendar
from labor_runtime.problems import Problem
from labor_runtime.security import Principal

from cases.documents.render import Party
from cases.documents.rules import FilingKind
from cases.documents.wording import (
    court_application_paragraphs,
    decision_paragraphs,
    hearing_paragraph,
    notice_paragraphs,
    rectification_order_paragraphs,
    reminder_paragraphs,
    yuan,
)
from cases.execution import rules as execution
from cases.lifecycle import rules as lifecycle
from cases.lifecycle.rules import CaseAction, CaseState, RegistrationFormStatus
from cases.penalty import rules as penalty
from cases.penalty.rules import ProposalStatus
from cases.rectification import rules as rectification
from cases.rectification.rules import OrderStatus
from cases.settings import CasesSettings, DayDeadline

log = logging.getLogger(__name__)

SYSTEM_ROLE = "system"
# Deadline kinds (stored timers) the procedure starts and meets.
REGISTRATION_REVIEW = "cases.registration_review"  # R-CASE-2 B's legal review of the form
PENALTY_REVIEW = "cases.penalty_review"
NOTICE_PERIOD = "cases.notice_period"
PUBLICATION_DUE = "cases.publication_due"
PAYMENT_DUE = "cases.payment_due"
HEARING_DUE = "cases.hearing_due"
COURT_ENFORCEMENT = "cases.court_enforcement"
RECTIFICATION_DUE = "cases.rectification_due"
HEARING_RECORD_KIND = "hearing_record"
REGISTRATION_FORM_KIND = "registration_form"


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


# What a command records; the repository writes it at save --------------------------------------


@dataclass(frozen=True)
class Step:
    """A step on the case's timeline (R-CASE-1); `from_state == to_state` for a note."""

    action: str
    from_state: CaseState | None  # None: the case's first step
    to_state: CaseState
    actor: Actor
    at: datetime
    reason: str


@dataclass(frozen=True)
class Audited:
    """R-OVS-2: a decision for the hash-chained audit log."""

    action: str
    actor: Actor
    at: datetime
    reason: str


@dataclass(frozen=True)
class DeadlineStarted:
    """A stored timer starts (or an open one of the same kind and subject moves)."""

    kind: str
    subject: str
    due_at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class DeadlineMet:
    kind: str
    subject: str


@dataclass(frozen=True)
class DeadlineCancelled:
    kind: str
    subject: str


@dataclass(frozen=True)
class Registered:
    """The case is registered (立案): it takes its number as the transaction commits, and intake
    is told then (CaseRegistered)."""

    at: datetime
    immediate: bool
    reason: str


@dataclass(frozen=True)
class Announced:
    """An event for the other services, published once the transaction commits."""

    data: EventData


Record = (Step | Audited | DeadlineStarted | DeadlineMet | DeadlineCancelled | Registered
          | Announced)


# Documents: what the procedure drafts, and the clerk who files it ----------------------------------


@dataclass(frozen=True)
class DocumentRef:
    """A document of the case as the procedure cites it: its number and proven time of service."""

    id: str
    number: str
    served_at: datetime | None = None


@dataclass(frozen=True)
class Draft:
    """A document the procedure issues: its wording and who it goes to. A PDF with its QR code
    unless `form` is given (an internal record kept as canonical JSON)."""

    case_id: str
    kind: str
    number: str
    title: str
    recipient: EmployerRef | None  # None: an internal record, served on nobody
    issued_by: str
    at: datetime
    case_number: str
    party: Party | None = None
    paragraphs: tuple[str, ...] = ()
    addressee: str | None = None
    party_label: str = "当事人"
    serve: bool = False  # notify serves it electronically (DocumentIssued)
    signer: Actor | None = None
    purpose: str = ""
    form: dict[str, Any] | None = None


class Clerk(Protocol):
    """Numbers documents (文号, gap-free per series and year) and files them: rendered, stored
    with their hash and QR verify link, signed, and served when the draft says so."""

    async def number(self, series: str, prefix: str, at: datetime) -> str: ...

    async def file(self, draft: Draft) -> DocumentRef: ...

    async def sign(self, document_id: str, signer: Actor, purpose: str, at: datetime) -> None:
        """Sign a filed document's stored bytes as they are now (a form each step signs)."""


@dataclass(frozen=True)
class Desk:
    """What a command works with besides the case file: the rules' settings, the calendar, the
    clerk, and the time it happens."""

    settings: CasesSettings
    calendar: Calendar
    clerk: Clerk
    now: datetime

    def local_date(self, moment: datetime) -> date:
        return self.calendar.local_date(moment)

    def working(self, deadline: DayDeadline) -> bool:
        return self.settings.counts_working_days(deadline)


# The parts of a case file (each mirrors its table's columns) ----------------------------------------


@dataclass
class CaseComplaint:
    """A complaint the case came from (one case per complaint; several join one case, 并案)."""

    complaint_id: str
    channel: str
    received_at: datetime


@dataclass
class RegistrationForm:
    """A's registration form (立案审批表), B's legal review and the brigade chief's answer
    (R-CASE-2); its bytes are a stored record every step signs."""

    id: str
    status: str
    document_id: str
    facts: str
    employer: dict[str, object]
    workers: list[dict[str, object]]
    amount: Decimal
    submitted_by: str
    submitted_at: datetime
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    review_reason: str | None = None

    @property
    def live(self) -> bool:
        return self.status in (RegistrationFormStatus.SUBMITTED, RegistrationFormStatus.APPROVED)


@dataclass
class Proposal:
    """A handler's proposed penalty and its legal review (法制审核)."""

    id: str
    status: str
    violation: str
    legal_basis: str
    fine_amount: Decimal
    measures: list[str]
    stop_production: bool
    party_name: str
    party_credit_code: str | None
    party_legal_representative: str | None
    party_email: str | None
    party_address: str | None
    notice_required: bool
    proposed_by: str
    proposed_at: datetime
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    review_reason: str | None = None
    notice_document_id: str | None = None

    @property
    def recipient(self) -> EmployerRef:
        return EmployerRef(credit_code=self.party_credit_code, name=self.party_name,
                           address=self.party_address,
                           legal_representative=self.party_legal_representative,
                           email=self.party_email)

    @property
    def party(self) -> Party:
        return Party(name=self.party_name, credit_code=self.party_credit_code,
                     legal_representative=self.party_legal_representative,
                     address=self.party_address)


@dataclass
class Hearing:
    """The party's request for a hearing (听证) and, once held, its record."""

    id: str
    requested_at: datetime
    requested_by: str
    request_note: str
    hold_by: datetime
    held_at: datetime | None = None
    record_document_id: str | None = None


@dataclass
class Decision:
    """The signed penalty decision (行政处罚决定书) and the deadlines it started."""

    id: str
    proposal_id: str
    decision_number: str
    document_id: str
    signed_by: str
    decided_at: datetime
    publish_by: date
    hearing_id: str | None = None
    served_at: datetime | None = None
    payment_due_at: datetime | None = None
    published_at: datetime | None = None
    disclosure_id: str | None = None
    reminder_document_id: str | None = None
    paid_in_full_at: datetime | None = None
    court_enforcement_at: datetime | None = None
    court_application_document_id: str | None = None


@dataclass
class Payment:
    """A payment into the fiscal account (财政专户); `reference` is the bank's transaction id."""

    reference: str
    decision_number: str
    amount: Decimal
    paid_on: date
    payer: str
    imported_by: str
    imported_at: datetime


@dataclass
class RectificationOrder:
    """An order to rectify within a time limit (限期整改指令书) and its outcome."""

    id: str
    number: str
    document_id: str
    items: list[str]
    wages_to_pay: Decimal | None
    status: str
    ordered_by: str
    ordered_at: datetime
    due_at: datetime
    lapsed_at: datetime | None = None
    complied_at: datetime | None = None
    compliance_note: str | None = None
    evidence_ids: list[str] = field(default_factory=list)
    recorded_by: str | None = None


# The aggregate --------------------------------------------------------------------------------------


@dataclass
class CaseFile:
    """A case (案件) with its complaints, proposals, decision, hearing, orders and payments.

    The root's fields mirror the `cases` row; `documents` holds the numbers and times of service
    of the documents its parts cite; `records` what the commands since loading recorded.
    """

    id: str
    state: CaseState
    district: str | None
    employer_name: str
    employer_credit_code: str | None
    employer_address: str | None
    worker_count: int
    arrears_amount: Decimal
    summary: str
    suspected_crime: bool = False
    mass_incident: bool = False
    employer_key: str | None = None
    immediate_registration: bool = False
    opened_at: datetime | None = None
    case_number: str | None = None
    registered_at: datetime | None = None
    notice_period_ends_at: datetime | None = None
    decided_at: datetime | None = None
    payment_due_at: datetime | None = None
    published_at: datetime | None = None
    traceparent: str | None = None
    complaints: list[CaseComplaint] = field(default_factory=list)
    evidence_ids: set[str] = field(default_factory=set)
    forms: list[RegistrationForm] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    hearing: Hearing | None = None
    decision: Decision | None = None
    payments: list[Payment] = field(default_factory=list)
    orders: list[RectificationOrder] = field(default_factory=list)
    documents: dict[str, DocumentRef] = field(default_factory=dict)
    records: list[Record] = field(default_factory=list)

    # Recording ------------------------------------------------------------------------------

    def _step(self, action: CaseAction, actor: Actor, at: datetime, reason: str) -> CaseState:
        """Apply `action` (R-CASE-1) and record it on the timeline; raises IllegalTransition."""
        before = self.state
        self.state = lifecycle.apply(before, action)
        self.records.append(Step(action, before, self.state, actor, at, reason))
        return self.state

    def _note(self, action: str, actor: Actor, at: datetime, reason: str) -> None:
        """A step on the timeline that does not change the state."""
        self.records.append(Step(action, self.state, self.state, actor, at, reason))

    def _audit(self, action: str, actor: Actor, at: datetime, reason: str) -> None:
        self.records.append(Audited(action, actor, at, reason))

    def _deadline(self, kind: str, due_at: datetime, payload: dict[str, Any],
                  subject: str | None = None) -> None:
        self.records.append(DeadlineStarted(kind, subject or self.id, due_at, payload))

    def _met(self, kind: str, subject: str | None = None) -> None:
        self.records.append(DeadlineMet(kind, subject or self.id))

    def _document(self, ref: DocumentRef) -> DocumentRef:
        self.documents[ref.id] = ref
        return ref

    def _served_at(self, document_id: str | None) -> datetime | None:
        ref = self.documents.get(document_id) if document_id is not None else None
        return ref.served_at if ref is not None else None

    def _number_of(self, document_id: str) -> str:
        return self.documents[document_id].number

    @property
    def complaint_ids(self) -> list[str]:
        """The case's complaints, in the order they were received."""
        return [c.complaint_id for c in sorted(self.complaints, key=lambda c: c.received_at)]

    @property
    def employer(self) -> EmployerRef:
        return EmployerRef(name=self.employer_name, credit_code=self.employer_credit_code,
                           address=self.employer_address)

    # Queries the rules ask ------------------------------------------------------------------

    def proposal_in(self, *statuses: ProposalStatus) -> Proposal | None:
        """The live proposal in one of `statuses` (a case has one live proposal at a time)."""
        return next((p for p in self.proposals if p.status in statuses), None)

    def proposal_of(self, decision: Decision) -> Proposal:
        return next(p for p in self.proposals if p.id == decision.proposal_id)

    @property
    def latest_order(self) -> RectificationOrder | None:
        return max(self.orders, key=lambda o: o.ordered_at, default=None)

    def balance(self, desk: Desk) -> execution.Balance | None:
        """What the party owes today under the decision (R-CASE-6); None without a decision."""
        decision = self.decision
        if decision is None:
            return None
        due = decision.payment_due_at
        return execution.balance(
            fine=self.proposal_of(decision).fine_amount,
            due_on=due.astimezone(BUREAU_TZ).date() if due is not None else None,
            payments=[(p.paid_on, p.amount) for p in self.payments],
            on=desk.local_date(desk.now), daily_rate=desk.settings.late_surcharge_daily_rate)

    # Opening from complaints (R-CASE-1, R-CASE-3, R-INT-6) -------------------------------------

    @classmethod
    def open(cls, desk: Desk, actor: Actor, complaint: ComplaintAccepted,
             traceparent: str | None) -> CaseFile:
        """A case for an accepted complaint, registered at once when R-CASE-3 holds (立即立案),
        else awaiting registration approval (R-CASE-2). Its timeline shows both steps."""
        now = desk.now
        case_file = cls(
            id=new_id(), state=lifecycle.INITIAL_STATE, district=complaint.district,
            employer_name=complaint.employer.name,
            employer_credit_code=complaint.employer.credit_code,
            employer_address=complaint.employer.address, employer_key=complaint.employer_id,
            worker_count=complaint.worker_count, arrears_amount=complaint.arrears_amount,
            suspected_crime=complaint.suspected_crime, mass_incident=complaint.mass_incident,
            summary=complaint.summary, opened_at=now, traceparent=traceparent,
            complaints=[CaseComplaint(complaint.complaint_id, complaint.channel,
                                      complaint.received_at)])
        case_file.records.append(Step(
            "open", None, case_file.state, actor, now,
            f"complaint {complaint.complaint_id} accepted via {complaint.channel}"))
        grounds = case_file.immediate_registration_grounds(desk.settings)
        if grounds:
            case_file._register(actor, now, "R-CASE-3 immediate registration: " + "; ".join(grounds),
                                immediate=True)
        else:
            case_file._step(CaseAction.AWAIT_REGISTRATION, actor, now,
                            "R-CASE-3 does not apply: awaits registration approval (R-CASE-2)")
        return case_file

    def immediate_registration_grounds(self, settings: CasesSettings) -> list[str]:
        """R-CASE-3 on the case's figures: why it is registered at once; empty when it waits."""
        return lifecycle.immediate_registration_grounds(
            worker_count=self.worker_count, arrears_amount=self.arrears_amount,
            suspected_crime=self.suspected_crime, mass_incident=self.mass_incident,
            thresholds=lifecycle.RegistrationThresholds(settings.immediate_registration_workers,
                                                        settings.immediate_registration_amount))

    def join(self, desk: Desk, actor: Actor, complaint: ComplaintAccepted) -> None:
        """The complaint joins the open case (并案, R-INT-6): its workers and amount add to the
        case's, and R-CASE-3 is judged again on the totals; a case already registered tells
        intake so."""
        now = desk.now
        self.complaints.append(CaseComplaint(complaint.complaint_id, complaint.channel,
                                             complaint.received_at))
        self.worker_count += complaint.worker_count
        self.arrears_amount += complaint.arrears_amount
        self.suspected_crime = self.suspected_crime or complaint.suspected_crime
        self.mass_incident = self.mass_incident or complaint.mass_incident
        self._note("join_complaint", actor, now,
                   f"R-INT-6 complaint {complaint.complaint_id} against the same employer joined "
                   f"the case: now {self.worker_count} workers, {self.arrears_amount} yuan")
        if self.state in (CaseState.RECEIVED, CaseState.REGISTRATION_PENDING):
            grounds = self.immediate_registration_grounds(desk.settings)
            if grounds:
                for form in self.forms:  # a live form (R-CASE-2) is moot once registered at once
                    if form.live:
                        form.status = RegistrationFormStatus.SUPERSEDED
                        self.records.append(DeadlineCancelled(REGISTRATION_REVIEW, form.id))
                self._register(actor, now, "R-CASE-3 immediate registration on the linked "
                               "complaints' totals: " + "; ".join(grounds), immediate=True)
            return
        if self.case_number is None:
            return  # registered in this transaction: its number, at commit, names this one too
        assert self.registered_at is not None
        self.records.append(Announced(CaseRegistered(
            case_id=self.id, case_number=self.case_number, complaint_ids=[complaint.complaint_id],
            registered_at=self.registered_at, immediate=self.immediate_registration,
            reason="joined a registered case against the same employer (并案)")))

    # Registration approval (立案审批, R-CASE-2) ------------------------------------------------

    @property
    def live_form(self) -> RegistrationForm | None:
        return next((f for f in self.forms if f.live), None)

    async def submit_registration_form(self, desk: Desk, actor: Actor, *, facts: str,
                                       employer: dict[str, object],
                                       workers: list[dict[str, object]],
                                       amount: Decimal) -> RegistrationForm:
        """A fills and signs the form; B's legal review is due within `legal_review_within_hours`."""
        if self.state != CaseState.REGISTRATION_PENDING:
            raise Problem(409, "not-awaiting-registration", "The case is not awaiting registration",
                          f"the case is {self.state}; a registration form is filled for a case "
                          "awaiting registration (R-CASE-3 cases are registered at once)",
                          state=str(self.state))
        if self.live_form is not None:
            raise Problem(409, "registration-form-live", "A registration form is already live",
                          "a new form may follow a rejected legal review")
        settings, now = desk.settings, desk.now
        number = await desk.clerk.number("registration_form",
                                         settings.registration_form_number_prefix, now)
        document = self._document(await desk.clerk.file(Draft(
            case_id=self.id, kind=REGISTRATION_FORM_KIND, number=number, title="立案审批表",
            recipient=None, issued_by=actor.subject, at=now, case_number=self.case_number or "",
            signer=actor, purpose="submit",
            form=lifecycle.registration_form(
                case_id=self.id, number=number, facts=facts, employer=employer, workers=workers,
                amount=amount, submitted_by=actor.subject, submitted_at=now.isoformat()))))
        form = RegistrationForm(
            id=new_id(), status=RegistrationFormStatus.SUBMITTED, document_id=document.id,
            facts=facts, employer=employer, workers=workers, amount=amount,
            submitted_by=actor.subject, submitted_at=now)
        self.forms.append(form)
        self._deadline(REGISTRATION_REVIEW,
                       now + timedelta(hours=settings.legal_review_within_hours),
                       {"case_id": self.id}, subject=form.id)
        self._audit("registration.submit", actor, now, f"registration form {number} submitted")
        return form

    async def review_registration_form(self, desk: Desk, actor: Actor, *, approve: bool,
                                       reason: str) -> RegistrationForm:
        """B's legal review; approving signs the form. Never by the one who filled it (R-ORG-2)."""
        form = self.live_form
        if form is None or form.status != RegistrationFormStatus.SUBMITTED:
            raise Problem(409, "no-form-to-review", "No registration form awaits legal review",
                          "the handler (officer_a) must submit the registration form first")
        refusal = lifecycle.registration_signers_refusal(submitted_by=form.submitted_by,
                                                         reviewer=None, signer=actor.subject)
        if refusal is not None:
            raise penalty.SeparationOfDuties(refusal)
        now = desk.now
        form.status = RegistrationFormStatus.APPROVED if approve else RegistrationFormStatus.REJECTED
        form.reviewed_by, form.reviewed_at, form.review_reason = actor.subject, now, reason
        if approve:
            await desk.clerk.sign(form.document_id, actor, "legal_review", now)
        self._met(REGISTRATION_REVIEW, subject=form.id)
        self._audit(f"registration.review.{'approve' if approve else 'reject'}", actor, now,
                    reason)
        return form

    async def register(self, desk: Desk, actor: Actor, *, reason: str) -> None:
        """The brigade chief e-signs the legally reviewed form: the case is registered (立案)."""
        lifecycle.apply(self.state, CaseAction.REGISTER)
        form = self.live_form
        if form is None or form.status != RegistrationFormStatus.APPROVED:
            raise Problem(409, "registration-not-reviewed", "No legally reviewed registration form",
                          "R-CASE-2: the handler (A) fills the registration form and the reviewer "
                          "(B) approves it before the brigade chief signs the registration")
        refusal = lifecycle.registration_signers_refusal(
            submitted_by=form.submitted_by, reviewer=form.reviewed_by, signer=actor.subject)
        if refusal is not None:
            raise penalty.SeparationOfDuties(refusal)
        await desk.clerk.sign(form.document_id, actor, "register", desk.now)
        form.status = RegistrationFormStatus.REGISTERED
        self._register(actor, desk.now, reason, immediate=False)

    def _register(self, actor: Actor, at: datetime, reason: str, *, immediate: bool) -> None:
        self._step(CaseAction.REGISTER, actor, at, reason)
        self._audit("case.register", actor, at, reason)
        self.records.append(Registered(at, immediate, reason))

    def refuse_registration(self, desk: Desk, actor: Actor, *, reason: str) -> None:
        """The brigade chief refuses to register; the worker is told why (R-CASE-1)."""
        now = desk.now
        lifecycle.apply(self.state, CaseAction.REFUSE_REGISTRATION)
        form = self.live_form
        if form is not None:
            form.status = RegistrationFormStatus.REFUSED
            self.records.append(DeadlineCancelled(REGISTRATION_REVIEW, form.id))
        self._step(CaseAction.REFUSE_REGISTRATION, actor, now, reason)
        self._audit("case.refuse_registration", actor, now, reason)
        self.records.append(Announced(CaseNotRegistered(
            case_id=self.id, complaint_ids=list(self.complaint_ids), reason=reason,
            decided_at=now)))

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
                violation=proposal.violation, legal_basis=proposal.legal_basis,
                fine_amount=proposal.fine_amount, measures=list(proposal.measures),
                stop_production=proposal.stop_production,
                notice_period_days=settings.notice_period_days,
                hearing_within_days=settings.hearing_within_days)),
            serve=True, signer=actor, purpose="legal_review")))

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

    def _served(self, document_id: str, served_at: datetime) -> None:
        ref = self.documents.get(document_id)
        if ref is not None and ref.served_at is None:
            self.documents[document_id] = DocumentRef(ref.id, ref.number, served_at)

    def request_hearing(self, desk: Desk, actor: Actor, *, requested_at: datetime | None,
                        note: str) -> Hearing:
        """Record the party's request after the notice; the hearing is due within 7 days."""
        now = desk.now
        requested_at = requested_at or now
        if requested_at > now:
            raise Problem(422, "requested-in-future", "The request time is in the future",
                          f"requested_at {requested_at.isoformat()} is after now")
        lifecycle.apply(self.state, CaseAction.REQUEST_HEARING)
        refusal = execution.hearing_request_refusal(
            notice_period_ends_at=self.notice_period_ends_at, now=requested_at)
        if refusal is not None:
            raise Problem(409, "hearing-request-late", "Too late to ask for a hearing", refusal)
        hold_by = execution.hearing_hold_by(
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
                violation=proposal.violation, legal_basis=proposal.legal_basis,
                fine_amount=proposal.fine_amount, measures=list(proposal.measures),
                stop_production=proposal.stop_production,
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
            serve=True, signer=actor, purpose="decision")))
        self.decision = Decision(
            id=new_id(), proposal_id=proposal.id, decision_number=number,
            document_id=document.id, signed_by=actor.subject, decided_at=now,
            publish_by=publish_by, hearing_id=None if hearing is None else hearing[0].id)
        reason = f"penalty decision {number} signed: fine {yuan(proposal.fine_amount)}"
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

    # Execution: payments, reminder, court enforcement (R-CASE-6, R-CASE-7) -----------------------

    def record_payment(self, desk: Desk, actor: Actor, payment: Payment) -> execution.Balance:
        """A payment from the fiscal account's feed (C post); paid in full ends the execution
        deadlines."""
        decision = self.decision
        assert decision is not None  # payments are matched to a case by its decision's number
        self.payments.append(payment)
        balance = self.balance(desk)
        assert balance is not None
        now = desk.now
        reason = (f"payment {payment.reference}: {yuan(payment.amount)} on {payment.paid_on}; "
                  f"owed {yuan(balance.total)} (fine {yuan(balance.fine)} + surcharge "
                  f"{yuan(balance.surcharge)}), outstanding {yuan(balance.outstanding)}")
        self._step(CaseAction.RECORD_PAYMENT, actor, now, reason)
        self._audit("payment.record", actor, now, reason)
        if balance.paid_in_full and decision.paid_in_full_at is None:
            decision.paid_in_full_at = now
            self._met(PAYMENT_DUE)
            self.records.append(DeadlineCancelled(COURT_ENFORCEMENT, self.id))
        return balance

    async def payment_overdue(self, desk: Desk, *, actor: Actor, due_at: datetime) -> None:
        """The fine's due date passed unpaid: the reminder (催告书) at once (within the 3 days),
        and the 30-day court-enforcement deadline starts."""
        decision = self.decision
        if decision is None or decision.paid_in_full_at is not None:
            return
        if (decision.reminder_document_id is None
                and lifecycle.can(self.state, CaseAction.ISSUE_REMINDER)):
            await self._remind(desk, decision, actor)
        self._deadline(COURT_ENFORCEMENT, execution.court_enforcement_by(
            decision.payment_due_at or due_at, days=desk.settings.court_enforcement_within_days,
            calendar=desk.calendar, working=desk.working(DayDeadline.COURT_ENFORCEMENT)),
            {"decision_number": decision.decision_number})

    async def _remind(self, desk: Desk, decision: Decision, actor: Actor) -> None:
        settings, calendar, now = desk.settings, desk.calendar, desk.now
        proposal = self.proposal_of(decision)
        balance = self.balance(desk)
        assert balance is not None
        number = await desk.clerk.number("reminder", settings.reminder_number_prefix, now)
        document = self._document(await desk.clerk.file(Draft(
            case_id=self.id, kind=DocumentKind.REMINDER, number=number, title="催告书",
            recipient=proposal.recipient, issued_by=actor.subject, at=now,
            case_number=self.case_number or "", party=proposal.party,
            paragraphs=tuple(reminder_paragraphs(
                decision_number=decision.decision_number,
                decision_served_on=calendar.local_date(decision.served_at or decision.decided_at),
                due_on=calendar.local_date(decision.payment_due_at or now),
                fine_amount=balance.fine, surcharge=balance.surcharge, paid=balance.paid,
                outstanding=balance.outstanding, daily_rate=settings.late_surcharge_daily_rate,
                compliance_days=settings.reminder_compliance_days)),
            serve=True)))
        decision.reminder_document_id = document.id
        due_at = decision.payment_due_at or now
        remind_by = execution.reminder_by(due_at, days=settings.reminder_within_days,
                                          calendar=calendar,
                                          working=desk.working(DayDeadline.REMINDER))
        timing = "in time" if now <= remind_by else "LATE"
        reason = (f"R-CASE-7: fine unpaid after {due_at.isoformat()}; reminder {number} issued "
                  f"{timing} (due by {remind_by.isoformat()}), outstanding "
                  f"{yuan(balance.outstanding)}")
        self._step(CaseAction.ISSUE_REMINDER, actor, now, reason)
        self._audit("execution.reminder", actor, now, reason)

    async def apply_for_court_enforcement(self, desk: Desk, actor: Actor, *, reason: str,
                                          signed: bool) -> None:
        """Apply to the court (R-CASE-7): the application (强制执行申请书) is rendered with what
        is still owed and kept with the case, for filing with the court; signed by the staff
        member who applies, unsigned when the deadline made the system prepare it."""
        settings, calendar, now = desk.settings, desk.calendar, desk.now
        decision = self.decision
        if decision is None:
            raise Problem(409, "no-decision", "No penalty decision",
                          "R-CASE-7: court enforcement executes a signed penalty decision")
        if decision.paid_in_full_at is not None:
            raise Problem(409, "paid-in-full", "The fine is paid",
                          "nothing to enforce: the fine and surcharge were paid in full")
        if decision.reminder_document_id is None:
            raise Problem(409, "no-reminder", "No reminder issued",
                          "R-CASE-7: the reminder (催告书) precedes the application to the court")
        balance = self.balance(desk)
        assert balance is not None
        reminder_served = self._served_at(decision.reminder_document_id)
        number = await desk.clerk.number("court_application",
                                         settings.court_application_number_prefix, now)
        document = self._document(await desk.clerk.file(Draft(
            case_id=self.id, kind=FilingKind.COURT_ENFORCEMENT_APPLICATION, number=number,
            title="强制执行申请书",
            recipient=EmployerRef(name=settings.enforcement_court), issued_by=actor.subject,
            at=now, case_number=self.case_number or "", party=self.proposal_of(decision).party,
            paragraphs=tuple(court_application_paragraphs(
                decision_number=decision.decision_number,
                decision_served_on=calendar.local_date(decision.served_at or decision.decided_at),
                due_on=calendar.local_date(decision.payment_due_at or now),
                reminder_number=self._number_of(decision.reminder_document_id),
                reminder_served_on=(calendar.local_date(reminder_served)
                                    if reminder_served else None),
                fine_amount=balance.fine, surcharge=balance.surcharge, paid=balance.paid,
                outstanding=balance.outstanding)),
            addressee=settings.enforcement_court, party_label="被申请人",
            signer=actor if signed else None, purpose="court_enforcement_application")))
        self._step(CaseAction.APPLY_COURT_ENFORCEMENT, actor, now,
                   f"{reason}: application {number} to {settings.enforcement_court}, "
                   f"outstanding {yuan(balance.outstanding)}")
        decision.court_enforcement_at, decision.court_application_document_id = now, document.id
        self._met(COURT_ENFORCEMENT)
        self._audit("execution.court_enforcement", actor, now, reason)

    async def court_enforcement_overdue(self, desk: Desk, actor: Actor) -> bool:
        """The 30 days after the due date end still unpaid: the case moves to court enforcement
        so the application is filed (R-CASE-7). False when that no longer applies."""
        decision = self.decision
        if (decision is None or decision.paid_in_full_at is not None
                or decision.reminder_document_id is None
                or not lifecycle.can(self.state, CaseAction.APPLY_COURT_ENFORCEMENT)):
            return False
        await self.apply_for_court_enforcement(
            desk, actor, signed=False,
            reason=f"R-CASE-7: still unpaid {desk.settings.court_enforcement_within_days} days "
                   "after the due date; application for court enforcement")
        return True

    # Order to rectify (the rectified path) ---------------------------------------------------------

    async def order_rectification(self, desk: Desk, actor: Actor, *, items: list[str],
                                  wages_to_pay: Decimal | None,
                                  within_days: int | None) -> RectificationOrder:
        """The officer orders the employer to rectify within a term; the order is rendered with
        its QR code and handed over on site; the term is a stored timer."""
        settings, calendar, now = desk.settings, desk.calendar, desk.now
        lifecycle.apply(self.state, CaseAction.ORDER_RECTIFICATION)
        latest = self.latest_order
        refusal = rectification.order_refusal(
            live_order=latest is not None and latest.status == OrderStatus.ORDERED,
            penalty_in_progress=self.proposal_in(ProposalStatus.PROPOSED,
                                                 ProposalStatus.APPROVED) is not None)
        if refusal is not None:
            raise Problem(409, "rectification-refused", "No order to rectify now", refusal)
        days = within_days or settings.rectification_within_days
        due_at = calendar.add_days(now, days, working=desk.working(DayDeadline.RECTIFICATION))
        number = await desk.clerk.number("rectification_order",
                                         settings.rectification_order_number_prefix, now)
        document = self._document(await desk.clerk.file(Draft(
            case_id=self.id, kind=FilingKind.RECTIFICATION_ORDER, number=number,
            title="劳动保障监察限期整改指令书",
            recipient=self.employer, issued_by=actor.subject, at=now,
            case_number=self.case_number or "",
            party=Party(name=self.employer_name, credit_code=self.employer_credit_code,
                        address=self.employer_address),
            paragraphs=tuple(rectification_order_paragraphs(
                facts=self.summary or "", items=items, wages_to_pay=wages_to_pay,
                due_on=calendar.local_date(due_at))),
            signer=actor, purpose="rectification_order")))
        order = RectificationOrder(
            id=new_id(), number=number, document_id=document.id, items=list(items),
            wages_to_pay=wages_to_pay, status=OrderStatus.ORDERED, ordered_by=actor.subject,
            ordered_at=now, due_at=due_at)
        self.orders.append(order)
        self._deadline(RECTIFICATION_DUE, due_at, {"number": number})
        reason = f"order to rectify {number} within {days} days, by {due_at.isoformat()}"
        self._step(CaseAction.ORDER_RECTIFICATION, actor, now, reason)
        self._audit("rectification.order", actor, now, reason)
        return order

    def record_compliance(self, desk: Desk, actor: Actor, *, evidence_ids: list[str],
                          note: str) -> RectificationOrder:
        """The employer rectified, proven by evidence in the case: the case is `rectified`."""
        now = desk.now
        lifecycle.apply(self.state, CaseAction.RECORD_RECTIFICATION)
        order = self.latest_order
        refusal = rectification.compliance_refusal(
            status=OrderStatus(order.status) if order is not None else None,
            evidence_ids=set(evidence_ids), case_evidence_ids=self.evidence_ids)
        if refusal is not None:
            raise Problem(409, "compliance-refused", "Compliance cannot be recorded", refusal)
        assert order is not None
        in_time = rectification.complied_in_time(complied_at=now, due_at=order.due_at)
        order.status, order.complied_at = OrderStatus.COMPLIED, now
        order.compliance_note, order.evidence_ids = note, list(evidence_ids)
        order.recorded_by = actor.subject
        self._met(RECTIFICATION_DUE)
        reason = (f"employer complied with {order.number} {'in time' if in_time else 'late'}: "
                  f"{note} (evidence {', '.join(evidence_ids)})")
        self._step(CaseAction.RECORD_RECTIFICATION, actor, now, reason)
        self._audit("rectification.complied", actor, now, reason)
        return order

    def rectification_lapsed(self, desk: Desk, actor: Actor, *, due_at: datetime) -> bool:
        """The term ended without recorded compliance: noted, the case goes on to a penalty.
        False when no order was still running."""
        running = [o for o in self.orders if o.status == OrderStatus.ORDERED]
        for order in running:
            order.status, order.lapsed_at = OrderStatus.LAPSED, desk.now
            self._note("rectification_lapsed", actor, desk.now,
                       f"the term of {order.number} ended at {due_at.isoformat()} without "
                       "compliance; the case goes on to a penalty")
        return bool(running)

    # Closing (结案, R-CASE-1) ----------------------------------------------------------------------

    def close(self, desk: Desk, actor: Actor, *, reason: str) -> None:
        """Decided cases close once published and paid in full; rectified cases by someone other
        than the officer who recorded the compliance (R-ORG-2)."""
        now = desk.now
        state = self.state
        lifecycle.apply(state, CaseAction.CLOSE)
        balance = self.balance(desk)
        refusal = execution.close_refusal(
            fine=balance.fine if balance is not None else None,
            paid_in_full=balance is not None and balance.paid_in_full,
            published=self.published_at is not None)
        if refusal is not None:
            raise Problem(409, "cannot-close", "The case cannot be closed yet", refusal)
        complied = next((o for o in self.orders if o.status == OrderStatus.COMPLIED), None)
        refusal = rectification.closer_refusal(
            closer=actor.subject, recorded_by=complied.recorded_by if complied else None)
        if refusal is not None:
            raise Problem(403, "separation-of-duties", "Separation of duties (R-ORG-2)", refusal)
        self._step(CaseAction.CLOSE, actor, now, reason)
        self._audit("case.close", actor, now, reason)
        self.records.append(Announced(CaseClosed(
            case_id=self.id, case_number=self.case_number, complaint_ids=list(self.complaint_ids),
            outcome=execution.closing_outcome(state), reason=reason, closed_at=now)))
