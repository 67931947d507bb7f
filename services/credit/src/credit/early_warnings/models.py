"""Raised warnings: one row per employer, cause and period (R-CRD-3), open until cleared."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from credit.tables import CreditTable


class WageWarning(CreditTable, table=True):
    """An early warning of wage arrears (欠薪预警); `cleared_at` once its cause ended."""

    __tablename__ = "wage_warnings"
    __table_args__ = (sa.UniqueConstraint("credit_code", "cause", "period"),
                      sa.Index("wage_warnings_open", "credit_code",
                               postgresql_where=sa.text("cleared_at IS NULL")))

    id: str = Field(primary_key=True)
    credit_code: str
    level: str = Field(description="yellow, orange or red")
    cause: str
    period: str = Field(description="a month (2026-11) or a court case number")
    evidence: list[str] = Field(default_factory=list, sa_type=JSONB)
    raised_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    cleared_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    cleared_reason: str | None = None


wage_warnings = WageWarning.__table__  # type: ignore[attr-defined]
