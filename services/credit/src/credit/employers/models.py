"""Register rows (一户一档): the employer and the penalty decisions in its history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from credit.tables import CreditTable


class Employer(CreditTable, table=True):
    """One employer (用人单位), keyed by its unified social credit code (R-CRD-1)."""

    __tablename__ = "employers"

    credit_code: str = Field(primary_key=True)
    name: str
    legal_representative: str | None = None
    address: str | None = None
    contact_email: str | None = None
    grid: str | None = Field(default=None, index=True,
                             description="R-ORG-1 its one grid: a village-level grid (grids.code)")
    grid_level: str | None = Field(default=None, description="'village' with a grid: the "
                                   "composite key (grid, grid_level) -> grids(code, level)")
    legacy_grid: str | None = Field(default=None, description="a grid named before the tree")
    legal_representative_phone_enc: str | None = Field(default=None, description="encrypted")
    legal_representative_id_number_enc: str | None = Field(default=None, description="encrypted")
    district: str | None = Field(default=None, index=True)
    industry: str | None = None
    size: str | None = None
    version: int = Field(default=1, sa_type=sa.BigInteger,
                         description="1 when registered, one more with every published change")
    created_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


class EmployerPenalty(CreditTable, table=True):
    """A penalty decision (行政处罚决定书) in the employer's case history; once per decision."""

    __tablename__ = "employer_penalties"

    decision_id: str = Field(primary_key=True)
    credit_code: str = Field(foreign_key="employers.credit_code", index=True)
    case_id: str
    decision_number: str
    violation: str
    legal_basis: str
    fine_amount: Decimal = Field(sa_type=sa.Numeric(14, 2))
    measures: list[str] = Field(default_factory=list, sa_type=JSONB)
    authority: str
    district: str | None = None
    decided_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    worker_count: int = 0
    arrears_amount: Decimal = Field(sa_type=sa.Numeric(14, 2))
    event_id: str
    recorded_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


employers = Employer.__table__  # type: ignore[attr-defined]
employer_penalties = EmployerPenalty.__table__  # type: ignore[attr-defined]


class EmployerHistoryLine(CreditTable, table=True):
    """One line of the employer's history (`credit.employers.history`)."""

    __tablename__ = "employer_history"
    __table_args__ = (sa.UniqueConstraint("source", "kind", "ref"),
                      sa.Index("employer_history_by_employer", "credit_code", "at"))

    id: int | None = Field(default=None, sa_type=sa.BigInteger, primary_key=True)
    credit_code: str
    kind: str
    at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    summary: str
    source: str
    ref: str = ""
    details: dict[str, object] = Field(default_factory=dict, sa_type=JSONB)


employer_history = EmployerHistoryLine.__table__  # type: ignore[attr-defined]
