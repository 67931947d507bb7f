"""API shapes of inspection leads."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from labor_runtime.inputs import Text
from pydantic import BaseModel, Field


class LeadState(StrEnum):
    OPEN = "open"
    TAKEN = "taken"
    DISMISSED = "dismissed"


class LeadRead(BaseModel):
    """An inspection lead (检查线索) from a credit warning or deposit finding."""

    id: str
    kind: str = Field(description="warning (R-CRD-3) or deposit (R-CRD-6)")
    ref: str = Field(description="credit's warning id or deposit finding id")
    credit_code: str
    employer_name: str
    district: str | None
    grid: str | None
    level: str | None
    summary: str
    opened_at: datetime
    state: LeadState
    taken_by: str | None
    dismissed_by: str | None
    decided_at: datetime | None
    reason: str | None


class LeadDecision(BaseModel):
    """Why the lead is taken up or dismissed (audited)."""

    reason: Text = Field(max_length=500)
