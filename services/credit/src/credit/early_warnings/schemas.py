"""API shapes of early warnings (R-CRD-3)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class WarningRead(BaseModel):
    """A wage early warning (欠薪预警) with its evidence; `cleared_at` once its cause ended."""

    id: str
    credit_code: str
    employer_name: str | None = Field(description="null when the employer is not registered")
    district: str | None
    grid: str | None
    level: str = Field(description="yellow, orange or red")
    cause: str = Field(description="special_account_short, uninsured_two_months or "
                       "judgment_debtor")
    period: str = Field(description="a month (2026-11) or a court case number")
    evidence: list[str] = Field(description="the rows and months that raised it, in words")
    raised_at: datetime
    cleared_at: datetime | None
    cleared_reason: str | None
