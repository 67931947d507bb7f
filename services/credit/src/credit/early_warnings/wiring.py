"""What early_warnings adds to the credit service: the warnings' API and the evaluator."""

from __future__ import annotations

from typing import TYPE_CHECKING

from credit.early_warnings.flows import Evaluator
from credit.early_warnings.routes import router
from credit.wiring import Part

if TYPE_CHECKING:
    from credit.settings import CreditSettings


def part(settings: CreditSettings) -> Part:
    return Part(routers=[router], workers=[Evaluator])
