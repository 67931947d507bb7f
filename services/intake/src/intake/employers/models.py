"""Intake's read model of employers (R-INT-6): fed from intake's own complaints.

Credit owns the register (一户一档) but publishes no employer event yet, so intake keeps what it
learns itself: the key complaints are linked by, the open totals, and the one grid (R-ORG-1).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from intake.tables import IntakeTable


class Employer(IntakeTable, table=True):
    """An employer complaints were filed against; one row however it was named."""

    __tablename__ = "employers"

    id: str = Field(primary_key=True)
    credit_code: str | None = Field(default=None, unique=True)
    name: str
    address: str | None = None
    name_key: str
    address_key: str = ""
    grid: str | None = Field(default=None, description="R-ORG-1 the one grid (网格)")
    district: str | None = None
    complaint_count: int = 0
    open_complaints: int = 0
    open_worker_count: int = 0
    open_arrears_amount: Decimal = Field(default=Decimal(0), sa_type=sa.Numeric(16, 2))
    first_seen_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


employers = Employer.__table__  # type: ignore[attr-defined]
