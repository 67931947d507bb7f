"""Cases settings: every threshold and deadline of R-CASE-* with its DOMAIN.md default."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from labor_runtime.settings import ServiceSettings
from pydantic import Field


class CasesSettings(ServiceSettings):
    service_name: ClassVar[str] = "cases"
    default_port: ClassVar[int] = 8002

    # R-CASE-3 immediate registration (立即立案)
    immediate_registration_workers: int = Field(
        default=5, ge=1, description="R-CASE-3 register at once when arrears affect this many workers")
    immediate_registration_amount: Decimal = Field(
        default=Decimal("100000"), ge=0, description="R-CASE-3 register at once from this amount, yuan")
    # R-CASE-2 registration approval
    legal_review_within_hours: float = Field(
        default=2, gt=0, description="R-CASE-2 B-post legal review (法制审核) deadline, hours")
    # R-CASE-5 notice and hearing
    notice_fine_threshold: Decimal = Field(
        default=Decimal("20000"), ge=0,
        description="R-CASE-5 a fine from this amount (yuan) needs the penalty notice first")
    notice_period_days: int = Field(
        default=3, ge=0,
        description="R-CASE-5 the notice is served at least this many days before the decision")
    hearing_within_days: int = Field(default=7, ge=1, description="R-CASE-5 hold a requested hearing within")
    # R-CASE-6 decision and payment
    payment_due_days: int = Field(
        default=15, ge=1, description="R-CASE-6 fine due this many days after the decision is served")
    late_surcharge_daily_rate: Decimal = Field(
        default=Decimal("0.03"), ge=0, le=1,
        description="R-CASE-6 late surcharge per day, share of the fine (capped at the fine)")
    # R-CASE-7 execution
    reminder_within_days: int = Field(default=3, ge=1, description="R-CASE-7 reminder after the due date")
    court_enforcement_within_days: int = Field(
        default=30, ge=1, description="R-CASE-7 apply for court enforcement within")
    # R-CASE-8 publication
    publication_within_days: int = Field(
        default=7, ge=1, description="R-CASE-8 publish the result within this many days of the decision")
    # Documents
    authority_name: str = Field(default="某市人力资源和社会保障局",
                                description="the deciding authority printed on documents")
    case_number_prefix: str = Field(default="某劳监立", description="立案编号: {prefix}〔{year}〕{seq}")
    notice_number_prefix: str = Field(default="某劳监告", description="告知书编号 prefix")
    decision_number_prefix: str = Field(default="某劳监罚", description="决定书编号 prefix")
