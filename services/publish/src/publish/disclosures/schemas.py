"""API shapes of disclosures: what the public and partners read, what operations record."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from labor_runtime.inputs import Text
from pydantic import BaseModel, ConfigDict, Field

_EXAMPLE: dict[str, object] = {
    "id": "d191793d-6d05-478e-b7fa-9c15e2f849b0",
    "category": "penalty_decision",
    "decision_number": "某劳监罚〔2026〕0001",
    "employer_name": "某某建筑工程有限公司",
    "employer_credit_code": "91350100M000100Y43",
    "legal_representative": "李四",
    "violation": "拖欠六名劳动者2025年10月至12月工资共计人民币120000元，经责令限期支付逾期仍未支付",
    "legal_basis": "《保障农民工工资支付条例》第五十七条",
    "penalty": "罚款 30000.00 元；责令于十五日内支付拖欠的劳动者工资",
    "fine_amount": "30000.00",
    "measures": ["责令于十五日内支付拖欠的劳动者工资"],
    "authority": "某市人力资源和社会保障局",
    "decided_on": "2026-11-25",
    "published_at": "2026-11-25T05:12:58.086748Z",
    "publicity_ends_on": "2029-11-25",
}


class DisclosureView(BaseModel):
    """A disclosure as published (R-PUB-3). It has no complainant field and never will."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    id: str
    category: str
    decision_number: str = Field(description="number of the penalty decision (行政处罚决定书文号)")
    employer_name: str
    employer_credit_code: str | None = Field(description="统一社会信用代码")
    legal_representative: str | None = Field(description="法定代表人")
    violation: str
    legal_basis: str
    penalty: str = Field(description="the penalty as the public reads it")
    fine_amount: Decimal = Field(description="yuan")
    measures: list[str]
    authority: str
    decided_on: date
    published_at: datetime
    publicity_ends_on: date = Field(description="last day of the publicity term (R-PUB-4)")


class DisclosurePage(BaseModel):
    items: list[DisclosureView]
    page: int
    page_size: int
    total: int


class FeedEntry(BaseModel):
    cursor: str = Field(description="resume after this entry by passing it as `cursor`")
    type: str = Field(description="disclosure.published")
    disclosure: DisclosureView


class FeedPage(BaseModel):
    """One page of a partner's feed, oldest first; replay from any cursor it was given."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "items": [{"cursor": "djE6MQ", "type": "disclosure.published", "disclosure": _EXAMPLE}],
        "next_cursor": "djE6MQ", "has_more": False}]})

    items: list[FeedEntry]
    next_cursor: str = Field(description="pass it to get what follows; unchanged when nothing new")
    has_more: bool


class SubmissionView(BaseModel):
    """A disclosure owed to a national platform (R-PUB-1)."""

    id: str
    disclosure_id: str
    platform: str
    status: str = Field(description="pending until the platform's receipt is recorded")
    due_on: date
    reference: str
    note: str
    submitted_at: datetime | None


class SubmissionRecorded(BaseModel):
    """The platform's receipt, for a disclosure an operator submitted by hand."""

    reference: Text = Field(max_length=200, description="the platform's receipt number")
    note: str = Field(default="", max_length=1000)
