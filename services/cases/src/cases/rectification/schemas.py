"""API shapes of the rectified path."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from labor_runtime.inputs import Money, Text
from pydantic import BaseModel, Field, StrictInt

from cases.rectification.rules import OrderStatus


class RectificationOrderCreate(BaseModel):
    """An order to rectify within a time limit, handed to the employer on site."""

    items: list[Annotated[Text, Field(max_length=500)]] = Field(min_length=1, max_length=20,
                             description="what the employer must put right, one item each, e.g. "
                                         "pay the wages owed to the 3 workers named in the case")
    wages_to_pay: Money | None = Field(default=None,
                                       description="wages the employer must pay, yuan")
    within_days: StrictInt | None = Field(default=None, ge=1, le=90,
                                    description="the term; default RECTIFICATION_WITHIN_DAYS")


class ComplianceRecord(BaseModel):
    """The employer rectified: proven by evidence already fixed in the case (R-CASE-4)."""

    evidence_ids: list[str] = Field(min_length=1, max_length=50,
                                    description="evidence items proving it (payment records, bank "
                                                "statements), already added to the case")
    note: Text = Field(max_length=2000, description="what was checked and found")


class RectificationView(BaseModel):
    order_id: str
    number: str
    document_id: str
    verify_url: str
    items: list[str]
    wages_to_pay: Decimal | None
    status: OrderStatus
    ordered_by: str
    ordered_at: datetime
    due_at: datetime
    lapsed_at: datetime | None
    complied_at: datetime | None
    complied_in_time: bool | None
    compliance_note: str | None
    evidence_ids: list[str]
    recorded_by: str | None
