"""Grade history: every computation with its score and explanation, newest is current."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from credit.tables import CreditTable


class EmployerGrade(CreditTable, table=True):
    """An integrity grade (诚信等级) as computed at one moment, with what cost the points."""

    __tablename__ = "employer_grades"

    id: int | None = Field(default=None, sa_type=sa.BigInteger, primary_key=True)
    credit_code: str = Field(foreign_key="employers.credit_code", index=True)
    grade: str
    score: int
    previous_grade: str | None = None
    deductions: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONB)
    not_assessed: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONB)
    trigger: str = Field(description="what caused the computation, e.g. penalty:<decision id>")
    computed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


employer_grades = EmployerGrade.__table__  # type: ignore[attr-defined]


class GradeDue(CreditTable, table=True):
    """An employer to regrade (R-CRD-2): something new is in its file. Queued once however many
    reports arrive before it is due; `due_at` is set by the first of them, `queued_at` and
    `trigger` are the latest's."""

    __tablename__ = "grades_due"
    __table_args__ = (sa.Index("grades_due_due_at", "due_at"),)

    credit_code: str = Field(primary_key=True)
    due_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    queued_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    trigger: str = Field(description="the latest report that queued it, e.g. complaint:<id>")
    traceparent: str | None = Field(default=None, description="the trace of that report, which the "
                                    "grade change it causes continues")


grades_due = GradeDue.__table__  # type: ignore[attr-defined]
