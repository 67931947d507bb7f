"""Cases settings: every threshold and deadline of R-CASE-* with its DOMAIN.md default."""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from labor_runtime.runtime import Runtime
from labor_runtime.settings import ServiceSettings
from pydantic import Field, model_validator

from cases.major.rules import Milestone


class DayDeadline(StrEnum):
    """The deadlines counted in days: calendar days unless named in WORKING_DAY_DEADLINES."""

    NOTICE_PERIOD = "notice_period"  # R-CASE-5
    HEARING = "hearing"  # R-CASE-5
    PAYMENT = "payment"  # R-CASE-6
    REMINDER = "reminder"  # R-CASE-7
    COURT_ENFORCEMENT = "court_enforcement"  # R-CASE-7
    PUBLICATION = "publication"  # R-CASE-8
    RECTIFICATION = "rectification"  # the default term of an order to rectify
    CASE_CLOSURE = "case_closure"  # R-CASE-10


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
    # R-CASE-6 the credit-repair notice (信用修复告知书) served with the decision, in R-CRD-5's terms
    credit_repair_min_publicity_years: int = Field(
        default=1, ge=0,
        description="R-CASE-6/R-CRD-5 minimum publicity period the credit-repair notice states: "
                    "years published before a repair may be granted (keep equal to credit's "
                    "REPAIR_MIN_LISTED_YEARS)")
    credit_repair_public_notice_days: int = Field(
        default=7, ge=1,
        description="R-CASE-6/R-CRD-5 days of the public notice of a repair on the bureau's site, "
                    "as the credit-repair notice states it (keep equal to credit's "
                    "REPAIR_NOTICE_DAYS)")
    credit_repair_notice_number_prefix: str = Field(
        default="某劳监信修", description="信用修复告知书编号 prefix (R-CASE-6)")
    # R-CASE-7 execution
    reminder_within_days: int = Field(default=3, ge=1, description="R-CASE-7 reminder after the due date")
    court_enforcement_within_days: int = Field(
        default=30, ge=1, description="R-CASE-7 apply for court enforcement within")
    # R-CASE-8 publication
    publication_within_days: int = Field(
        default=7, ge=1, description="R-CASE-8 publish the result within this many days of the decision")
    # Order to rectify within a time limit (限期整改指令书)
    rectification_within_days: int = Field(
        default=15, ge=1, le=90,
        description="default term an order to rectify gives the employer (the officer may set "
                    "another per order); a missed term alerts and the case goes on to a penalty")
    rectification_order_number_prefix: str = Field(default="某劳监改",
                                                   description="限期整改指令书编号 prefix")
    court_application_number_prefix: str = Field(
        default="某劳监执", description="强制执行申请书编号 prefix (R-CASE-7)")
    enforcement_court: str = Field(default="某市某区人民法院",
                                   description="the court applications for enforcement go to (R-CASE-7)")
    # Documents
    authority_name: str = Field(default="某市人力资源和社会保障局",
                                description="the deciding authority printed on documents")
    case_number_prefix: str = Field(default="某劳监立", description="立案编号: {prefix}〔{year}〕{seq}")
    notice_number_prefix: str = Field(default="某劳监告", description="告知书编号 prefix")
    decision_number_prefix: str = Field(default="某劳监罚", description="决定书编号 prefix")
    registration_form_number_prefix: str = Field(default="某劳监立审",
                                                 description="立案审批表编号 prefix (R-CASE-2)")
    hearing_record_number_prefix: str = Field(default="某劳监听", description="听证笔录编号 prefix")
    reminder_number_prefix: str = Field(default="某劳监催", description="催告书编号 prefix (R-CASE-7)")
    reminder_compliance_days: int = Field(
        default=10, ge=1,
        description="R-CASE-7 days the reminder gives the party to pay (行政强制法第三十五条、第五十四条)")
    # R-MAJ-1 major-case triggers (重大案件)
    major_case_workers: int = Field(
        default=30, ge=1, description="R-MAJ-1 a case is major when arrears affect this many workers")
    major_case_amount: Decimal = Field(
        default=Decimal("1000000"), ge=0, description="R-MAJ-1 a case is major from this amount, yuan")
    major_case_online_views: int = Field(
        default=100_000, ge=1, description="R-MAJ-1 a case is major from this much online attention, views")
    # R-MAJ-2 milestone clocks from the trigger: 30 min, 2 h, 6 h, 24 h, 72 h
    major_on_site_within_minutes: int = Field(
        default=30, ge=1,
        description="R-MAJ-2 minutes from the trigger: grid report → brigade on site → police keep order")
    major_verified_within_hours: int = Field(
        default=2, ge=1, description="R-MAJ-2 hours from the trigger: brigade verifies the amount and "
                                     "the responsible unit, files the flash report")
    major_agreement_within_hours: int = Field(
        default=6, ge=1, description="R-MAJ-2 hours from the trigger: general contractor, developer "
                                     "and subcontractor sign the wage payment agreement")
    major_enforcement_within_hours: int = Field(
        default=24, ge=1, description="R-MAJ-2 hours from the trigger: refusal → police case for "
                                      "refusal to pay; absconding → online pursuit")
    major_wages_paid_within_hours: int = Field(
        default=72, ge=1, description="R-MAJ-2 hours from the trigger: wages paid, disposal report filed")
    # R-MAJ-3 follow-up sanctions
    major_bid_ban_months: int = Field(
        default=12, ge=1, description="R-MAJ-3 developer and general contractor barred from new bids")
    major_market_ban_years: int = Field(
        default=3, ge=1,
        description="R-MAJ-3 team leaders and foremen banned from the local construction market")
    # R-CASE-9 monthly case review draw
    review_share: Decimal = Field(
        default=Decimal("0.10"), gt=0, le=1,
        description="R-CASE-9 share of a month's cases drawn at random for quality review")
    # R-CASE-10 metrics
    closure_within_days: int = Field(
        default=60, ge=1,
        description="R-CASE-10 a case is closed on time within this many days of opening "
                    "(劳动保障监察条例 第十七条: 60 working days; see WORKING_DAY_DEADLINES)")
    closure_target_rate: Decimal = Field(
        default=Decimal("0.98"), ge=0, le=1, description="R-CASE-10 target on-time closure rate")
    publication_target_rate: Decimal = Field(
        default=Decimal("1"), ge=0, le=1, description="R-CASE-10 target publication rate")
    loss_target_rate: Decimal = Field(
        default=Decimal("0.01"), ge=0, le=1, description="R-CASE-10 highest review/litigation loss rate")
    metrics_refresh_seconds: float = Field(
        default=900, gt=0, description="how often the R-CASE-10 Prometheus gauges are recomputed "
        "(year to date: a million cases take seconds of database time)")
    # Working-day calendar (节假日与调休)
    working_day_deadlines: list[DayDeadline] = Field(
        default_factory=list,
        description="deadlines counted in working days instead of calendar days (e.g. "
                    "[\"case_closure\"]; any of " + ", ".join(DayDeadline) + "); the holiday "
                    "table is loaded through /v1/ops/calendar")
    calendar_refresh_seconds: float = Field(
        default=300, gt=0, description="how often replicas re-read the holiday table")

    @model_validator(mode="after")
    def _refuse_retired_settings(self) -> CasesSettings:
        """A deployment still setting the retired R-MAJ-2 dict would silently get the defaults."""
        if any(name.upper() == "MAJOR_MILESTONE_MINUTES" for name in os.environ):
            raise ValueError(
                "MAJOR_MILESTONE_MINUTES is no longer read: set MAJOR_ON_SITE_WITHIN_MINUTES, "
                "MAJOR_VERIFIED_WITHIN_HOURS, MAJOR_AGREEMENT_WITHIN_HOURS, "
                "MAJOR_ENFORCEMENT_WITHIN_HOURS and MAJOR_WAGES_PAID_WITHIN_HOURS instead")
        return self

    def major_milestone_clocks(self) -> dict[Milestone, timedelta]:
        """R-MAJ-2: each milestone's clock from the trigger, as the rules count it."""
        return {
            Milestone.ON_SITE: timedelta(minutes=self.major_on_site_within_minutes),
            Milestone.VERIFIED: timedelta(hours=self.major_verified_within_hours),
            Milestone.AGREEMENT: timedelta(hours=self.major_agreement_within_hours),
            Milestone.ENFORCEMENT: timedelta(hours=self.major_enforcement_within_hours),
            Milestone.WAGES_PAID: timedelta(hours=self.major_wages_paid_within_hours),
        }

    def counts_working_days(self, deadline: DayDeadline) -> bool:
        """Whether `deadline` is counted in working days (default: calendar days)."""
        return deadline in self.working_day_deadlines


# The runtime of this service: its `settings` are CasesSettings.
CasesRuntime = Runtime[CasesSettings]
