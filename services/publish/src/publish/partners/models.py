"""Partner agencies, their webhook endpoint and the categories they subscribe to."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from publish.tables import PublishTable


class Partner(PublishTable, table=True):
    """A partner regulator. The webhook secret is stored encrypted (it signs, so it can't be hashed)."""

    __tablename__ = "partners"

    id: str = Field(primary_key=True)
    name: str = Field(unique=True)
    agency: str
    api_key_id: str
    webhook_url: str | None = None
    webhook_secret_enc: str | None = None
    webhook_disabled_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    webhook_disabled_reason: str = ""
    failing_since: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_by: str
    created_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


class PartnerSubscription(PublishTable, table=True):
    """A partner receives (push) and may read (pull) the disclosures of this category."""

    __tablename__ = "partner_subscriptions"

    partner_id: str = Field(primary_key=True, foreign_key="partners.id")
    category: str = Field(primary_key=True)
    created_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


partners = Partner.__table__  # type: ignore[attr-defined]
partner_subscriptions = PartnerSubscription.__table__  # type: ignore[attr-defined]
