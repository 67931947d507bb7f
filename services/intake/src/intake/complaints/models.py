"""Complaint rows. Identity and contact are stored only as AES-GCM ciphertext (R-INT-7); free text
typed by or about the complainant is stored masked, its original only as ciphertext (migration 0010)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlmodel import Field

from intake.tables import IntakeTable


class Complaint(IntakeTable, table=True):
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
    missing_materials: list[str] = Field(default_factory=list, sa_type=pg.ARRAY(sa.Text))
    case_id: str | None = None
    # R-INT-3 / R-INT-4 / R-INT-6 (migration 0003)
    employer_id: str | None = Field(default=None, index=True)
    project: str | None = None
    handler: str | None = None
    assigned_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    phone_confirmed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    mediation_result: str | None = None
    mediation_grid: str | None = None
    mediated_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    escalated_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # R-INT-3 the worker told (migration 0006)
    registration_answer_issued_at: datetime | None = Field(default=None,
                                                           sa_type=sa.DateTime(timezone=True))
    registration_answer_told_at: datetime | None = Field(default=None,
                                                         sa_type=sa.DateTime(timezone=True))
    registration_answer_told_via: str | None = None
    worker_notice_failed_at: datetime | None = Field(default=None,
                                                     sa_type=sa.DateTime(timezone=True))
    worker_notice_failed_kind: str | None = None
    worker_notice_failed_id: str | None = None
    worker_notice_failure: str | None = None
    # R-INT-2 the correction notice told by staff (migration 0007)
    correction_notice_told_at: datetime | None = Field(default=None,
                                                       sa_type=sa.DateTime(timezone=True))
    correction_notice_told_via: str | None = None
    # R-INT-7 the free text as filed (migration 0010); null: a row filed before, until
    # `intake.privacy.rotate` seals it (then `summary`, `project`, `employer_address` are still plain)
    summary_enc: str | None = None
    project_enc: str | None = None
    employer_address_enc: str | None = None
    received_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


complaints = Complaint.__table__  # type: ignore[attr-defined]
