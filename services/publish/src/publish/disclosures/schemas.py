"""API shapes of disclosures: what the public and partners read, what operations record."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class DisclosureView(BaseModel):
    """A disclosure as published (R-PUB-3). It has no complainant field and never will."""

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

    reference: str = Field(min_length=1, max_length=200, description="the platform's receipt number")
    note: str = Field(default="", max_length=1000)
