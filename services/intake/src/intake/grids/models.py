"""Intake's read model of the grid tree, as credit publishes it (credit.grid.changed.v1)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from intake.tables import IntakeTable


class Grid(IntakeTable, table=True):
    """A grid of credit's tree; `version` is the newest one applied."""

    __tablename__ = "grids"

    code: str = Field(primary_key=True, description="statistical division code, 12 digits")
    name: str
    level: str
    parent_code: str | None = None
    district: str | None = None
    workers: list[str] = Field(default_factory=list, sa_type=JSONB)
    active: bool = True
    version: int = Field(sa_type=sa.BigInteger)
    changed_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


grids = Grid.__table__  # type: ignore[attr-defined]
