"""Inspection leads, one per credit event that opened it (R-CRD-3, R-CRD-6)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from cases.tables import CasesTable


class InspectionLead(CasesTable, table=True):
    """A lead (检查线索): open until an officer takes it up or dismisses it, or its cause ends."""

    __tablename__ = "inspection_leads"
    __table_args__ = (sa.UniqueConstraint("kind", "ref"),
                      sa.Index("inspection_leads_by_district", "district", "state", "opened_at"))

    id: str = Field(primary_key=True)
    source_event_id: str = Field(unique=True, description="the credit event that opened it")
    kind: str = Field(description="warning or deposit")
    ref: str = Field(description="credit's warning id or deposit finding id")
    credit_code: str
    employer_name: str
    district: str | None = None
    grid: str | None = None
    level: str | None = Field(default=None, description="a warning's yellow, orange or red")
    summary: str
    opened_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    state: str = Field(default="open", description="open, taken or dismissed")
    taken_by: str | None = Field(default=None, description="the officer who took it up")
    dismissed_by: str | None = Field(default=None,
                                     description="who dismissed it; system when its cause ended")
    decided_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    reason: str | None = None


inspection_leads = InspectionLead.__table__  # type: ignore[attr-defined]
