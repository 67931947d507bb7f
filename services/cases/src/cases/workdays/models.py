"""The public-holiday table: days off and make-up working days (调休), one row per day."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from cases.tables import CasesTable


class CalendarDay(CasesTable, table=True):
    """A day that differs from the weekday/weekend default: `holiday` (off) or `workday` (调休)."""

    __tablename__ = "calendar_days"

    day: date = Field(primary_key=True)
    year: int = Field(index=True)
    kind: str
    name: str = ""
    loaded_by: str
    loaded_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


calendar_days = CalendarDay.__table__  # type: ignore[attr-defined]
