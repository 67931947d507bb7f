"""Grid rows (网格, R-ORG-1): the tree and its grid workers (网格员)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from credit.tables import CreditTable


class GridRow(CreditTable, table=True):
    """One grid of the four-level tree, keyed by its statistical division code."""

    __tablename__ = "grids"
    __table_args__ = (sa.UniqueConstraint("code", "level", name="grids_code_level"),)

    code: str = Field(primary_key=True)
    name: str
    level: str
    parent_code: str | None = Field(default=None, foreign_key="grids.code", index=True)
    district: str | None = Field(default=None, index=True)
    active: bool = True
    version: int = Field(default=1, sa_type=sa.BigInteger,
                         description="1 when loaded, one more with every change emitted")
    updated_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


class GridWorkerRow(CreditTable, table=True):
    """A grid worker assigned to a grid; a worker may look after several grids."""

    __tablename__ = "grid_workers"

    grid: str = Field(foreign_key="grids.code", primary_key=True)
    subject: str = Field(primary_key=True, description="the worker's staff subject")
    assigned_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


grids = GridRow.__table__  # type: ignore[attr-defined]
grid_workers = GridWorkerRow.__table__  # type: ignore[attr-defined]
