"""What deposits adds to the credit service: projects and deposits' API, the daily check."""

from __future__ import annotations

from typing import TYPE_CHECKING

from credit.deposits.flows import DailyCheck
from credit.deposits.routes import router
from credit.wiring import Part

if TYPE_CHECKING:
    from credit.settings import CreditSettings


def part(settings: CreditSettings) -> Part:
    return Part(routers=[router], workers=[DailyCheck])
