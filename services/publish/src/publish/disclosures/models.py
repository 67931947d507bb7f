"""Disclosure rows and the national-platform submissions each one owes (R-PUB-1, R-PUB-3)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlmodel import Field

from publish.tables import PublishTable


class Disclosure(PublishTable, table=True):
    """A public disclosure (公示). Columns are exactly R-PUB-3's list plus bookkeeping: there is
    no place for complainant data."""

    __tablename__ = "disclosures"
    __table_args__ = (sa.UniqueConstraint("category", "source_ref"),)

    id: str = Field(primary_key=True)
    seq: int | None = Field(default=None, sa_column=sa.Column(
        sa.BigInteger, sa.Identity(), nullable=False, unique=True,
        comment="feed position; assigned under an advisory lock so it follows commit order"))
    category: str = Field(index=True)
    source_ref: str = Field(description="the decision (or blacklist entry) the disclosure "
                            "publishes")
    source_event_id: str
    case_id: str | None = Field(default=None, description="the case of a penalty decision")
    decision_number: str
    employer_name: str
    employer_credit_code: str | None = Field(default=None, index=True)
    legal_representative: str | None = None
    violation: str
    legal_basis: str
    fine_amount: Decimal = Field(sa_type=sa.Numeric(14, 2))
    measures: list[str] = Field(sa_column=sa.Column(pg.ARRAY(sa.Text), nullable=False))
    penalty: str
    authority: str
    decided_on: date
    decided_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    published_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    publicity_ends_on: date
    withdrawn_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    withdrawal_reason: str = ""
    punishments: list[dict[str, Any]] = Field(
        default_factory=list, sa_type=pg.JSONB,
        description="a blacklist entry's joint punishments (R-CRD-4): measure, agencies, "
        "starts_on, ends_on; pushed to each partner only as far as its agency acts on them")


class PlatformSubmission(PublishTable, table=True):
    """One disclosure owed to one national platform; `pending` until an adapter or an operator
    records the platform's receipt."""

    __tablename__ = "platform_submissions"
    __table_args__ = (sa.UniqueConstraint("disclosure_id", "platform"),)

    id: str = Field(primary_key=True)
    disclosure_id: str = Field(foreign_key="disclosures.id")
    platform: str
    status: str = Field(index=True)
    due_on: date
    reference: str = ""
    note: str = ""
    created_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    submitted_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    recorded_by: str = ""


disclosures = Disclosure.__table__  # type: ignore[attr-defined]
platform_submissions = PlatformSubmission.__table__  # type: ignore[attr-defined]
