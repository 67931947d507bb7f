"""A credit repair's public notice (信用修复公示), pure: where it stands and whether the public may
still object (R-CRD-5, R-PUB-5)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from enum import StrEnum

RATE_WINDOW = timedelta(hours=1)


class NoticeStatus(StrEnum):
    UPCOMING = "upcoming"  # announced, the notice period has not begun
    OPEN = "open"  # objections are taken
    ENDED = "ended"  # the period is over; the repair's outcome is awaited
    REPAIRED = "repaired"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


def status(now: datetime, *, starts_at: datetime, ends_at: datetime,
           outcome: str | None) -> NoticeStatus:
    """The outcome once credit concluded the repair; else where `now` falls in the period."""
    if outcome is not None:
        return NoticeStatus(outcome)
    if now < starts_at:
        return NoticeStatus.UPCOMING
    if now < ends_at:
        return NoticeStatus.OPEN
    return NoticeStatus.ENDED


def objection_refused(state: NoticeStatus) -> str | None:
    """R-PUB-5: why an objection can no longer (or not yet) be filed; None while open."""
    if state is NoticeStatus.OPEN:
        return None
    if state is NoticeStatus.UPCOMING:
        return "the public notice has not begun yet"
    if state is NoticeStatus.ENDED:
        return "the public notice period is over"
    return f"the repair is concluded: {state.value}"


def origin_tag(address: str, key: bytes) -> str:
    """The objector's network address, pseudonymised with the service's key: counts filings
    from one address without keeping the address."""
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def retry_after(filed_in_window: list[datetime], now: datetime, limit: int) -> int | None:
    """Seconds until one more objection from the address is taken; None when it is now."""
    if len(filed_in_window) < limit:
        return None
    freed = sorted(filed_in_window)[len(filed_in_window) - limit] + RATE_WINDOW
    return max(1, int((freed - now).total_seconds()) + 1)
