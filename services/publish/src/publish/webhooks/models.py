"""One delivery per (partner, message), and every attempt made to deliver it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from publish.tables import PublishTable


class WebhookDelivery(PublishTable, table=True):
    """A message owed to one partner endpoint; its id is the stable `webhook-id`."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("partner_id", "disclosure_id", "message_type"),
        sa.Index("webhook_deliveries_due", "next_attempt_at",
                 postgresql_where=sa.text("status = 'pending'")),
    )

    id: str = Field(primary_key=True)
    partner_id: str = Field(foreign_key="partners.id", index=True)
    disclosure_id: str = Field(description="what the message is about: a disclosure, or a "
                               "joint punishment pushed without one (R-MAJ-3)")
    message_type: str
    body: str = Field(description="the exact JSON sent on every attempt")
    status: str  # pending, delivered, failed
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    lease_token: str | None = None
    leased_until: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    last_status_code: int | None = None
    last_error: str = ""
    created_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    delivered_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class WebhookAttempt(PublishTable, table=True):
    """One HTTP request to a partner and what came of it."""

    __tablename__ = "webhook_attempts"

    id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(),
                                                             primary_key=True))
    delivery_id: str = Field(foreign_key="webhook_deliveries.id", index=True)
    number: int
    attempted_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    status_code: int | None = None
    outcome: str  # delivered, retry, gone, failed
    error: str = ""
    duration_ms: int = 0


webhook_deliveries = WebhookDelivery.__table__  # type: ignore[attr-defined]
webhook_attempts = WebhookAttempt.__table__  # type: ignore[attr-defined]
