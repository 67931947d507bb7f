"""Credit settings: the thresholds of R-CRD-* with their DOMAIN.md defaults and the grade's weights."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from labor_runtime.runtime import Runtime
from labor_runtime.settings import ServiceSettings
from pydantic import Field, field_validator, model_validator

from credit.blacklist.settings import BlacklistSettings
from credit.conduct.settings import ConductSettings
from credit.deposits.settings import DepositsSettings
from credit.early_warnings.settings import EarlyWarningSettings
from credit.grading.rules import DEFAULT_WEIGHTS, GradeScale, GradingPolicy
from credit.grading.settings import GradingSettings
from credit.grids.settings import GridsSettings
from credit.ingestion.settings import IngestionSettings
from credit.repair.settings import RepairSettings
from credit.sanctions.settings import SanctionsSettings


class CreditSettings(GridsSettings, IngestionSettings, EarlyWarningSettings, DepositsSettings,
                     ConductSettings, GradingSettings, BlacklistSettings, SanctionsSettings,
                     RepairSettings, ServiceSettings):
    """Each folder's settings come from its own class; the grade's stay here."""

    service_name: ClassVar[str] = "credit"
    default_port: ClassVar[int] = 8003

    grade_a_min_score: int = Field(default=90, description="R-CRD-2 lowest score of grade A")
    grade_b_min_score: int = Field(default=80, description="R-CRD-2 lowest score of grade B")
    grade_c_min_score: int = Field(default=60, description="R-CRD-2 lowest score of grade C; "
                                   "below is D")
    indicator_weights: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_WEIGHTS),
        description="R-CRD-2 points each of the 20 indicators may cost out of 100; indicators "
        "left out keep their default weight (JSON, e.g. {\"cases.recent\": 12})")
    grade_recent_days: int = Field(default=365,
                                   description="R-CRD-2 window of 'recent' cases and complaints")
    grade_lookback_days: int = Field(
        default=3 * 365,
        description="R-CRD-2 how far back decisions and conduct count (the 3-year publicity "
        "term, R-CRD-4)")
    grade_cases_for_full_weight: int = Field(
        default=3,
        description="R-CRD-2 number of decisions that costs a case-count indicator its weight")
    grade_fine_tiers: list[tuple[Decimal, Decimal]] = Field(
        default_factory=lambda: [(Decimal(200_000), Decimal(1)), (Decimal(50_000), Decimal("0.75")),
                                 (Decimal(20_000), Decimal("0.5")), (Decimal(0), Decimal("0.25"))],
        description="R-CRD-2 [fines from yuan, share of the weight], highest first")
    grade_large_fine_yuan: Decimal = Field(
        default=Decimal(20_000), description="R-CASE-5 a single fine this large counts")
    blacklist_arrears_yuan: Decimal = Field(
        default=Decimal(50_000),
        description="R-CRD-4 arrears from which the amount indicator costs its whole weight")
    immediate_registration_workers: int = Field(
        default=5, description="R-CASE-3 workers that make a case urgent")
    major_case_workers: int = Field(default=30,
                                    description="R-MAJ-1 workers that make a case major")
    major_case_arrears_yuan: Decimal = Field(default=Decimal(1_000_000),
                                             description="R-MAJ-1 arrears that make a case major")
    grade_complaints_for_full_weight: int = Field(
        default=5,
        description="R-CRD-2 worker complaints plus closing callbacks with the workers "
        "dissatisfied, in the recent window, that cost the whole weight")

    @field_validator("indicator_weights")
    @classmethod
    def _known_indicators(cls, weights: dict[str, int]) -> dict[str, int]:
        return {**DEFAULT_WEIGHTS, **weights}

    @model_validator(mode="after")
    def _policy_is_valid(self) -> CreditSettings:
        self.grading_policy()  # raises with the reason when thresholds or weights are wrong
        return self

    def grading_policy(self) -> GradingPolicy:
        return GradingPolicy(
            weights=dict(self.indicator_weights),
            scale=GradeScale(self.grade_a_min_score, self.grade_b_min_score,
                             self.grade_c_min_score),
            recent_days=self.grade_recent_days,
            lookback_days=self.grade_lookback_days,
            cases_for_full_weight=self.grade_cases_for_full_weight,
            fine_tiers=tuple((floor, share) for floor, share in self.grade_fine_tiers),
            large_fine_yuan=self.grade_large_fine_yuan,
            serious_arrears_yuan=self.blacklist_arrears_yuan,
            immediate_workers=self.immediate_registration_workers,
            major_workers=self.major_case_workers,
            major_arrears_yuan=self.major_case_arrears_yuan,
            complaints_for_full_weight=self.grade_complaints_for_full_weight,
        )


CreditRuntime = Runtime[CreditSettings]
