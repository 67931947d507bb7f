"""How intake follows credit's grid tree (R-ORG-1): a grid's update applies only when newer than
the one applied, so a late older update or a redelivered one changes nothing."""

from __future__ import annotations

import logging
from typing import Any

from labor_contracts.credit import GridChanged
from labor_contracts.envelope import Envelope
from labor_runtime.db import UnitOfWork
from sqlalchemy.dialects.postgresql import insert

from intake.grids.models import grids

log = logging.getLogger(__name__)


async def on_grid_changed(uow: UnitOfWork, event: Envelope, data: GridChanged) -> None:
    values = {"name": data.name, "level": data.level, "parent_code": data.parent_code,
              "district": data.district, "workers": data.grid_workers, "active": data.active,
              "version": data.version, "changed_at": data.changed_at}
    statement = insert(grids).values(code=data.code, **values)
    applied = await uow.session.execute(statement.on_conflict_do_update(
        index_elements=[grids.c.code], set_=values,
        where=grids.c.version < statement.excluded.version).returning(grids.c.code))
    log.info("grid %s version %s: %s", data.code, data.version,
             "applied" if applied.first() else "not newer, ignored")


HANDLERS: dict[str, Any] = {GridChanged.event_type: on_grid_changed}
