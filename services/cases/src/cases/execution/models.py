"""Payments from the fiscal account feed (append-only)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from cases.tables import CasesTable


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


payments = Payment.__table__  # type: ignore[attr-defined]
