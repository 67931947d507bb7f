"""Data functions over the grid tree that other folders use too (R-ORG-1)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from credit.grids.models import grid_workers, grids
from credit.grids.schemas import GridRead, GridRef


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


async def grid_with_path(conn: AsyncConnection | AsyncSession, code: str) -> GridRead | None:
    """The grid with its path to the city and its workers; None for a code not in the tree."""
    row = (await conn.execute(sa.select(grids).where(grids.c.code == code))).first()
    if row is None:
        return None
    workers = (await conn.execute(
        sa.select(grid_workers.c.subject).where(grid_workers.c.grid == code)
        .order_by(grid_workers.c.subject))).scalars().all()
    return GridRead(**row._mapping, path=await path_to_city(conn, code), workers=list(workers))
