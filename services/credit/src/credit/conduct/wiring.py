"""What conduct adds to the credit service: the handlers of what cases and intake report, and
the staff findings API (R-CRD-2)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from credit.conduct.handlers import event_handlers
from credit.conduct.routes import router
from credit.wiring import Part

if TYPE_CHECKING:
    from credit.settings import CreditSettings


def part(settings: CreditSettings) -> Part:
    return Part(routers=[router], handlers=event_handlers(
        timedelta(seconds=settings.grade_gather_seconds)))
