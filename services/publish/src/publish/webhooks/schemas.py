"""What operations see of webhook deliveries."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class AttemptView(BaseModel):
    number: int
    attempted_at: datetime
    status_code: int | None
    outcome: str = Field(description="delivered, retry, gone or failed")
    error: str
    duration_ms: int


class DeliveryView(BaseModel):
    id: str
    webhook_id: str = Field(description="the `webhook-id` header, the same on every retry")
    disclosure_id: str
    message_type: str
    status: str = Field(description="pending, delivered or failed")
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptView]
