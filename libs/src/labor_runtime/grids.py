"""How a service follows credit's grid tree and register (R-ORG-1) in read models of its own:
each update applies only when newer than the one applied, so a late older update or a redelivered
one changes nothing. Intake keeps the grids; cases and notify also each employer's grid."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from labor_contracts.credit import EmployerRegisterChanged, GridChanged
from labor_contracts.envelope import Envelope

from labor_runtime.db import UnitOfWork, apply_if_newer

log = logging.getLogger(__name__)


def grid_handlers(grids: sa.Table, employer_grids: sa.Table | None = None) -> dict[str, Any]:
    """Handlers of `credit.grid.changed.v1` into `grids` (code, name, level, parent_code,
    district, workers, active, version, changed_at) and, given `employer_grids` (credit_code,
    grid, version), of `credit.employer.changed.v1`."""

    async def on_grid_changed(uow: UnitOfWork, event: Envelope, data: GridChanged) -> None:
        applied = await apply_if_newer(uow.session, grids, "code", {
            "code": data.code, "name": data.name, "level": data.level,
            "parent_code": data.parent_code, "district": data.district,
            "workers": data.grid_workers, "active": data.active, "version": data.version,
            "changed_at": data.changed_at})
        log.info("grid %s version %s: %s", data.code, data.version,
                 "applied" if applied else "not newer, ignored")

    handlers: dict[str, Any] = {GridChanged.event_type: on_grid_changed}
    if employer_grids is None:
        return handlers
    register = employer_grids

    async def on_employer_register_changed(uow: UnitOfWork, event: Envelope,
                                           data: EmployerRegisterChanged) -> None:
        applied = await apply_if_newer(uow.session, register, "credit_code", {
            "credit_code": data.credit_code, "grid": data.grid, "version": data.version})
        log.info("register version %s of %s: %s", data.version, data.credit_code,
                 "applied" if applied else "not newer, ignored")

    return handlers | {EmployerRegisterChanged.event_type: on_employer_register_changed}
