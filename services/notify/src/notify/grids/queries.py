"""The employer's grid as notify knows it from credit (`labor_runtime.grids`): a document no
electronic channel could serve goes to the grid workers of the employer's grid (R-ORG-1)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from notify.grids.models import employer_grids, grids


async def grid_of(session: AsyncSession, credit_code: str | None) -> sa.Row[Any] | None:
    """The employer's grid with its district and workers; None while unknown."""
    if credit_code is None:
        return None
    return (await session.execute(
        sa.select(grids.c.code, grids.c.name, grids.c.district, grids.c.workers)
        .join_from(employer_grids, grids, grids.c.code == employer_grids.c.grid)
        .where(employer_grids.c.credit_code == credit_code))).first()
