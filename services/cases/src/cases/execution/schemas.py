"""API shapes of hearings, payments and execution."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class HearingRequest(BaseModel):
    """The party's request for a hearing (听证申请), recorded by the handler."""

    requested_at: datetime | None = Field(
        default=None, description="when the party asked; default now (must be in the notice period)")
    note: str = Field(default="", max_length=2000)


class HearingRecordCreate(BaseModel):
    """The hearing's record (听证笔录): a basis of the decision (R-CASE-5)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "held_at": "2026-03-08T02:00:00Z", "presiding": "主持人王某",
        "participants": ["当事人委托代理人李某", "案件承办人张某"],
        "record": "当事人对拖欠工资事实无异议，请求从轻处罚。"}]})

    held_at: datetime
    presiding: str = Field(min_length=1, max_length=200)
    participants: list[str] = Field(min_length=1, max_length=50)
    record: str = Field(min_length=2, max_length=50000)


class HearingView(BaseModel):
    hearing_id: str
    case_id: str
    requested_at: datetime
    requested_by: str
    hold_by: datetime = Field(description="R-CASE-5: held within 7 days of the request")
    held_at: datetime | None
    record_document_id: str | None


class PaymentIn(BaseModel):
    reference: str = Field(min_length=1, max_length=100, description="bank transaction id")
    decision_number: str = Field(min_length=1, max_length=100, description="决定书编号 paid")
    amount: Decimal = Field(gt=0, decimal_places=2)
    paid_on: date
    payer: str = Field(default="", max_length=200)


class PaymentFeed(BaseModel):
    """A batch of the fiscal account's statement (财政专户到账明细)."""

    payments: list[PaymentIn] = Field(min_length=1, max_length=1000)


class PaymentResult(BaseModel):
    reference: str
    outcome: Literal["recorded", "duplicate", "unknown_decision"]
    case_id: str | None = None
    outstanding: Decimal | None = None
    paid_in_full: bool | None = None


class ExecutionView(BaseModel):
    """Where execution stands (R-CASE-6, R-CASE-7)."""

    case_id: str
    decision_number: str
    fine: Decimal
    surcharge: Decimal = Field(description="3% of the fine per day late, capped at the fine")
    paid: Decimal
    outstanding: Decimal
    paid_in_full_at: datetime | None
    payment_due_at: datetime | None
    reminder_document_id: str | None
    court_enforcement_at: datetime | None
    court_application_document_id: str | None = Field(
        default=None, description="R-CASE-7 the application (强制执行申请书), for filing with the court")


class CloseRequest(BaseModel):
    reason: str = Field(min_length=2, max_length=2000, description="结案理由")
