"""Blacklist rows: the entry, the conduct records it stands on, its timeline and its documents."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from credit.tables import CreditTable


class BlacklistEntry(CreditTable, table=True):
    """One employer's way onto and off the blacklist (R-CRD-4), from proposal to removal."""

    __tablename__ = "blacklist_entries"
    __table_args__ = (sa.Index("blacklist_entries_by_employer", "credit_code", "state"),)

    id: str = Field(primary_key=True)
    credit_code: str
    district: str | None = None
    state: str
    facts: str
    proposed_by: str
    proposed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    reviewed_by: str | None = None
    notice_document_id: str | None = None
    defence_due_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    defence: str | None = Field(default=None, description="what the employer stated (陈述申辩)")
    decision_number: str | None = None
    listed_on: date | None = None
    ends_on: date | None = Field(default=None, description="last day of the term")
    punishments: list[dict[str, object]] = Field(default_factory=list, sa_type=JSONB)
    removed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    removal_reason: str | None = None
    updated_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


class BlacklistGround(CreditTable, table=True):
    """A conduct record (`credit.conduct`) an entry stands on, with the ground it proves."""

    __tablename__ = "blacklist_grounds"

    entry_id: str = Field(primary_key=True)
    record_id: str = Field(primary_key=True, index=True)
    ground: str
    case_id: str | None = None


class BlacklistStep(CreditTable, table=True):
    """One step of an entry's or its repair's life: who, when, what, why (the timeline)."""

    __tablename__ = "blacklist_steps"

    id: int | None = Field(default=None, sa_type=sa.BigInteger, primary_key=True)
    entry_id: str = Field(index=True)
    repair_id: str | None = None
    at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    actor: str
    action: str
    reason: str


class CreditDocument(CreditTable, table=True):
    """A credit document (R-DLV-4): rendered once, stored with its hash, verifiable by its URL."""

    __tablename__ = "credit_documents"

    id: str = Field(primary_key=True)
    matter_id: str = Field(index=True, description="the entry or repair")
    kind: str
    title: str
    content: str
    sha256: str
    issued_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


blacklist_entries = BlacklistEntry.__table__  # type: ignore[attr-defined]
blacklist_grounds = BlacklistGround.__table__  # type: ignore[attr-defined]
blacklist_steps = BlacklistStep.__table__  # type: ignore[attr-defined]
credit_documents = CreditDocument.__table__  # type: ignore[attr-defined]
