"""Events produced by credit (信用)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from labor_contracts.events import EventData


class IntegrityGradeChanged(EventData):
    """An employer's integrity grade (诚信等级) was recomputed to a different grade (R-CRD-2)."""

    event_type = "credit.grade.changed.v1"

    credit_code: str
    grade: str = Field(description="A, B, C or D")
    previous_grade: str | None = None
    score: int
    computed_at: datetime
