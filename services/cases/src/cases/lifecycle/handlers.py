"""How cases reacts to intake: an accepted complaint opens a case (R-CASE-1, R-CASE-3), which
may be a major case (R-MAJ-1)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from labor_contracts.envelope import Envelope
from labor_contracts.intake import ComplaintAccepted
from labor_runtime.clock import Calendar
from labor_runtime.db import UnitOfWork
from labor_runtime.handlers import EventHandler

from cases.casefile.base import Actor
from cases.casefile.repository import numbering
from cases.lifecycle import opening
from cases.major import flows as major
from cases.settings import CasesSettings


def handlers(settings: CasesSettings, calendar: Calendar) -> dict[str, EventHandler]:
    def major_check(uow: UnitOfWork, case_id: str, actor: Actor) -> Callable[[], Awaitable[None]]:
        traceparent = uow.traceparent

        async def check() -> None:
            uow.continue_trace(traceparent)
            await major.check_triggers(uow, settings, case_id=case_id, actor=actor)

        return check

    async def on_complaint_accepted(uow: UnitOfWork, event: Envelope, data: ComplaintAccepted) -> None:
        case_id = await opening.open_from_complaint(uow, settings, calendar, event, data)
        if case_id is not None:
            # R-MAJ-1 is judged at commit, after the transaction's registrations are numbered (the
            # major case's report carries the case number), once per case on its final totals.
            numbering(uow, settings)
            actor = Actor.service(event.source)
            uow.at_commit(f"cases.major_check:{case_id}", lambda: major_check(uow, case_id, actor))

    return {ComplaintAccepted.event_type: on_complaint_accepted}
