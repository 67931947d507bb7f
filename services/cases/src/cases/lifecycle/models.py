"""Case rows, the complaints they came from, the append-only timeline and official numbering."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from cases.tables import CasesTable


class Case(CasesTable, table=True):
    """A case (案件) opened from one or more complaints; `state` follows R-CASE-1."""

    __tablename__ = "cases"

    id: str = Field(primary_key=True)
    case_number: str | None = Field(default=None, unique=True, description="立案编号, set on registration")
    state: str = Field(index=True)
    district: str | None = Field(default=None, index=True)
    employer_name: str
    employer_credit_code: str | None = Field(default=None, index=True)
    employer_address: str | None = None
    employer_key: str | None = Field(
        default=None, index=True,
        description="R-INT-6 intake's key of the employer: complaints with the same key join an open case")
    worker_count: int
    arrears_amount: Decimal = Field(sa_type=sa.Numeric(14, 2))
    suspected_crime: bool = False
    mass_incident: bool = False
    summary: str = ""
    immediate_registration: bool = False
    opened_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    registered_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    notice_period_ends_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    decided_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    payment_due_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    published_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    traceparent: str | None = Field(default=None, description="trace of the originating complaint")


class CaseComplaint(CasesTable, table=True):
    """Which complaint a case came from; a complaint opens at most one case."""

    __tablename__ = "case_complaints"

    complaint_id: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True)
    channel: str
    received_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


class TimelineEntry(CasesTable, table=True):
    """One recorded step of a case (R-CASE-1): who, in which role, when, why. Append-only."""

    __tablename__ = "case_timeline"

    seq: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(),
                                                              primary_key=True))
    case_id: str = Field(foreign_key="cases.id", index=True)
    at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    action: str
    from_state: str | None = None
    to_state: str
    actor: str
    role: str
    reason: str = ""


class NumberSequence(CasesTable, table=True):
    """The last official number (文号) handed out per series and year."""

    __tablename__ = "number_sequences"

    series: str = Field(primary_key=True)
    year: int = Field(primary_key=True)
    last: int


cases = Case.__table__  # type: ignore[attr-defined]
case_complaints = CaseComplaint.__table__  # type: ignore[attr-defined]
case_timeline = TimelineEntry.__table__  # type: ignore[attr-defined]
number_sequences = NumberSequence.__table__  # type: ignore[attr-defined]


class RegistrationForm(CasesTable, table=True):
    """A's registration form (立案审批表), B's legal review and the brigade chief's answer
    (R-CASE-2). The form's bytes are a stored document that every step signs."""

    __tablename__ = "registration_forms"

    id: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True)
    status: str
    document_id: str = Field(foreign_key="documents.id")
    facts: str
    employer: dict[str, object] = Field(sa_column=sa.Column(JSONB, nullable=False))
    workers: list[dict[str, object]] = Field(sa_column=sa.Column(JSONB, nullable=False))
    amount: Decimal = Field(sa_type=sa.Numeric(14, 2))
    submitted_by: str
    submitted_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    reviewed_by: str | None = None
    reviewed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    review_reason: str | None = None


registration_forms = RegistrationForm.__table__  # type: ignore[attr-defined]
