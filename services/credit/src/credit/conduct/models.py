"""What the employer did, as cases, intake and staff report it: one row per report.

Feeds the grade's conduct indicators (R-CRD-2) and holds the blacklist's grounds (R-CRD-4)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from credit.conduct.rules import ConductKind as ConductKind  # re-exported: the kinds are rules
from credit.tables import CreditTable


class ConductRecord(CreditTable, table=True):
    """One report of the employer's conduct; the same source reporting the same kind is one row."""

    __tablename__ = "conduct_records"
    __table_args__ = (sa.UniqueConstraint("source", "kind"),
                      sa.Index("conduct_records_by_employer", "credit_code", "kind", "occurred_at"))

    id: str = Field(primary_key=True)
    credit_code: str
    kind: str
    case_id: str | None = None
    occurred_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    amount: Decimal | None = Field(default=None, sa_type=sa.Numeric(16, 2),
                                   description="yuan: arrears or fine outstanding")
    detail: str = ""
    source: str = Field(description="the event id, or staff:<subject>:<record id> for a finding")
    recorded_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


conduct_records = ConductRecord.__table__  # type: ignore[attr-defined]
