"""API shapes of cases: what staff read about a case and how they answer a registration."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from labor_contracts.identifiers import CreditCode
from labor_runtime.inputs import Money, Text
from pydantic import BaseModel, ConfigDict, Field

from cases.grids.schemas import CaseGrid


class RegistrationDecision(BaseModel):
    """The brigade chief's e-signed answer to a pending registration (立案审批, R-CASE-2)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"decision": "register", "reason": "材料齐全，符合立案条件"},
        {"decision": "refuse", "reason": "双方已在网格调解下结清工资，不予立案"},
    ]})

    decision: Literal["register", "refuse"]
    reason: Text = Field(min_length=2, max_length=2000,
                        description="why; a refusal's reason is told to the worker (R-CASE-1)")


class EmployerView(BaseModel):
    name: str
    credit_code: str | None
    address: str | None


class EmployerIn(BaseModel):
    """The employer as the registration form names it."""

    name: Text = Field(max_length=200)
    credit_code: CreditCode | None = Field(default=None, description="统一社会信用代码; validated")
    address: str | None = Field(default=None, max_length=300)


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
    proof_id: str | None = Field(
        default=None, description="R-DLV-3 notify's stored proof of service (receipt, DSN, read "
        "receipt, send result), GET /v1/deliveries/{delivery}/proof at notify")
    proof_sha256: str | None = Field(default=None, description="hex SHA-256 of that proof")
    chain_sha256: str | None = Field(
        default=None, description="the case's proof chain after this proof: SHA-256 over the "
        "previous link and this proof")


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
    grid: CaseGrid | None = Field(default=None, description="R-ORG-1 the registered employer's "
                                  "grid (网格) with its workers; null while unknown")
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


class WorkerEntry(BaseModel):
    """A worker the arrears concern. No names or identity numbers: the worker is referenced by
    the intake complaint (identity stays encrypted in intake)."""

    complaint_id: str | None = Field(default=None, max_length=64)
    reference: Text = Field(max_length=64, description="e.g. 工人甲 / an intake id")
    months: str = Field(default="", max_length=100, description="months unpaid, e.g. 2025-10..12")
    amount: Money = Field(description="wages owed, yuan")


class RegistrationFormCreate(BaseModel):
    """A's registration form (立案审批表, R-CASE-2)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "facts": "某某公司拖欠两名工人2025年10月至12月工资", "employer": {
            "name": "某某建筑工程有限公司", "credit_code": "91350100M000100Y43",
            "address": "某市某区某路1号"},
        "workers": [{"reference": "工人甲", "months": "2025-10..12", "amount": "4000.00"},
                    {"reference": "工人乙", "months": "2025-10..12", "amount": "4000.00"}],
        "amount": "8000.00"}]})

    facts: Text = Field(min_length=2, max_length=8000)
    employer: EmployerIn
    workers: list[WorkerEntry] = Field(min_length=1, max_length=500)
    amount: Money = Field(description="total arrears, yuan")


class RegistrationReview(BaseModel):
    """B's legal review (法制审核) of the registration form."""

    decision: Literal["approve", "reject"]
    reason: Text = Field(min_length=2, max_length=2000)


class RegistrationFormView(BaseModel):
    form_id: str
    case_id: str
    status: str
    document_id: str
    sha256: str
    facts: str
    employer: EmployerView
    workers: list[WorkerEntry]
    amount: Decimal
    submitted_by: str
    submitted_at: datetime
    review_due_at: datetime | None = Field(description="R-CASE-2: B's legal review is due by then")
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_reason: str | None


class CloseRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"reason": "工资已全额支付，罚款已缴清", "worker_satisfaction": "basically_satisfied"}]})

    reason: Text = Field(min_length=2, max_length=2000, description="结案理由")
    worker_satisfaction: Literal["satisfied", "basically_satisfied", "dissatisfied"] | None = Field(
        default=None, description="R-CRD-2 what the closing callback (执法回访) found the workers "
        "to be; left out when they were not asked")
