"""Value types shared by several event payloads."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from labor_contracts.events import EventData


class EmployerRef(BaseModel):
    """The employer (用人单位) an event is about; public business data, never personal data."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    credit_code: str | None = Field(
        default=None, description="unified social credit code (统一社会信用代码), 18 characters"
    )
    name: str = Field(description="registered name of the employer")
    address: str | None = None
    legal_representative: str | None = Field(default=None, description="法定代表人")
    email: str | None = Field(default=None, description="service address for electronic delivery")


class DocumentKind(StrEnum):
    """Legal documents served electronically (R-DLV-1)."""

    CORRECTION_NOTICE = "correction_notice"
    PENALTY_NOTICE = "penalty_notice"
    PENALTY_DECISION = "penalty_decision"
    REMINDER = "reminder"
    CREDIT_REPAIR_NOTICE = "credit_repair_notice"


class DeadlineOverdue(EventData):
    """A stored legal deadline passed without its action (every service's timers raise these)."""

    event_type = "runtime.deadline.overdue.v1"

    timer_id: str
    kind: str = Field(description="which deadline, e.g. intake.assignment")
    subject: str = Field(description="the aggregate the deadline belongs to")
    due_at: datetime
    fired_at: datetime
