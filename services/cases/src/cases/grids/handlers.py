"""How cases follows credit's grids and register (R-ORG-1): each update applies only when newer
than the one applied, so a late older update or a redelivered one changes nothing."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from labor_contracts.credit import EmployerRegisterChanged, GridChanged
from labor_contracts.envelope import Envelope
from labor_runtime.db import UnitOfWork
from sqlalchemy.dialects.postgresql import insert

from cases.grids.models import employer_grids, grids

log = logging.getLogger(__name__)


async def _newer(uow: UnitOfWork, table: sa.Table, key: str, values: dict[str, Any]) -> bool:
    statement = insert(table).values(values)
    applied = await uow.session.execute(statement.on_conflict_do_update(
        index_elements=[table.c[key]], set_={k: v for k, v in values.items() if k != key},
        where=table.c.version < statement.excluded.version).returning(table.c[key]))
    return applied.first() is not None


async def on_grid_changed(uow: UnitOfWork, event: Envelope, data: GridChanged) -> None:
    applied = await _newer(uow, grids, "code", {
        "code": data.code, "name": data.name, "level": data.level,
        "parent_code": data.parent_code, "district": data.district,
        "workers": data.grid_workers, "active": data.active, "version": data.version,
        "changed_at": data.changed_at})
    log.info("grid %s version %s: %s", data.code, data.version,
             "applied" if applied else "not newer, ignored")


async def on_employer_register_changed(uow: UnitOfWork, event: Envelope,
                                       data: EmployerRegisterChanged) -> None:
    applied = await _newer(uow, employer_grids, "credit_code", {
        "credit_code": data.credit_code, "grid": data.grid, "version": data.version})
    log.info("register version %s of %s: %s", data.version, data.credit_code,
             "applied" if applied else "not newer, ignored")


HANDLERS: dict[str, Any] = {GridChanged.event_type: on_grid_changed,
                            EmployerRegisterChanged.event_type: on_employer_register_changed}
