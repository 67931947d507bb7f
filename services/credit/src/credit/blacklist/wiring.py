"""What blacklist adds to the credit service: its API and the defence and term deadlines."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from credit.blacklist import flows
from credit.blacklist.routes import router
from credit.wiring import Part

if TYPE_CHECKING:
    from credit.settings import CreditSettings


def part(settings: CreditSettings) -> Part:
    return Part(routers=[router], timer_handlers={
        flows.DEFENCE_TIMER: partial(flows.on_defence_deadline, settings),
        flows.TERM_TIMER: flows.on_term_ended})
