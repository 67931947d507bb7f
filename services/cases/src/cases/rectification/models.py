"""Orders to rectify within a time limit (限期整改指令书) and their outcome."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from cases.tables import CasesTable


class RectificationOrder(CasesTable, table=True):
    """One order on a case; at most one runs at a time (partial unique index on `ordered`)."""

    __tablename__ = "rectification_orders"

    id: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True)
    number: str = Field(unique=True, description="限期整改指令书编号")
    document_id: str = Field(foreign_key="documents.id")
    items: list[str] = Field(sa_column=sa.Column(JSONB, nullable=False))
    wages_to_pay: Decimal | None = Field(default=None, sa_type=sa.Numeric(16, 2))
    status: str
    ordered_by: str
    ordered_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    due_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    lapsed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    complied_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    compliance_note: str | None = None
    evidence_ids: list[str] = Field(default_factory=list, sa_column=sa.Column(JSONB, nullable=False))
    recorded_by: str | None = None


rectification_orders = RectificationOrder.__table__  # type: ignore[attr-defined]
