"""Settings of sanctions: each with its DOMAIN.md default and the rule it comes from."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SanctionsSettings(BaseModel):
    sanction_bid_ban_months: int = Field(
        default=12, ge=1, description="R-MAJ-3 months a developer or general contractor of a "
        "major case is barred from new bids")
    sanction_market_ban_years: int = Field(
        default=3, ge=1, description="R-MAJ-3 years a team leader or foreman (班组长、包工头) of a "
        "major case is banned from the local construction market")
