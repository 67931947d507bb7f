"""Intake's read model of employers (R-INT-6, R-ORG-1): intake's complaints and credit's register.

Complaints create rows and keep the key they are linked by and the open totals. Credit owns the
register (一户一档) and publishes every change of it (credit.employer.changed.v1, handlers.py):
its name, address, grid and district win over what complaints said, a code-less row with the same
normalised name and address adopts the code, and `register_version` makes an older update that
arrives late, or a redelivered one, change nothing. Complaints against a registered employer are
routed to the register's district and carry its grid (complaints/flows.py).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from intake.tables import IntakeTable


class Employer(IntakeTable, table=True):
    """An employer complaints were filed against; one row however it was named."""

    __tablename__ = "employers"

    id: str = Field(primary_key=True)
    credit_code: str | None = Field(default=None, unique=True)
    name: str
    address: str | None = None
    name_key: str
    address_key: str = ""
    grid: str | None = Field(default=None, description="R-ORG-1 the one grid (网格)")
    district: str | None = None
    complaint_count: int = 0
    open_complaints: int = 0
    open_worker_count: int = 0
    open_arrears_amount: Decimal = Field(default=Decimal(0), sa_type=sa.Numeric(16, 2))
    # credit's register (migration 0004); null while the register has not published it
    register_version: int | None = Field(default=None, sa_type=sa.BigInteger)
    register_changed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    first_seen_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


employers = Employer.__table__  # type: ignore[attr-defined]
