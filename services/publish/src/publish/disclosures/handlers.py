"""How publish reacts to cases: a signed penalty decision becomes a disclosure (R-PUB-1)."""

from __future__ import annotations

from labor_contracts.cases import PenaltyDecided
from labor_contracts.envelope import Envelope
from labor_runtime.db import UnitOfWork
from labor_runtime.handlers import EventHandler

from publish.disclosures import flows
from publish.settings import PublishSettings


def event_handlers(settings: PublishSettings) -> dict[str, EventHandler]:
    """The consumer's handlers; they close over the settings (a handler gets only the uow)."""

    async def on_penalty_decided(uow: UnitOfWork, event: Envelope, data: PenaltyDecided) -> None:
        await flows.disclose_penalty(uow, event, data, settings)

    return {PenaltyDecided.event_type: on_penalty_decided}
