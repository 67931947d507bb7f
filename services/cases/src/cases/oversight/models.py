"""The recorded monthly review draws (R-CASE-9)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from cases.tables import CasesTable


class ReviewDraw(CasesTable, table=True):
    """One month's draw: the seed and population it was made from, so anyone can re-draw it."""

    __tablename__ = "review_draws"

    month: str = Field(primary_key=True, description="YYYY-MM, bureau time")
    seed: str
    algorithm: str
    share: Decimal = Field(sa_type=sa.Numeric(5, 4))
    population: list[str] = Field(sa_column=sa.Column(JSONB, nullable=False))
    selected: list[str] = Field(sa_column=sa.Column(JSONB, nullable=False))
    drawn_by: str
    drawn_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


review_draws = ReviewDraw.__table__  # type: ignore[attr-defined]
