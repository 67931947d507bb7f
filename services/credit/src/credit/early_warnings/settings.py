"""Settings of early_warnings: each with its DOMAIN.md default and the rule it comes from."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field


class EarlyWarningSettings(BaseModel):
    warning_balance_ratio: Decimal = Field(
        default=Decimal("1.2"), gt=0,
        description="R-CRD-3 yellow when the special-account balance is below last month's "
        "payable wages times this")
    warning_uninsured_months: int = Field(
        default=2, ge=1,
        description="R-CRD-3 orange when employees are uninsured this many consecutive months")
    warning_batch_size: int = Field(
        default=200, ge=1, le=1000,  # one insert of the batch's warnings stays within bind limits
        description="R-CRD-3 employers due for re-evaluation claimed per transaction")
    warning_poll_seconds: float = Field(
        default=60, gt=0,
        description="R-CRD-3 how often the evaluator looks for employers queued by another "
        "process (commits of this one wake it at once)")
