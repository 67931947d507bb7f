"""Delivery rows: one per document, with its schedule and proof; attempts are append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from notify.tables import NotifyTable


class Delivery(NotifyTable, table=True):
    """Serving one document (送达): pending until a channel proves the hand-over, or failed."""

    __tablename__ = "deliveries"

    id: str = Field(primary_key=True)
    document_id: str = Field(foreign_key="documents.id", unique=True)
    case_id: str = Field(index=True)
    status: str
    plan: list[dict[str, Any]] = Field(sa_type=JSONB, description="[{channel, address}] in order")
    skipped: list[dict[str, Any]] = Field(sa_type=JSONB, description="[{channel, reason}] not usable")
    message_id: str = Field(description="Message-ID of every e-mail of this delivery")
    rounds: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    lease_until: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    served_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    served_channel: str | None = None
    served_address: str | None = None
    reply_code: int | None = None
    reply_text: str | None = None
    proof: str | None = None
    failed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    failure_reason: str | None = None


class DeliveryAttempt(NotifyTable, table=True):
    """One hand-over tried on one channel: what the far end answered, kept for good."""

    __tablename__ = "delivery_attempts"

    id: int | None = Field(default=None, primary_key=True, sa_type=sa.BigInteger)
    delivery_id: str = Field(foreign_key="deliveries.id", index=True)
    round: int
    channel: str
    address: str
    started_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    finished_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    outcome: str
    reply_code: int | None = None
    reply_text: str


deliveries = Delivery.__table__  # type: ignore[attr-defined]
delivery_attempts = DeliveryAttempt.__table__  # type: ignore[attr-defined]
