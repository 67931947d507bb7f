"""How publish reacts to credit's blacklist and sanctions."""

from __future__ import annotations

from labor_contracts.credit import BlacklistListed, BlacklistRemoved, SanctionImposed
from labor_contracts.envelope import Envelope
from labor_runtime.db import UnitOfWork
from labor_runtime.handlers import EventHandler

from publish.blacklist import flows


def event_handlers() -> dict[str, EventHandler]:
    async def on_listed(uow: UnitOfWork, event: Envelope, data: BlacklistListed) -> None:
        await flows.disclose_listing(uow, event, data)

    async def on_removed(uow: UnitOfWork, event: Envelope, data: BlacklistRemoved) -> None:
        # An unknown entry raises: its listing may still be on the way, so it is retried.
        await flows.withdraw_listing(uow, data)

    async def on_sanction(uow: UnitOfWork, event: Envelope, data: SanctionImposed) -> None:
        await flows.push_sanction(uow, event, data)

    return {BlacklistListed.event_type: on_listed, BlacklistRemoved.event_type: on_removed,
            SanctionImposed.event_type: on_sanction}
