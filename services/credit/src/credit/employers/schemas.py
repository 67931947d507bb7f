"""API shapes of the register: what officers and grid workers send, what staff read."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from labor_contracts.identifiers import identity_number_problem
from labor_runtime.inputs import Text
from pydantic import BaseModel, ConfigDict, Field, field_validator


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
        "grid": "350102001001", "district": "d01", "industry": "construction", "size": "medium",
    }]})

    name: Text = Field(max_length=200, description="registered name")
    legal_representative: str | None = Field(default=None, max_length=64, description="法定代表人")
    address: str | None = Field(default=None, max_length=300)
    contact_email: str | None = Field(default=None, max_length=254,
                                      pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                      description="service address for electronic delivery")
    grid: str = Field(pattern=r"^\d{12}$",
                      description="R-ORG-1 the one grid (网格) the employer belongs to: a "
                      "village-level grid's statistical division code (12 digits)")
    district: str | None = Field(default=None, max_length=32,
                                 description="the grid's district; when given, it must match")
    legal_representative_phone: str | None = Field(
        default=None, pattern=r"^1[3-9]\d{9}$",
        description="the legal representative's mobile (11 digits); personal data, encrypted")
    legal_representative_id_number: str | None = Field(
        default=None, min_length=18, max_length=18,
        description="the legal representative's resident ID number (居民身份证号码, 18 "
        "characters with its check character); personal data, encrypted")

    @field_validator("legal_representative_id_number")
    @classmethod
    def _valid_id_number(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.upper()
        problem = identity_number_problem(value)
        if problem:
            raise ValueError(f"not a valid resident ID number: {problem}")
        return value
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


class GridPlace(BaseModel):
    """The employer's grid with its path to the city and its grid workers (R-ORG-1)."""

    code: str
    name: str
    level: str
    district: str | None
    path: list[dict[str, str]] = Field(description="code, name, level from the city down")
    workers: list[str]


class Contacts(BaseModel):
    """The legal representative's contacts: in full only to officer_a, executor_c and
    detachment_chief asking with a reason (audited), masked to everyone else."""

    legal_representative: str | None
    legal_representative_phone: str | None
    legal_representative_id_number: str | None
    contact_email: str | None
    masked: bool


class HistoryLine(BaseModel):
    kind: str = Field(description="penalty, grade, warning_raised, deposit, blacklist, grid, …")
    at: datetime
    summary: str
    source: str = Field(description="the event id, or staff:<subject> / system:<job>")
    ref: str
    details: dict[str, object]


class EmployerFile(BaseModel):
    """The one file per employer (一户一档, R-CRD-1): the register entry, its grid, contacts,
    current grade and its history, newest first, one page at a time."""

    credit_code: str
    name: str
    address: str | None
    district: str | None
    industry: str | None
    size: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    grid: GridPlace | None = Field(description="null until a grid is assigned")
    unplaced_because: str | None = Field(description="without a grid: why (R-ORG-1)")
    contacts: Contacts
    grade: GradeHistoryRead | None
    history: list[HistoryLine]
    next_cursor: str | None = Field(description="pass as `cursor` for the next, older page")
