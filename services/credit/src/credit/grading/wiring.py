"""What grading adds to the credit service: the grade's API and the regrader of queued employers
(R-CRD-2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from credit.grading.due import Regrader
from credit.grading.routes import router
from credit.wiring import Part

if TYPE_CHECKING:
    from credit.settings import CreditSettings


def part(settings: CreditSettings) -> Part:
    return Part(routers=[router], workers=[Regrader])
