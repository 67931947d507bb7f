"""How cases reacts to intake: an accepted complaint opens a case (R-CASE-1, R-CASE-3)."""

from __future__ import annotations

from labor_contracts.envelope import Envelope
from labor_contracts.intake import ComplaintAccepted
from labor_runtime.db import UnitOfWork
from labor_runtime.handlers import EventHandler

from cases.lifecycle import flows
from cases.settings import CasesSettings


def handlers(settings: CasesSettings) -> dict[str, EventHandler]:
    async def on_complaint_accepted(uow: UnitOfWork, event: Envelope, data: ComplaintAccepted) -> None:
        await flows.open_from_complaint(uow, settings, event, data)

    return {ComplaintAccepted.event_type: on_complaint_accepted}
