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
    cursor: int = Field(default=0, description="index in `plan` of the channel tried or awaited")
    dead: list[str] = Field(default_factory=list, sa_type=JSONB,
                            description="channels that will not serve this recipient")
    waits: dict[str, float] = Field(default_factory=dict, sa_type=JSONB,
                                    description="seconds a hand-over's proof is awaited, by channel")
    fallback: str = Field(default="grid_worker", description="grid_worker or post")
    confirmation_id: str | None = Field(default=None, foreign_key="address_confirmations.id")
    awaiting_reference: str | None = None
    proof_due_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    grid: str | None = Field(default=None, description="the recipient's grid when it went in person")
    district: str | None = Field(default=None, description="the case's district brigade (or the "
                                 "employer's grid's): staff of another district do not see it")
    in_person_since: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    in_person_reason: str | None = None
    proof_id: str | None = None
    traceparent: str | None = Field(default=None, description="trace of the event that caused "
                                     "it, which the work continues")


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
    reference: str | None = Field(default=None, description="a hand-over's key for its proof")


class Handover(NotifyTable, table=True):
    """A letter about to be handed over on a channel, kept before it is: proof that arrives before
    the hand-over's outcome is recorded still finds its delivery."""

    __tablename__ = "handovers"

    reference: str = Field(primary_key=True)
    delivery_id: str = Field(foreign_key="deliveries.id", index=True)
    channel: str
    address: str
    round: int
    started_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


class DeliveryProof(NotifyTable, table=True):
    """Proof of service (送达凭证) as the far end or the server gave it, kept for good and chained
    per case (R-DLV-3): the DSN with the fax transmission record, the signed read receipt, the
    send result, the SMTP reply, the grid worker's photo and signature, the post's return receipt."""

    __tablename__ = "delivery_proofs"

    id: str = Field(primary_key=True)
    delivery_id: str = Field(foreign_key="deliveries.id", index=True)
    document_id: str = Field(foreign_key="documents.id")
    case_id: str = Field(index=True)
    seq: int | None = Field(default=None, sa_type=sa.BigInteger, sa_column_kwargs={"unique": True})
    channel: str
    address: str
    reference: str
    served_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    summary: str
    content_type: str
    content: bytes = Field(sa_type=sa.LargeBinary)
    sha256: str
    previous_chain: str
    chain_sha256: str
    recorded_by: str
    recorded_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


deliveries = Delivery.__table__  # type: ignore[attr-defined]
delivery_attempts = DeliveryAttempt.__table__  # type: ignore[attr-defined]
delivery_proofs = DeliveryProof.__table__  # type: ignore[attr-defined]
handovers = Handover.__table__  # type: ignore[attr-defined]
