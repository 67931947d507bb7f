"""API shapes of oversight: the monthly review draw (R-CASE-9) and case metrics (R-CASE-10)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

# Years 1000-2999 only: the year 0 and the month after 9999-12 are not dates.
MONTH_PATTERN = r"^[12]\d{3}-(0[1-9]|1[0-2])$"


class DrawRequest(BaseModel):
    """Run a month's review draw; the seed may be announced in advance (e.g. a lottery number)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"month": "2026-03"}, {"month": "2026-03", "seed": "20260401-福彩3D-517"}]})

    month: str = Field(pattern=MONTH_PATTERN, description="YYYY-MM, bureau time")
    seed: str | None = Field(default=None, min_length=8, max_length=128,
                             description="default: 128 random bits from the system's CSPRNG")


class DrawnCase(BaseModel):
    case_id: str
    case_number: str | None
    district: str | None
    state: str


class ReviewDrawView(BaseModel):
    """A recorded draw: enough to re-draw it and check the result (R-CASE-9)."""

    month: str
    seed: str
    algorithm: str
    algorithm_description: str
    share: Decimal
    population: list[str] = Field(description="case ids registered in the month, sorted")
    selected: list[str] = Field(description="the drawn case ids, in rank order")
    reproduced: bool = Field(description="re-drawing with the seed and population gives `selected`")
    cases: list[DrawnCase] = Field(description="drawn cases the caller may see (own district)")
    drawn_by: str
    drawn_at: datetime


class PublicDrawView(BaseModel):
    """What the bureau publishes of a draw: seed and fingerprints, no case data."""

    month: str
    seed: str
    algorithm: str
    algorithm_description: str
    share: Decimal
    population_size: int
    population_sha256: str = Field(description="SHA-256 of the sorted case ids joined by newlines")
    selected_count: int
    drawn_at: datetime


class RateMetric(BaseModel):
    rate: Decimal | None = Field(description="share met, 4 places; null when nothing was due")
    met: int
    due: int
    target: Decimal
    meets_target: bool | None


class FinesMetric(BaseModel):
    current_yuan: Decimal
    previous_yuan: Decimal = Field(description="the same window one year earlier")
    year_on_year: Decimal | None = Field(description="(current − previous) / previous")
    decisions: int


class LossMetric(BaseModel):
    available: bool
    rate: Decimal | None
    target: Decimal
    note: str


class CaseMetrics(BaseModel):
    """R-CASE-10 for a window of local dates, both inclusive."""

    from_date: date = Field(alias="from")
    to_date: date = Field(alias="to")
    district: str | None
    on_time_closure: RateMetric
    average_handling_hours: Decimal | None = Field(
        description="receipt to closure, cases closed in the window")
    closed: int
    publication: RateMetric
    fines: FinesMetric
    review_litigation_loss: LossMetric

    model_config = ConfigDict(populate_by_name=True)
