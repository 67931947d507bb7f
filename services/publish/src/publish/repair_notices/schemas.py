"""API shapes of repair notices: what the public reads and files, what reviewers read."""

from __future__ import annotations

from datetime import datetime

from labor_runtime.inputs import Text
from pydantic import BaseModel, Field


class RepairNoticeView(BaseModel):
    """A credit repair's public notice (R-CRD-5), with its outcome once concluded."""

    id: str = Field(description="the repair")
    credit_code: str = Field(description="统一社会信用代码")
    employer_name: str
    summary: str
    notice_starts_at: datetime
    notice_ends_at: datetime = Field(description="objections are taken until then (R-PUB-5)")
    status: str = Field(description="upcoming, open, ended, repaired, refused or withdrawn")
    outcome_reason: str = ""
    concluded_at: datetime | None = None
    objections: int = Field(description="objections filed so far")


class RepairNoticePage(BaseModel):
    items: list[RepairNoticeView]
    page: int
    page_size: int
    total: int


class ObjectionCreate(BaseModel):
    """An objection from anyone (R-PUB-5): why the repair should not go ahead."""

    grounds: Text = Field(max_length=4000, description="what you object to and why")
    contact: str | None = Field(default=None, max_length=200, description="optional: how the "
                                "reviewer may reach you; kept encrypted, never published")


class ObjectionReceipt(BaseModel):
    id: str
    repair_id: str
    filed_at: datetime


class ObjectionView(BaseModel):
    """An objection as the reviewer handling it reads it, the contact in full (audited)."""

    id: str
    repair_id: str
    grounds: str
    contact: str | None
    filed_at: datetime
