"""API shapes of the staff list: masked identity only, never plaintext (R-INT-7)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class ComplaintListItem(BaseModel):
    complaint_id: str
    status: str
    channel: str
    district: str | None
    employer_name: str
    employer_credit_code: str | None
    employer_id: str | None
    project: str | None = Field(description="personal data in it masked (R-INT-7)")
    worker_count: int
    arrears_amount: Decimal
    complainant_name: str = Field(description="masked, e.g. 张*")
    complainant_phone: str = Field(description="masked, e.g. 138******00")
    received_at: datetime


class ComplaintList(BaseModel):
    items: list[ComplaintListItem]
    next_offset: int | None = Field(description="pass as `offset` for the next page; null: last page")
