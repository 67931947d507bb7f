"""What notify knows of credit's grids and of which grid each registered employer is in."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from notify.tables import NotifyTable


class Grid(NotifyTable, table=True):
    """A grid and its workers (credit.grid.changed.v1); `version` is the newest applied."""

    __tablename__ = "grids"

    code: str = Field(primary_key=True)
    name: str
    level: str
    parent_code: str | None = None
    district: str | None = None
    workers: list[str] = Field(default_factory=list, sa_type=JSONB)
    active: bool = True
    version: int = Field(sa_type=sa.BigInteger)
    changed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


class EmployerGrid(NotifyTable, table=True):
    """A registered employer's one grid (credit.employer.changed.v1)."""

    __tablename__ = "employer_grids"

    credit_code: str = Field(primary_key=True)
    grid: str | None = None
    version: int = Field(sa_type=sa.BigInteger)


grids = Grid.__table__  # type: ignore[attr-defined]
employer_grids = EmployerGrid.__table__  # type: ignore[attr-defined]
