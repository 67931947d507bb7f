"""How notify follows credit's grids and register (R-ORG-1): a document no electronic channel
could serve goes to the grid workers of the employer's grid."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from labor_contracts.credit import EmployerRegisterChanged, GridChanged
from labor_contracts.envelope import Envelope
from labor_runtime.db import UnitOfWork, apply_if_newer
from sqlalchemy.ext.asyncio import AsyncSession

from notify.grids.models import employer_grids, grids

log = logging.getLogger(__name__)


async def on_grid_changed(uow: UnitOfWork, event: Envelope, data: GridChanged) -> None:
    applied = await apply_if_newer(uow.session, grids, "code", {
        "code": data.code, "name": data.name, "district": data.district,
        "workers": data.grid_workers, "active": data.active, "version": data.version})
    log.info("grid %s version %s: %s", data.code, data.version,
             "applied" if applied else "not newer, ignored")


async def on_employer_register_changed(uow: UnitOfWork, event: Envelope,
                                       data: EmployerRegisterChanged) -> None:
    applied = await apply_if_newer(uow.session, employer_grids, "credit_code", {
        "credit_code": data.credit_code, "grid": data.grid, "version": data.version})
    log.info("register version %s of %s: %s", data.version, data.credit_code,
             "applied" if applied else "not newer, ignored")


async def grid_of(session: AsyncSession, credit_code: str | None) -> sa.Row[Any] | None:
    """The employer's grid with its district and workers; None while unknown."""
    if credit_code is None:
        return None
    return (await session.execute(
        sa.select(grids.c.code, grids.c.name, grids.c.district, grids.c.workers)
        .join_from(employer_grids, grids, grids.c.code == employer_grids.c.grid)
        .where(employer_grids.c.credit_code == credit_code))).first()


HANDLERS: dict[str, Any] = {GridChanged.event_type: on_grid_changed,
                            EmployerRegisterChanged.event_type: on_employer_register_changed}
