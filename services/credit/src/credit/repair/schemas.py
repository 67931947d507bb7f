"""API models of credit repair (R-CRD-5, R-PUB-5)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from labor_runtime.inputs import Text
from pydantic import BaseModel, Field, StrictBool

from credit.blacklist.schemas import DocumentRead, Reason, StepRead


class Application(BaseModel):
    """The employer's application as staff record it; the commitment is a condition, so it may
    be missing and the refusal names it with the others."""

    commitment_sha256: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of the signed written credit commitment (信用承诺书)")
    commitment_date: date | None = None
    reason: Text = Reason


class RepairReview(BaseModel):
    approve: StrictBool
    reason: Text = Reason


class ObjectionDecision(BaseModel):
    outcome: Literal["upheld", "dismissed"] = Field(
        description="upheld: the repair is refused; dismissed: the notice restarts for its "
        "full period")
    reason: Text = Reason


class ObjectionRead(BaseModel):
    id: str
    grounds: str
    filed_at: datetime
    state: str
    decided_by: str | None = None
    reason: str | None = None
    decided_at: datetime | None = None


class RepairRead(BaseModel):
    id: str
    entry_id: str
    credit_code: str
    state: str
    commitment_sha256: str
    commitment_date: date
    applied_by: str
    applied_at: datetime
    first_reviewed_by: str | None = None
    second_reviewed_by: str | None = None
    notice_starts_at: datetime | None = None
    notice_ends_at: datetime | None = None
    outcome_reason: str | None = None
    concluded_at: datetime | None = None
    objections: list[ObjectionRead]
    documents: list[DocumentRead]
    timeline: list[StepRead]
