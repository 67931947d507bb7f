"""What repair adds to the credit service: its API, publish's objections, the notice's end."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from labor_contracts.publish import ObjectionFiled

from credit.repair import flows
from credit.repair.routes import router
from credit.wiring import Part

if TYPE_CHECKING:
    from credit.settings import CreditSettings


def part(settings: CreditSettings) -> Part:
    return Part(routers=[router],
                handlers={ObjectionFiled.event_type: flows.on_objection_filed},
                timer_handlers={flows.NOTICE_TIMER: partial(flows.on_notice_ended, settings)})
