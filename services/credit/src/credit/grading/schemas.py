"""API shape of a grade: the score and the explanation of every point lost."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class DeductionRead(BaseModel):
    indicator: str
    item: str
    label: str
    weight: int = Field(description="the most this indicator can cost")
    points_lost: int
    reason: str


class NotAssessedRead(BaseModel):
    indicator: str
    item: str
    label: str
    weight: int


class GradeRead(BaseModel):
    """The current integrity grade (诚信等级) and why (R-CRD-2)."""

    credit_code: str
    grade: str = Field(description="A ≥ 90, B 80–89, C 60–79, D < 60 (configurable)")
    score: int
    previous_grade: str | None
    computed_at: datetime
    trigger: str
    explanation: list[DeductionRead] = Field(description="indicators that cost points")
    not_assessed: list[NotAssessedRead] = Field(
        description="indicators no connected source reports yet; they cost nothing")
