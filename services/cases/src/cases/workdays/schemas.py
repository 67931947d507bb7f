"""API shapes of the working-day calendar."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class DayEntry(BaseModel):
    day: date
    name: str = Field(default="", max_length=100, description="e.g. 春节, 国庆节调休")


class YearTable(BaseModel):
    """A year's public holidays and make-up working days (调休), as the State Council publishes."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "holidays": [{"day": "2026-10-01", "name": "国庆节"}, {"day": "2026-10-02", "name": "国庆节"}],
        "workdays": [{"day": "2026-09-27", "name": "国庆节调休"}],
    }]})

    holidays: list[DayEntry] = Field(default_factory=list, max_length=120)
    workdays: list[DayEntry] = Field(default_factory=list, max_length=60)


class CalendarDayView(BaseModel):
    day: date
    kind: Literal["holiday", "workday"]
    name: str
    loaded_by: str
    loaded_at: datetime


class YearView(BaseModel):
    year: int
    days: list[CalendarDayView]
    working_days: int = Field(description="working days in the year under this table")
    working_day_deadlines: list[str] = Field(description="deadlines counted in working days")
