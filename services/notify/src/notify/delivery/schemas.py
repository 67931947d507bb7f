"""API shapes of deliveries: the plan, every attempt and the proof of service (R-DLV-3)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class PlannedChannel(BaseModel):
    channel: str
    address: str


class SkippedChannel(BaseModel):
    channel: str
    reason: str = Field(description="why this channel cannot serve the recipient")


class AttemptView(BaseModel):
    """One hand-over tried: the far end's reply, kept append-only."""

    round: int
    channel: str
    address: str
    started_at: datetime
    finished_at: datetime
    outcome: str = Field(description="served or failed")
    reply_code: int | None = Field(description="e.g. the SMTP reply code; none when no reply came")
    reply_text: str


class ProofView(BaseModel):
    """Proof of service (送达凭证): legal clocks start at `served_at`."""

    channel: str
    address: str
    served_at: datetime
    reply_code: int | None
    reply_text: str
    message_id: str
    text: str = Field(description="the proof as sent in notify.document.served.v1")


class DeliveryView(BaseModel):
    id: str
    document_id: str
    case_id: str
    kind: str
    title: str
    status: str = Field(description="pending, served or failed")
    plan: list[PlannedChannel] = Field(description="channels tried in this order each round")
    skipped: list[SkippedChannel]
    rounds: int = Field(description="rounds of attempts made so far")
    next_attempt_at: datetime | None
    created_at: datetime
    proof: ProofView | None
    failed_at: datetime | None
    failure_reason: str | None
    attempts: list[AttemptView]
