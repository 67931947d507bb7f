"""Major cases (重大案件): the emergency response record, its task force, milestones, reported
incidents and follow-up sanctions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from cases.tables import CasesTable


class MajorCase(CasesTable, table=True):
    """The emergency response opened when R-MAJ-1 triggers; a case has at most one."""

    __tablename__ = "major_cases"

    id: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="cases.id", unique=True)
    district: str | None = Field(default=None, index=True)
    grounds: list[str] = Field(sa_column=sa.Column(JSONB, nullable=False))
    triggered_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    triggered_by: str
    task_force: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=sa.Column(JSONB, nullable=False),
        description='the "1+6" task force: [{agency, name, unit}]')
    sanctions_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class MajorMilestone(CasesTable, table=True):
    """One R-MAJ-2 milestone of a major case: due from the trigger, done by someone with evidence."""

    __tablename__ = "major_milestones"

    major_case_id: str = Field(foreign_key="major_cases.id", primary_key=True)
    milestone: str = Field(primary_key=True)
    due_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    done_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    done_by: str | None = None
    evidence_note: str | None = None
    missed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True),
                                       description="when the clock ran out unmet (alerted)")


class MajorIncident(CasesTable, table=True):
    """What staff reported about a case (road blocking, online attention, ...)."""

    __tablename__ = "major_incidents"

    id: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True)
    kind: str
    views: int | None = None
    worker_count: int | None = None
    amount: Decimal | None = Field(default=None, sa_type=sa.Numeric(14, 2))
    note: str = ""
    reported_by: str
    reported_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


class MajorSanction(CasesTable, table=True):
    """One R-MAJ-3 measure against one party of a major case."""

    __tablename__ = "major_sanctions"

    id: str = Field(primary_key=True)
    major_case_id: str = Field(foreign_key="major_cases.id", index=True)
    party_role: str
    name: str
    credit_code: str | None = None
    measures: list[str] = Field(sa_column=sa.Column(JSONB, nullable=False))
    starts_on: date
    ends_on: date


major_cases = MajorCase.__table__  # type: ignore[attr-defined]
major_milestones = MajorMilestone.__table__  # type: ignore[attr-defined]
major_incidents = MajorIncident.__table__  # type: ignore[attr-defined]
major_sanctions = MajorSanction.__table__  # type: ignore[attr-defined]
