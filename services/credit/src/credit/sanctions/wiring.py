"""What sanctions adds to the credit service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from labor_runtime.crypto import FieldCipher

from credit.sanctions import rules
from credit.sanctions.handlers import event_handlers
from credit.sanctions.routes import router
from credit.wiring import Part

if TYPE_CHECKING:
    from credit.settings import CreditSettings


def part(settings: CreditSettings) -> Part:
    terms = rules.Terms(bid_ban_months=settings.sanction_bid_ban_months,
                        market_ban_years=settings.sanction_market_ban_years)
    cipher = FieldCipher.from_settings(settings.field_encryption_keys,
                                       settings.field_encryption_active_key)
    return Part(routers=[router], handlers=event_handlers(terms, cipher))
