"""API shapes of payments and execution."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from labor_runtime.inputs import Money, Text
from pydantic import BaseModel, Field


class PaymentIn(BaseModel):
    reference: Text = Field(max_length=100, description="bank transaction id")
    decision_number: Text = Field(max_length=100, description="决定书编号 paid")
    amount: Money = Field(gt=0, description="yuan")
    paid_on: date = Field(description="not after today, nor before the decision it pays")
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
