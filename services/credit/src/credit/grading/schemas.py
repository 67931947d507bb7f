"""API shape of a grade: the score and the explanation of every point lost."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


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

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "credit_code": "91350100M000100Y43", "grade": "C", "score": 75, "previous_grade": None,
        "computed_at": "2026-11-25T05:12:58Z", "trigger": "penalty:4b64b006-f9c7-424f-b911-fa91b90e50f1",
        "explanation": [
            {"indicator": "cases.recent", "item": "cases",
             "label": "recent penalty decisions (近期立案次数)", "weight": 10, "points_lost": 4,
             "reason": "1 penalty decision(s) in the last 365 days (某劳监罚〔2026〕0001)"},
            {"indicator": "nature.wage_arrears", "item": "nature", "label": "wage arrears (拖欠工资)",
             "weight": 8, "points_lost": 8,
             "reason": "penalised for wage arrears (拖欠工资) within 1095 days (某劳监罚〔2026〕0001)"},
        ],
        "not_assessed": [],
    }]})

    credit_code: str
    grade: str = Field(description="A ≥ 90, B 80–89, C 60–79, D < 60 (configurable)")
    score: int
    previous_grade: str | None
    computed_at: datetime
    trigger: str
    explanation: list[DeductionRead] = Field(description="indicators that cost points")
    not_assessed: list[NotAssessedRead] = Field(
        description="indicators no connected source reports; they cost nothing (every source "
        "is connected since 2026-12: empty)")
