"""The case file (案卷): its root and parts, what its commands record, and the ports they use.

A command (in the procedure module of its folder) checks the transition table (R-CASE-1) and the
rules, changes the file and records what follows from it (timeline steps, audit entries,
deadlines, events); a repository loads and saves the file, and the unit of work turns the records
into rows at commit. No I/O but the clerk's, which numbers, renders, signs and files documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from labor_contracts.common import EmployerRef
from labor_contracts.events import EventData
from labor_runtime.clock import BUREAU_TZ, Calendar
from labor_runtime.problems import Problem
from labor_runtime.rendering import Party
from labor_runtime.security import Principal

from cases.execution import rules as execution
from cases.lifecycle import rules as lifecycle
from cases.lifecycle.rules import CaseAction, CaseState, RegistrationFormStatus
from cases.penalty.rules import ProposalStatus
from cases.settings import CasesSettings, DayDeadline

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


def no_such_case(case_id: str) -> Problem:
    """The answer for a case id that names no case."""
    return Problem(404, "not-found", "No such case", f"no case with id {case_id}")


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
    serve: bool = False  # notify serves it electronically (cases.document.issued.v2)
    district: str | None = None  # the case's: staff of another district do not see its service
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
    def charges(self) -> dict[str, Any]:
        """What the notice and the decision state the penalty on (their wording's arguments)."""
        return {"violation": self.violation, "legal_basis": self.legal_basis,
                "fine_amount": self.fine_amount, "measures": list(self.measures),
                "stop_production": self.stop_production}

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
class CaseFileBase:
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

    def _served(self, document_id: str, served_at: datetime) -> None:
        """The document's proven time of service (R-DLV-3); the first proof counts."""
        ref = self.documents.get(document_id)
        if ref is not None and ref.served_at is None:
            self.documents[document_id] = DocumentRef(ref.id, ref.number, served_at)

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
            on=desk.calendar.local_date(desk.now), daily_rate=desk.settings.late_surcharge_daily_rate)
