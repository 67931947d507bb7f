"""API shapes of complaints: what channels send, what workers and staff read."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from labor_contracts.identifiers import CreditCode, identity_number_problem
from labor_runtime.inputs import Money, Text
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator


class Complainant(BaseModel):
    """The worker (投诉人): personal data, encrypted at rest and never sent to other services."""

    name: Text = Field(max_length=64)
    id_number: str = Field(description="resident identity number (GB 11643)")
    phone: str = Field(pattern=r"^\+?[0-9]{6,15}$")

    @field_validator("id_number")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        problem = identity_number_problem(value.upper())
        if problem:
            raise ValueError(f"identity number invalid: {problem}")
        return value.upper()


class EmployerIn(BaseModel):
    credit_code: CreditCode | None = Field(default=None, description="统一社会信用代码; validated")
    name: Text = Field(max_length=200)
    address: str | None = Field(default=None, max_length=300)



class Material(BaseModel):
    kind: Text = Field(max_length=64,
                       description="identity_proof, payslip, chat_record, attendance_record, ...")
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    description: str = Field(default="", max_length=500)


class ComplaintCreate(BaseModel):
    """A complaint as a channel files it (R-INT-1, R-INT-2)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "complaint_type": "wage_arrears",
        "complainant": {"name": "张三", "id_number": "11010519491231002X", "phone": "13800138000"},
        "employer": {"credit_code": "91350100M000100Y43", "name": "某某建筑工程有限公司",
                     "address": "某市某区某路1号"},
        "district": "d01",
        "worker_count": 6,
        "arrears_amount": "120000.00",
        "summary": "六名工人三个月工资未发",
        "materials": [{"kind": "identity_proof"}, {"kind": "payslip"}],
    }]})

    complaint_type: Text = Field(default="wage_arrears", max_length=64)
    complainant: Complainant
    employer: EmployerIn
    district: str | None = Field(default=None, max_length=32)
    worker_count: StrictInt = Field(ge=1, le=100_000)
    arrears_amount: Money = Field(le=Decimal("1e11"))
    suspected_crime: StrictBool = False
    mass_incident: StrictBool = False
    summary: str = Field(default="", max_length=4000)
    project: str | None = Field(default=None, max_length=200,
                                description="R-INT-6 construction project (工程项目) complained about")
    materials: list[Material] = Field(default_factory=list, max_length=100)


class CorrectionNotice(BaseModel):
    """R-INT-2: the one-time correction notice (一次性补正告知书): every missing item at once."""

    title: str
    missing: list[str] = Field(description="codes of the missing items, e.g. identity_proof")
    items: list[str] = Field(description="the same items as the notice words them")
    detail: str


class ComplaintReceipt(BaseModel):
    complaint_id: str
    tracking_code: str = Field(description="give this to the worker to follow the complaint "
                               "and to upload missing materials with")
    status: str = Field(description="received, or awaiting_materials with the correction notice")
    received_at: datetime
    missing: list[str] = Field(default_factory=list, description="R-INT-2 what is still missing")
    correction_notice: CorrectionNotice | None = None


class BatchItem(BaseModel):
    """One queued complaint of an offline client, under its own idempotency key (R-INT-5)."""

    idempotency_key: str = Field(description="8 to 128 characters; checked per item, so a bad "
                                 "key rejects only its item")
    complaint: dict[str, Any] = Field(description="a complaint as POST /v1/complaints takes it; "
                                      "validated per item, so one bad item rejects only itself")


class BatchRequest(BaseModel):
    items: list[BatchItem] = Field(min_length=1)


class BatchItemResult(BaseModel):
    index: int
    idempotency_key: str
    outcome: Literal["accepted", "duplicate", "rejected"]
    receipt: ComplaintReceipt | None = Field(default=None,
                                             description="accepted: the new one; duplicate: the original")
    problem: dict[str, Any] | None = Field(default=None, description="rejected: problem+json of the item")


class BatchResult(BaseModel):
    accepted: int
    duplicate: int
    rejected: int
    items: list[BatchItemResult]


class ComplaintStatusView(BaseModel):
    """What anyone holding the tracking code sees: no personal data (R-INT-8)."""

    tracking_code: str
    status: str
    status_reason: str
    channel: str
    received_at: datetime
    updated_at: datetime


class ComplainantView(BaseModel):
    complaint_id: str
    name: str
    id_number: str
    phone: str


class ComplaintTextView(BaseModel):
    """The free text as the channel filed it: may hold personal data (R-INT-7)."""

    complaint_id: str
    summary: str
    project: str | None
    employer_address: str | None
