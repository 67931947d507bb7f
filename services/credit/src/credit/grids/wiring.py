"""What grids adds to the credit service: the tree's API (R-ORG-1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from credit.grids.routes import router
from credit.wiring import Part

if TYPE_CHECKING:
    from credit.settings import CreditSettings


def part(settings: CreditSettings) -> Part:
    return Part(routers=[router])
