"""API shapes of handling deadlines: no personal data, ever (R-INT-7)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from intake.deadlines.rules import MediationResult, Outcome

GRID_PATTERN = r"^[A-Za-z0-9._-]+$"


class Assignment(BaseModel):
    """R-INT-3: the A-post handler (案件主办) who takes the complaint."""

    handler: str = Field(min_length=1, max_length=128, description="staff id of the handler")


class PhoneConfirmation(BaseModel):
    """R-INT-3: the worker was phoned and confirmed the complaint."""

    note: str = Field(default="", max_length=500, description="no personal data, please")


class MediationRecord(BaseModel):
    """R-INT-4: the grid's mediation result; `failed` starts the 2-hour escalation deadline."""

    result: MediationResult
    grid: str = Field(min_length=1, max_length=64, pattern=GRID_PATTERN,
                      description="R-ORG-1 the grid (网格) that mediated: the employer's one grid")
    note: str = Field(default="", max_length=500)


class Escalation(BaseModel):
    """R-INT-4: the failed mediation is reported to the district brigade."""

    note: str = Field(default="", max_length=500)


class DeadlineView(BaseModel):
    kind: str
    due_at: datetime
    completed_at: datetime | None
    fired_at: datetime | None = Field(description="when the overdue event was raised")
    outcome: Outcome


class Handling(BaseModel):
    """Where a complaint's handling stands (R-INT-3, R-INT-4)."""

    complaint_id: str
    status: str
    district: str | None
    employer_id: str | None
    handler: str | None
    assigned_at: datetime | None
    phone_confirmed_at: datetime | None
    mediation_result: str | None
    mediation_grid: str | None
    mediated_at: datetime | None
    escalated_at: datetime | None
    deadlines: list[DeadlineView]


class OverdueItem(BaseModel):
    timer_id: str
    kind: str
    complaint_id: str
    district: str | None
    due_at: datetime
    overdue_seconds: int
    overdue_event_raised: bool


class OverdueList(BaseModel):
    counts: dict[str, int] = Field(description="overdue deadlines by kind")
    items: list[OverdueItem]


class KindRate(BaseModel):
    kind: str
    met_on_time: int = 0
    met_late: int = 0
    overdue: int = 0
    pending: int = 0
    on_time_rate: float | None = Field(default=None, description="on time / (on time + late + overdue)")


class OnTimeReport(BaseModel):
    since: datetime
    until: datetime
    district: str | None = Field(description="the caller's district; null: the whole city")
    kinds: list[KindRate]
    overall_on_time_rate: float | None
