"""How intake follows credit's grid tree (R-ORG-1): a grid's update applies only when newer than
the one applied, so a late older update or a redelivered one changes nothing."""

from __future__ import annotations

import logging
from typing import Any

from labor_contracts.credit import GridChanged
from labor_contracts.envelope import Envelope
from labor_runtime.db import UnitOfWork, apply_if_newer

from intake.grids.models import grids

log = logging.getLogger(__name__)


async def on_grid_changed(uow: UnitOfWork, event: Envelope, data: GridChanged) -> None:
    applied = await apply_if_newer(uow.session, grids, "code", {
        "code": data.code, "name": data.name, "level": data.level, "parent_code": data.parent_code,
        "district": data.district, "workers": data.grid_workers, "active": data.active,
        "version": data.version, "changed_at": data.changed_at})
    log.info("grid %s version %s: %s", data.code, data.version,
             "applied" if applied else "not newer, ignored")


HANDLERS: dict[str, Any] = {GridChanged.event_type: on_grid_changed}
