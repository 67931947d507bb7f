"""Repair rows: the application with its reviews and notice, and the objections to it."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from credit.tables import CreditTable


class CreditRepair(CreditTable, table=True):
    """An employer's application for credit repair (信用修复, R-CRD-5) of one blacklist entry."""

    __tablename__ = "credit_repairs"

    id: str = Field(primary_key=True)
    entry_id: str = Field(index=True)
    credit_code: str
    state: str
    commitment_sha256: str
    commitment_date: date
    applied_by: str
    applied_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    first_reviewed_by: str | None = None
    second_reviewed_by: str | None = None
    notice_starts_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    notice_ends_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    outcome_reason: str | None = None
    concluded_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


class RepairObjection(CreditTable, table=True):
    """An objection filed on publish during the notice (R-PUB-5); the objector stays in publish."""

    __tablename__ = "repair_objections"

    id: str = Field(primary_key=True, description="publish's objection id")
    repair_id: str = Field(index=True)
    grounds: str
    filed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    state: str = Field(description="open, upheld, dismissed, closed (the repair was refused "
                       "on another) or late (filed outside the notice)")
    decided_by: str | None = None
    reason: str | None = None
    decided_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


credit_repairs = CreditRepair.__table__  # type: ignore[attr-defined]
repair_objections = RepairObjection.__table__  # type: ignore[attr-defined]
