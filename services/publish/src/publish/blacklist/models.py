"""Joint punishments pushed to partners without a public disclosure (R-MAJ-3)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from publish.tables import PublishTable


class JointPunishment(PublishTable, table=True):
    """A bid bar or market ban as credit imposed it; a person only masked, never the identity
    number (the housing regulator reads that from credit)."""

    __tablename__ = "joint_punishments"

    sanction_id: str = Field(primary_key=True)
    major_case_id: str
    party_role: str
    credit_code: str | None = None
    name: str = Field(description="the organisation's name, or the person's masked name")
    person: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    punishments: list[dict[str, Any]] = Field(sa_type=JSONB)
    imposed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    source_event_id: str
    received_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


joint_punishments = JointPunishment.__table__  # type: ignore[attr-defined]
