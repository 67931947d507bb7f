"""How publish reacts to credit's repairs: the notice goes up, then shows the outcome."""

from __future__ import annotations

from labor_contracts.credit import RepairConcluded, RepairNoticeStarted
from labor_contracts.envelope import Envelope
from labor_runtime.db import UnitOfWork
from labor_runtime.handlers import EventHandler

from publish.repair_notices import flows


def event_handlers() -> dict[str, EventHandler]:
    async def on_notice_started(uow: UnitOfWork, event: Envelope,
                                data: RepairNoticeStarted) -> None:
        await flows.start_notice(uow, event, data)

    async def on_concluded(uow: UnitOfWork, event: Envelope, data: RepairConcluded) -> None:
        await flows.conclude(uow, data)

    return {RepairNoticeStarted.event_type: on_notice_started,
            RepairConcluded.event_type: on_concluded}
