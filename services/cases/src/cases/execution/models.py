"""Hearings (听证) and payments from the fiscal account feed (append-only)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from cases.tables import CasesTable


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


class Payment(CasesTable, table=True):
    """One payment into the fiscal account (财政专户) for a decision; `reference` is the bank's
    transaction id, so a re-imported feed changes nothing."""

    __tablename__ = "payments"

    reference: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True)
    decision_number: str
    amount: Decimal = Field(sa_type=sa.Numeric(14, 2))
    paid_on: date
    payer: str = ""
    imported_by: str
    imported_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


hearings = Hearing.__table__  # type: ignore[attr-defined]
payments = Payment.__table__  # type: ignore[attr-defined]
