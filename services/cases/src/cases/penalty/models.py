"""Penalty proposals (A's findings, B's review), hearings (听证) and signed penalty decisions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from cases.tables import CasesTable


class PenaltyProposal(CasesTable, table=True):
    """A handler's proposed penalty and its legal review (法制审核)."""

    __tablename__ = "penalty_proposals"

    id: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True)
    status: str
    violation: str
    legal_basis: str
    fine_amount: Decimal = Field(sa_type=sa.Numeric(14, 2))
    measures: list[str] = Field(default_factory=list, sa_column=sa.Column(JSONB, nullable=False))
    stop_production: bool = False
    party_name: str
    party_credit_code: str | None = None
    party_legal_representative: str | None = None
    party_email: str | None = None
    party_address: str | None = None
    notice_required: bool
    proposed_by: str
    proposed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    reviewed_by: str | None = None
    reviewed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    review_reason: str | None = None
    notice_document_id: str | None = None


class Hearing(CasesTable, table=True):
    """The party's request for a hearing and, once held, its record (a stored document)."""

    __tablename__ = "hearings"

    id: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="cases.id", unique=True)
    requested_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    requested_by: str = Field(description="the staff member who recorded the party's request")
    request_note: str = ""
    hold_by: datetime = Field(sa_type=sa.DateTime(timezone=True))
    held_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    record_document_id: str | None = Field(default=None, foreign_key="documents.id")


class PenaltyDecision(CasesTable, table=True):
    """A signed penalty decision (行政处罚决定书) and the deadlines it started."""

    __tablename__ = "penalty_decisions"

    id: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="cases.id", unique=True)
    proposal_id: str = Field(foreign_key="penalty_proposals.id")
    decision_number: str = Field(unique=True)
    document_id: str
    signed_by: str
    decided_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    publish_by: date
    served_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    payment_due_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    published_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    disclosure_id: str | None = None
    hearing_id: str | None = Field(default=None, description="R-CASE-5: the hearing it rests on")
    reminder_document_id: str | None = Field(default=None, description="R-CASE-7: the 催告书")
    paid_in_full_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    court_enforcement_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    court_application_document_id: str | None = Field(default=None,
                                                      description="R-CASE-7: the 强制执行申请书")


penalty_proposals = PenaltyProposal.__table__  # type: ignore[attr-defined]
penalty_decisions = PenaltyDecision.__table__  # type: ignore[attr-defined]
hearings = Hearing.__table__  # type: ignore[attr-defined]
