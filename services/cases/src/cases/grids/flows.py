"""The employer's grid as a case shows it (R-ORG-1)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cases.grids.models import employer_grids, grids
from cases.grids.schemas import CaseGrid


async def grid_of(conn: AsyncConnection, credit_code: str | None) -> CaseGrid | None:
    """The registered employer's grid with its name and workers; None while unknown."""
    if credit_code is None:
        return None
    row = (await conn.execute(
        sa.select(employer_grids.c.grid, grids.c.name, grids.c.district, grids.c.workers)
        .select_from(employer_grids.outerjoin(grids, grids.c.code == employer_grids.c.grid))
        .where(employer_grids.c.credit_code == credit_code))).first()
    if row is None or row.grid is None:
        return None
    return CaseGrid(code=row.grid, name=row.name, district=row.district,
                    workers=list(row.workers or []))
