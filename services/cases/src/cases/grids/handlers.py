"""How cases follows credit's grids and register (R-ORG-1): each update applies only when newer
than the one applied, so a late older update or a redelivered one changes nothing."""

from __future__ import annotations

import logging
from typing import Any

from labor_contracts.credit import EmployerRegisterChanged, GridChanged
from labor_contracts.envelope import Envelope
from labor_runtime.db import UnitOfWork, apply_if_newer

from cases.grids.models import employer_grids, grids

log = logging.getLogger(__name__)


async def on_grid_changed(uow: UnitOfWork, event: Envelope, data: GridChanged) -> None:
    applied = await apply_if_newer(uow.session, grids, "code", {
        "code": data.code, "name": data.name, "level": data.level,
        "parent_code": data.parent_code, "district": data.district,
        "workers": data.grid_workers, "active": data.active, "version": data.version,
        "changed_at": data.changed_at})
    log.info("grid %s version %s: %s", data.code, data.version,
             "applied" if applied else "not newer, ignored")


async def on_employer_register_changed(uow: UnitOfWork, event: Envelope,
                                       data: EmployerRegisterChanged) -> None:
    applied = await apply_if_newer(uow.session, employer_grids, "credit_code", {
        "credit_code": data.credit_code, "grid": data.grid, "version": data.version})
    log.info("register version %s of %s: %s", data.version, data.credit_code,
             "applied" if applied else "not newer, ignored")


HANDLERS: dict[str, Any] = {GridChanged.event_type: on_grid_changed,
                            EmployerRegisterChanged.event_type: on_employer_register_changed}
