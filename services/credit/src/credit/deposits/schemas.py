"""API shapes of projects and their wage guarantee deposits (R-CRD-6)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Self

from labor_runtime.inputs import Money, Text
from pydantic import BaseModel, ConfigDict, Field, model_validator

from credit.deposits.rules import Gap, Kind

DISTRICT = r"^[A-Za-z0-9._-]+$"


class ProjectPut(BaseModel):
    """A construction project (工程项目) as staff register it; replaces what is stored."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "某某小区二期", "credit_code": "91350100M000100Y43", "district": "d01",
        "grid": "d01-s03-g07", "started_on": "2026-03-01", "ends_on": "2027-06-30"}]})

    name: Text = Field(max_length=200)
    credit_code: Text = Field(max_length=64,
                             description="the general contractor (施工总承包单位)")
    district: str | None = Field(default=None, max_length=32, pattern=DISTRICT,
                                 description="defaults to the caller's district")
    grid: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    started_on: date | None = None
    ends_on: date | None = Field(default=None, description="no deposit needed after this day")


class DepositPut(BaseModel):
    """A deposit that replaces the project's current one; the replaced one stays on file."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "kind": "bank_guarantee", "amount": "300000", "bank": "某银行某支行",
        "guarantee_number": "BH-2026-0018", "valid_from": "2026-03-01",
        "valid_until": "2027-06-30", "reason": "保函原件已核验"}]})

    kind: Kind
    amount: Money = Field(gt=0, description="yuan")
    bank: Text | None = Field(default=None, max_length=200)
    guarantee_number: Text | None = Field(default=None, max_length=64,
                                         description="保函编号, for a bank guarantee")
    valid_from: date
    valid_until: date = Field(description="last valid day")
    reason: Text = Field(max_length=500, description="what was verified")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        if self.kind is Kind.BANK_GUARANTEE and not (self.bank and self.guarantee_number):
            raise ValueError("a bank guarantee names its bank and guarantee number")
        return self


class DepositRead(BaseModel):
    id: str
    kind: Kind
    amount: Decimal
    bank: str | None
    guarantee_number: str | None
    valid_from: date
    valid_until: date
    recorded_by: str
    recorded_at: datetime
    reason: str
    replaced_at: datetime | None = Field(description="null for the current deposit")


class ProjectRead(BaseModel):
    project_id: str
    name: str
    credit_code: str
    district: str | None
    grid: str | None
    started_on: date | None
    ends_on: date | None
    covered_today: bool = Field(description="R-CRD-6 a valid deposit covers today")
    deposits: list[DepositRead] = Field(description="current first, then those it replaced")


class Uncovered(BaseModel):
    project_id: str
    name: str
    credit_code: str
    district: str | None
    gap: Gap
    reason: str


class Coverage(BaseModel):
    """R-CRD-6 coverage of the projects in progress on `day`."""

    day: date
    projects: int
    covered: int
    rate: Decimal = Field(description="covered / projects; 1 when there are none")
    target: Decimal
    uncovered: list[Uncovered]
