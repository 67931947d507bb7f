"""Events produced by cases (案件)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from labor_contracts.common import DocumentKind, EmployerRef
from labor_contracts.events import EventData


class CaseRegistered(EventData):
    """A case was registered (立案) for one or more complaints."""

    event_type = "cases.case.registered.v1"

    case_id: str
    case_number: str
    complaint_ids: list[str]
    registered_at: datetime
    immediate: bool = Field(description="registered at once under R-CASE-3")
    reason: str = ""


class CaseNotRegistered(EventData):
    """The bureau decided not to register; the worker is told why (R-CASE-1)."""

    event_type = "cases.case.not_registered.v1"

    case_id: str
    complaint_ids: list[str]
    reason: str
    decided_at: datetime


class CaseClosed(EventData):
    """A case was closed (结案, R-CASE-1); the workers' complaints are closed with it (R-INT-8)."""

    event_type = "cases.case.closed.v1"

    case_id: str
    case_number: str | None = Field(default=None, description="none when it was never registered")
    complaint_ids: list[str]
    outcome: str = Field(description="not_registered, rectified (the employer put it right "
                         "without a penalty) or penalty (decided, published and executed)")
    reason: str = Field(description="the closing reason the brigade chief gave")
    closed_at: datetime
    employer: EmployerRef | None = Field(default=None, description="the employer the case was "
                                         "against; null in events from before 2026-12")
    worker_satisfaction: str | None = Field(
        default=None, description="R-CRD-2 the workers' satisfaction as the closing callback "
        "(执法回访) found it: satisfied, basically_satisfied or dissatisfied; null when not asked")


class DocumentIssued(EventData):
    """A signed legal document is ready to be served on its recipient (R-DLV-1, R-DLV-4)."""

    event_type = "cases.document.issued.v1"

    document_id: str
    case_id: str
    kind: DocumentKind
    title: str
    recipient: EmployerRef
    content_type: str = "application/pdf"
    content_b64: str = Field(description="the rendered document, base64")
    sha256: str = Field(description="hex SHA-256 of the rendered bytes")
    verify_url: str = Field(description="where the document's QR code resolves")


class DocumentIssuedV2(EventData):
    """A signed legal document is ready to be served on its recipient (R-DLV-1, R-DLV-4).

    v2 of `cases.document.issued`: `kind` is an open string, so a document kind added later (the
    rectification order was the first) reaches a consumer that does not know it yet instead of
    failing its validation. Consumers serve a kind they do not know like any other document.
    Cases emits v2 only; notify consumes v1 (in flight from older releases) and v2."""

    event_type = "cases.document.issued.v2"

    document_id: str
    case_id: str
    kind: str = Field(pattern=r"^[a-z][a-z_]{0,39}$", description="correction_notice, "
                      "penalty_notice, penalty_decision, reminder, credit_repair_notice, "
                      "rectification_order, or a kind added later")
    district: str | None = Field(default=None, description="the case's district brigade (区大队): "
                                 "staff of another district do not see the document's service")
    title: str
    recipient: EmployerRef
    content_type: str = "application/pdf"
    content_b64: str = Field(description="the rendered document, base64")
    sha256: str = Field(description="hex SHA-256 of the rendered bytes")
    verify_url: str = Field(description="where the document's QR code resolves")


class PenaltyDecided(EventData):
    """A penalty decision (行政处罚决定书) was signed; the basis of disclosure and credit."""

    event_type = "cases.penalty.decided.v1"

    case_id: str
    decision_id: str
    decision_number: str
    employer: EmployerRef
    district: str | None = None
    violation: str
    legal_basis: str
    fine_amount: Decimal = Field(ge=0, description="yuan")
    measures: list[str] = Field(default_factory=list)
    authority: str
    decided_at: datetime
    publish_by: date = Field(description="the result must be public by this date (R-CASE-8)")
    worker_count: int = 0
    arrears_amount: Decimal = Decimal(0)


class MajorMilestoneDue(BaseModel):
    """One R-MAJ-2 milestone clock of a major case."""

    milestone: str = Field(description="on_site, verified, agreement, enforcement or wages_paid")
    due_at: datetime


class MajorCaseTriggered(EventData):
    """A case became a major case (重大案件, R-MAJ-1): the emergency response has started."""

    event_type = "cases.major_case.triggered.v1"

    major_case_id: str
    case_id: str
    district: str | None = None
    employer: EmployerRef
    grounds: list[str] = Field(description="which R-MAJ-1 triggers held")
    triggered_at: datetime
    milestones: list[MajorMilestoneDue] = Field(default_factory=list)


class MajorMilestoneMissed(EventData):
    """A major case's milestone clock (R-MAJ-2) passed without the milestone: alert."""

    event_type = "cases.major_case.milestone_missed.v1"

    major_case_id: str
    case_id: str
    district: str | None = None
    milestone: str
    description: str
    due_at: datetime
    fired_at: datetime


class Sanction(BaseModel):
    """One R-MAJ-3 measure against one party, in force from `starts_on` to `ends_on` inclusive."""

    party_role: str = Field(description="developer, general_contractor, team_leader or foreman")
    name: str
    credit_code: str | None = Field(default=None, description="统一社会信用代码 of an organisation")
    measures: list[str] = Field(
        description="bid_ban (no new bids), downgrade (credit downgraded), "
                    "construction_market_ban (banned from the local construction market)")
    starts_on: date
    ends_on: date


class MajorCaseSanctions(EventData):
    """R-MAJ-3 follow-up of a major case: what credit records and partners act on."""

    event_type = "cases.major_case.sanctions.v1"

    major_case_id: str
    case_id: str
    case_number: str | None = None
    district: str | None = None
    employer: EmployerRef
    labor_audit: bool = Field(default=True, description="the employer gets a labor audit")
    sanctions: list[Sanction]
    decided_by: str
    decided_at: datetime
    authority: str


class RectificationLapsed(EventData):
    """An order to rectify (责令改正) passed its deadline without compliance: credit's grade
    (R-CRD-2) and, with arrears from 50,000 yuan outstanding, a blacklist ground (R-CRD-4)."""

    event_type = "cases.rectification.lapsed.v1"

    case_id: str
    case_number: str | None = None
    employer: EmployerRef
    district: str | None = None
    items: list[str] = Field(description="what had to be put right")
    arrears_outstanding: Decimal = Field(ge=0, description="wages (yuan) still owed to the "
                                         "workers when the deadline passed")
    due_at: datetime
    lapsed_at: datetime


class FineOverdue(EventData):
    """A fine was not paid in full by its due date: the reminder (催告书) is issued (R-CASE-7) and
    credit's grade counts it (R-CRD-2)."""

    event_type = "cases.fine.overdue.v1"

    case_id: str
    decision_id: str
    decision_number: str
    employer: EmployerRef
    district: str | None = None
    outstanding: Decimal = Field(ge=0, description="yuan still unpaid")
    due_at: datetime
    overdue_at: datetime


class CourtEnforcementApplied(EventData):
    """The bureau applied to the court to enforce a penalty decision the employer did not carry
    out (R-CASE-7): a refusal to carry out a penalty decision (R-CRD-2, R-CRD-4)."""

    event_type = "cases.court_enforcement.applied.v1"

    case_id: str
    decision_id: str
    decision_number: str
    employer: EmployerRef
    district: str | None = None
    outstanding: Decimal = Field(ge=0, description="yuan still unpaid")
    reason: str
    applied_at: datetime
