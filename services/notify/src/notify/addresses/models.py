"""Delivery-address confirmations: one in force per party; a new one replaces it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from notify.tables import NotifyTable


class AddressConfirmation(NotifyTable, table=True):
    """A party's delivery-address confirmation (送达地址确认书): the channels and addresses it
    consents to be served on electronically, signed on the mobile form or uploaded as a scan."""

    __tablename__ = "address_confirmations"

    id: str = Field(primary_key=True)
    credit_code: str
    party_name: str
    signatory: str
    signatory_capacity: str
    addresses: list[dict[str, Any]] = Field(sa_type=JSONB, description="[{channel, address}]")
    method: str = Field(description="mobile_signature or scan")
    artefact: bytes = Field(sa_type=sa.LargeBinary)
    artefact_type: str
    artefact_sha256: str
    signed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    recorded_by: str
    recorded_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    withdrawn_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    withdrawn_by: str | None = None
    withdrawal_reason: str | None = None
    district: str | None = Field(default=None, index=True,
                                 description="the party's district: whose staff see it")


address_confirmations = AddressConfirmation.__table__  # type: ignore[attr-defined]
