"""What repair adds to the credit service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from credit.wiring import Part

if TYPE_CHECKING:
    from credit.settings import CreditSettings


def part(settings: CreditSettings) -> Part:
    return Part()
