"""Wage guarantee deposits of projects, replacements kept, and the findings of projects without
a valid one (R-CRD-6)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from credit.tables import CreditTable


class WageDeposit(CreditTable, table=True):
    """A project's wage guarantee deposit (农民工工资保障金): cash or a bank guarantee (银行保函).
    A new one replaces the current one (`replaced_at`); none is ever deleted."""

    __tablename__ = "wage_deposits"
    __table_args__ = (sa.Index("wage_deposits_current", "project_id", unique=True,
                               postgresql_where=sa.text("replaced_at IS NULL")),)

    id: str = Field(primary_key=True)
    project_id: str = Field(index=True)
    kind: str = Field(description="cash or bank_guarantee")
    amount: Decimal = Field(sa_type=sa.Numeric(16, 2))
    bank: str | None = None
    guarantee_number: str | None = Field(default=None, description="保函编号")
    valid_from: date
    valid_until: date = Field(description="last valid day")
    recorded_by: str
    recorded_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    reason: str
    replaced_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class DepositFinding(CreditTable, table=True):
    """A project found without a valid deposit: once per project and lapse (`lapse`: the deposit
    that lapsed, or `none` when it never had one)."""

    __tablename__ = "deposit_findings"
    __table_args__ = (sa.UniqueConstraint("project_id", "lapse"),)

    id: str = Field(primary_key=True)
    project_id: str
    credit_code: str
    lapse: str
    reason: str
    check_day: date
    found_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


wage_deposits = WageDeposit.__table__  # type: ignore[attr-defined]
deposit_findings = DepositFinding.__table__  # type: ignore[attr-defined]
