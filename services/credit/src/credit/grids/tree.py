"""Data functions over the grid tree that other folders use too (R-ORG-1)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from credit.grids.models import grids
from credit.grids.schemas import GridRef


async def path_to_city(conn: AsyncConnection | AsyncSession, code: str) -> list[GridRef]:
    """The grid's ancestors, city first (at most three)."""
    path: list[GridRef] = []
    parent = (await conn.execute(
        sa.select(grids.c.parent_code).where(grids.c.code == code))).scalar_one_or_none()
    while parent is not None:
        row = (await conn.execute(sa.select(grids).where(grids.c.code == parent))).one()
        path.insert(0, GridRef(code=row.code, name=row.name, level=row.level))
        parent = row.parent_code
    return path
