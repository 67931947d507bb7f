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


class EmployerRegisterChanged(EventData):
    """An employer's basic data in the register (一户一档) was created or changed (R-CRD-1, R-ORG-1).

    Business data only: no legal representative, contact or other personal data. `version` grows
    by one with every change of one employer, so a consumer applies an update only when it is
    newer than the one it holds (an older one arriving late, or a redelivery, changes nothing).
    """

    event_type = "credit.employer.changed.v1"

    credit_code: str = Field(description="unified social credit code (统一社会信用代码), the key")
    name: str = Field(description="registered name")
    address: str | None = None
    grid: str | None = Field(default=None, description="R-ORG-1 the employer's one grid (网格); "
                             "null until a grid worker or officer assigns it")
    district: str | None = Field(default=None, description="district brigade (区大队) code")
    industry: str | None = Field(default=None, description="e.g. construction, catering")
    version: int = Field(ge=1, description="the register's version of this employer: 1 when "
                         "registered, one more with every change; a higher version is newer")
    changed_at: datetime
