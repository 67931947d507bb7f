"""API shapes of handling deadlines: no personal data, ever (R-INT-7)."""

from __future__ import annotations

from datetime import datetime

from labor_runtime.inputs import Text
from pydantic import BaseModel, Field

from intake.deadlines.rules import MediationResult, Outcome, TellingMeans

GRID_PATTERN = r"^[A-Za-z0-9._-]+$"


class Assignment(BaseModel):
    """R-INT-3: the A-post handler (案件主办) who takes the complaint."""

    handler: Text = Field(max_length=128, description="staff id of the handler")


class PhoneConfirmation(BaseModel):
    """R-INT-3: the worker was phoned and confirmed the complaint."""

    note: str = Field(default="", max_length=500, description="no personal data, please")


class WorkerTold(BaseModel):
    """Staff told the worker themselves, e.g. after the notice through their channel failed: the
    registration decision (meets the 7-day deadline of R-INT-3) or what materials to bring
    (R-INT-2)."""

    channel: TellingMeans = Field(description="how the worker was told")
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


class NoticeFailure(BaseModel):
    """The last notice to the worker their filing channel could not deliver (from notify)."""

    notice_id: str = Field(description="notify's notice: GET /v1/worker-notices?complaint_id=")
    kind: str = Field(description="correction_notice (R-INT-2) or registration_answer (R-INT-3)")
    failed_at: datetime
    reason: str
    open: bool = Field(description="staff must still reach the worker another way")


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
    registration_answer_issued_at: datetime | None = Field(
        description="when intake issued the latest registration decision to the worker's channel")
    registration_answer_told_at: datetime | None = Field(
        description="R-INT-3 when the worker was last told it (their channel took the notice, or "
        "staff told them); meets the 7-day deadline")
    registration_answer_told_via: str | None = Field(
        description="the filing channel that took the notice, or phone / in_person / letter")
    correction_notice_told_at: datetime | None = Field(
        description="R-INT-2 when staff told the worker what materials to bring")
    correction_notice_told_via: str | None = Field(description="phone / in_person / letter")
    worker_notice_failure: NoticeFailure | None
    deadlines: list[DeadlineView]


class OverdueItem(BaseModel):
    timer_id: str
    kind: str
    complaint_id: str
    district: str | None
    due_at: datetime
    overdue_seconds: int
    overdue_event_raised: bool


class UnreachableWorker(BaseModel):
    """A worker their filing channel could not reach, not yet reached another way."""

    complaint_id: str
    district: str | None
    channel: str = Field(description="the filing channel that failed")
    kind: str = Field(description="the notice that failed: correction_notice or registration_answer")
    notice_id: str
    failed_at: datetime
    reason: str


class OverdueList(BaseModel):
    counts: dict[str, int] = Field(description="overdue deadlines by kind")
    items: list[OverdueItem]
    unreachable: list[UnreachableWorker] = Field(
        description="workers a notice could not reach through their channel (whatever `kind`), "
        "oldest first: tell them another way (registration answer: POST "
        "/v1/complaints/by-id/{complaint_id}/registration-answer/told)")


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
