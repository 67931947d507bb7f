"""Events produced by cases (案件)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

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
