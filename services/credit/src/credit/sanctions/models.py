"""Sanction rows: one per party of a major case's R-MAJ-3 follow-up."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from credit.tables import CreditTable


class SanctionRow(CreditTable, table=True):
    """One party's joint punishment (联合惩戒). A person's name and identity number are kept
    only encrypted (`*_enc`) and shown masked; `imposed_at` is set once partners are told."""

    __tablename__ = "sanctions"
    __table_args__ = (sa.UniqueConstraint("major_case_id", "party_index"),)

    id: str = Field(primary_key=True)
    major_case_id: str
    party_index: int = Field(description="the party's place in the cases event: the key of "
                             "idempotency with the major case")
    case_id: str
    case_number: str | None = None
    district: str | None = Field(default=None, index=True)
    party_role: str
    credit_code: str | None = None
    name: str | None = Field(default=None, description="an organisation's name; null for a person")
    name_enc: str | None = None
    name_masked: str | None = None
    id_number_enc: str | None = None
    id_number_masked: str | None = None
    punishments: list[dict[str, Any]] = Field(sa_type=JSONB)
    source_event_id: str
    created_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    identified_by: str | None = None
    imposed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    starts_on: date
    ends_on: date


sanctions = SanctionRow.__table__  # type: ignore[attr-defined]
