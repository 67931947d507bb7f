"""Access tokens that an outside API issues for a while (WeChat, DingTalk): cached, fetched again
shortly before they expire or when the far end refused one, concurrent callers sharing one fetch."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from labor_runtime.clock import Clock

# Fetches a new token: its value and its lifetime in seconds (raises when the far end refused).
Fetch = Callable[[], Awaitable[tuple[str, int]]]


class AccessToken:
    def __init__(self, clock: Clock, *, margin_seconds: float, fetch: Fetch) -> None:
        self.clock = clock
        self.margin_seconds = margin_seconds
        self.fetch = fetch
        self._value: str | None = None
        self._refresh_at: datetime | None = None
        self._lock = asyncio.Lock()

    async def get(self, *, stale: str | None = None) -> str:
        """The cached token, or a new one when it is within the margin of expiring or is the
        `stale` one the far end just refused."""
        async with self._lock:
            if (self._value is not None and self._value != stale and self._refresh_at is not None
                    and self.clock.now() < self._refresh_at):
                return self._value
            value, expires_in = await self.fetch()
            # A margin longer than the token's life would fetch on every call: keep half of it.
            margin = min(self.margin_seconds, expires_in / 2)
            self._value = value
            self._refresh_at = self.clock.now() + timedelta(seconds=expires_in - margin)
            return value
