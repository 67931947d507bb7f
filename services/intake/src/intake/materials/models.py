"""Uploaded evidence: the row points at the stored bytes by their SHA-256."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from intake.tables import IntakeTable


class MaterialRow(IntakeTable, table=True):
    """One evidence file of a complaint (证据材料)."""

    __tablename__ = "materials"
    __table_args__ = (sa.UniqueConstraint("complaint_id", "sha256", "kind"),)

    id: str = Field(primary_key=True)
    complaint_id: str = Field(foreign_key="complaints.id")
    kind: str
    content_type: str
    size_bytes: int = Field(sa_type=sa.BigInteger)
    sha256: str
    storage_key: str
    description: str = Field(default="", description="R-INT-7 personal data in it masked")
    # the description as typed (migration 0010); null: uploaded before, until sealed by the rotator
    description_enc: str | None = None
    uploaded_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


materials = MaterialRow.__table__  # type: ignore[attr-defined]
