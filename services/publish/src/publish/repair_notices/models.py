"""Repair notices on the public site and the objections filed against them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from publish.tables import PublishTable


class RepairNotice(PublishTable, table=True):
    """A credit repair in its public notice (信用修复公示, R-CRD-5), then its outcome."""

    __tablename__ = "repair_notices"

    repair_id: str = Field(primary_key=True)
    entry_id: str
    credit_code: str = Field(index=True)
    employer_name: str
    summary: str
    notice_starts_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    notice_ends_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    published_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    source_event_id: str
    outcome: str | None = Field(default=None, description="repaired, refused or withdrawn")
    outcome_reason: str = ""
    concluded_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    district: str | None = Field(default=None, description="whose reviewers read the "
                                 "objections; none: only the city-wide")


class Objection(PublishTable, table=True):
    """An objection from the public (R-PUB-5). The objector's contact is personal data: kept
    encrypted here, in no event and no log."""

    __tablename__ = "repair_objections"
    __table_args__ = (sa.Index("repair_objections_origin", "origin", "filed_at"),)

    id: str = Field(primary_key=True)
    repair_id: str = Field(foreign_key="repair_notices.repair_id", index=True)
    grounds: str
    contact_enc: str | None = None
    origin: str = Field(description="the filing address pseudonymised (rules.origin_tag), for "
                        "the rate limit; never the address itself")
    filed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


repair_notices = RepairNotice.__table__  # type: ignore[attr-defined]
repair_objections = Objection.__table__  # type: ignore[attr-defined]
