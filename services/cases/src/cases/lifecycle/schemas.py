"""API shapes of cases: what staff read about a case and how they answer a registration."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class RegistrationDecision(BaseModel):
    """The brigade chief's e-signed answer to a pending registration (立案审批, R-CASE-2)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"decision": "register", "reason": "材料齐全，符合立案条件"},
        {"decision": "refuse", "reason": "双方已在网格调解下结清工资，不予立案"},
    ]})

    decision: Literal["register", "refuse"]
    reason: str = Field(min_length=2, max_length=2000,
                        description="why; a refusal's reason is told to the worker (R-CASE-1)")


class EmployerView(BaseModel):
    name: str
    credit_code: str | None
    address: str | None


class DocumentSummary(BaseModel):
    """An issued document of the case and, once proven, when it was served."""

    document_id: str
    kind: str
    title: str
    number: str
    sha256: str
    verify_url: str
    issued_at: datetime
    served_at: datetime | None
    served_channel: str | None


class CaseSummary(BaseModel):
    case_id: str
    case_number: str | None = Field(description="立案编号, set when the case is registered")
    state: str
    employer_name: str
    district: str | None
    opened_at: datetime


class CaseView(BaseModel):
    """A case as staff see it: its state, what it allows next, its deadlines and documents."""

    case_id: str
    case_number: str | None
    state: str
    allowed_actions: list[str]
    complaint_ids: list[str]
    district: str | None
    employer: EmployerView
    worker_count: int
    arrears_amount: Decimal
    suspected_crime: bool
    mass_incident: bool
    summary: str
    immediate_registration: bool = Field(description="registered at once under R-CASE-3")
    opened_at: datetime
    registered_at: datetime | None
    notice_period_ends_at: datetime | None = Field(
        description="R-CASE-5: the decision may be signed from this moment")
    decided_at: datetime | None
    payment_due_at: datetime | None = Field(
        description="R-CASE-6: the fine is due by then, counted from the decision's service")
    published_at: datetime | None
    documents: list[DocumentSummary]


class TimelineView(BaseModel):
    """One step of the case (R-CASE-1): action, states, actor and role, time and reason."""

    seq: int
    at: datetime
    action: str
    from_state: str | None
    to_state: str
    actor: str
    role: str
    reason: str
