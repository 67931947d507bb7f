"""Settings of deposits: each with its DOMAIN.md default and the rule it comes from."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from pydantic import BaseModel, Field


class DepositsSettings(BaseModel):
    deposit_check_time: time = Field(
        default=time(1, 0),
        description="R-CRD-6 local time (Asia/Shanghai) of the daily check for projects without "
        "a valid wage guarantee deposit")
    deposit_coverage_target: Decimal = Field(
        default=Decimal(1), gt=0, le=1,
        description="R-CRD-6 share of construction projects a valid deposit must cover (100%)")
