"""Settings of repair: each with its DOMAIN.md default and the rule it comes from."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RepairSettings(BaseModel):
    repair_min_listed_years: int = Field(
        default=1, ge=0, description="R-CRD-5 years published on the blacklist before a repair")
    repair_notice_days: int = Field(
        default=7, ge=1,
        description="R-CRD-5 calendar days of the public notice (公示) of a repair; a dismissed "
        "objection restarts it for the full period (R-PUB-5)")
