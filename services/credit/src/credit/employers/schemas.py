"""API shapes of the register: what officers and grid workers send, what staff read."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class EmployerSize(StrEnum):
    """Enterprise size class (大型、中型、小型、微型)."""

    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"


class EmployerPut(BaseModel):
    """Basic data as an officer or grid worker registers it; replaces what is stored."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "某某建筑工程有限公司", "legal_representative": "李四", "address": "某市某区某路1号",
        "grid": "d01-s03-g07", "district": "d01", "industry": "construction", "size": "medium",
    }]})

    name: str = Field(min_length=1, max_length=200, description="registered name")
    legal_representative: str | None = Field(default=None, max_length=64, description="法定代表人")
    address: str | None = Field(default=None, max_length=300)
    contact_email: str | None = Field(default=None, max_length=254,
                                      pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                      description="service address for electronic delivery")
    grid: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$",
                      description="R-ORG-1 the one grid (网格) the employer belongs to")
    district: str | None = Field(default=None, max_length=32,
                                 description="defaults to the caller's district")
    industry: str | None = Field(default=None, max_length=64,
                                 description="e.g. construction, catering, platform_economy")
    size: EmployerSize | None = None


class PenaltyRead(BaseModel):
    """A penalty decision in the employer's case history."""

    decision_id: str
    decision_number: str
    case_id: str
    violation: str
    legal_basis: str
    fine_amount: Decimal
    measures: list[str]
    authority: str
    district: str | None
    decided_at: datetime
    worker_count: int
    arrears_amount: Decimal


class GradeHistoryRead(BaseModel):
    grade: str
    score: int
    previous_grade: str | None
    trigger: str
    computed_at: datetime


class EmployerRead(BaseModel):
    """The employer's file (一户一档): basic data, current grade, cases and grades, newest first."""

    credit_code: str
    name: str
    legal_representative: str | None
    address: str | None
    contact_email: str | None
    grid: str | None = Field(description="R-ORG-1 its grid; null until a grid is assigned")
    district: str | None
    industry: str | None
    size: str | None
    created_at: datetime
    updated_at: datetime
    grade: GradeHistoryRead | None = Field(description="the current grade; null before the first")
    cases: list[PenaltyRead]
    grades: list[GradeHistoryRead]
