"""Settings of grading: each with its DOMAIN.md default and the rule it comes from."""

from __future__ import annotations

from pydantic import BaseModel, Field


class GradingSettings(BaseModel):
    grade_batch_size: int = Field(
        default=500, ge=1,
        description="R-CRD-2 employers queued for regrading (grades_due) claimed and regraded "
        "per transaction")
    grade_gather_seconds: float = Field(
        default=1, ge=0,
        description="R-CRD-2 how long an employer stays queued before it is regraded, from the "
        "first report since its last regrade: a burst of reports about it is one regrade")
    grade_poll_seconds: float = Field(
        default=60, gt=0,
        description="R-CRD-2 how often the regrader looks for employers queued by another "
        "process (commits of this one wake it at once)")
