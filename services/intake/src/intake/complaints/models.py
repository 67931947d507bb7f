"""Complaint rows. Identity and contact are stored only as AES-GCM ciphertext (R-INT-7)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class Complaint(SQLModel, table=True):
    """A worker's complaint (投诉) about unpaid wages."""

    __tablename__ = "complaints"
    __table_args__ = (sa.UniqueConstraint("channel_client", "idempotency_key"),)

    id: str = Field(primary_key=True)
    tracking_code: str = Field(unique=True, index=True)
    channel: str
    channel_client: str
    idempotency_key: str
    request_sha256: str
    complaint_type: str
    status: str
    status_reason: str = ""
    employer_name: str
    employer_credit_code: str | None = Field(default=None, index=True)
    employer_address: str | None = None
    district: str | None = Field(default=None, index=True)
    worker_count: int
    arrears_amount: Decimal = Field(sa_type=sa.Numeric(14, 2))
    suspected_crime: bool = False
    mass_incident: bool = False
    summary: str = ""
    complainant_name_enc: str
    complainant_id_number_enc: str
    complainant_phone_enc: str
    case_id: str | None = None
    received_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


complaints = Complaint.__table__  # type: ignore[attr-defined]
