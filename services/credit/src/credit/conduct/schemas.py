"""API shape of conduct: a staff finding, and the records the grade counts (R-CRD-2)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from labor_runtime.inputs import Text
from pydantic import BaseModel, ConfigDict, Field

from credit.conduct.rules import FindingKind

_NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold U+0000


class FindingCreate(BaseModel):
    """What an officer or executor found about the employer on site."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "kind": "inspection_obstructed", "case_reference": "某劳监立〔2026〕0001",
        "description": "检查人员到场后，单位负责人锁闭财务室，拒绝提供工资台账",
        "found_on": "2026-11-20"}]})

    kind: FindingKind = Field(description="inspection_obstructed (拒绝、阻挠检查), "
                              "violent_resistance (暴力抗拒执法) or false_rectification (虚假整改)")
    case_reference: Text | None = Field(default=None, max_length=200,
                                       pattern=_NO_NUL, description="the case it happened in")
    description: str = Field(min_length=2, max_length=2000, pattern=_NO_NUL,
                             description="what was found; no personal data of workers")
    found_on: date = Field(description="the day it happened, not in the future")


class ConductRead(BaseModel):
    id: str
    kind: str
    case_id: str | None
    occurred_at: datetime
    amount: Decimal | None = Field(description="yuan: wages or fine still owed, when reported")
    detail: str = Field(description="the workers' satisfaction of a closing, the complaint id of "
                        "a complaint, what a finding found, the number of a decision")
    source: str = Field(description="the event id, or staff:<subject>:<id> for a finding")
    recorded_at: datetime


class EmployerConduct(BaseModel):
    """What the employer did, as cases, intake and staff reported it (R-CRD-2)."""

    credit_code: str
    records: list[ConductRead] = Field(description="newest first")
