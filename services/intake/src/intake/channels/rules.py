"""Pure channel rules: which channel an API client files for (R-INT-1), and its request quota."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from intake.complaints.rules import Channel

KNOWN_CHANNELS = frozenset(str(c) for c in Channel)


def channel_of(client: str, explicit: Mapping[str, str]) -> str | None:
    """The channel an API client files for: an explicit mapping, the client's own name when it is
    a channel, or '<channel>_<suffix>' (e.g. window_d01 -> window); None means refuse."""
    if client in explicit:
        mapped = explicit[client]
        return mapped if mapped in KNOWN_CHANNELS else None
    if client in KNOWN_CHANNELS:
        return client
    matches = [c for c in KNOWN_CHANNELS if client.startswith(c + "_")]
    return max(matches, key=len) if matches else None


@dataclass
class Window:
    start: float
    used: int


class FixedWindowLimiter:
    """Fixed one-minute windows per client: `limit` units per window, then refuse until the window
    ends. In memory, per process: replicas each allow the limit (documented in the settings)."""

    def __init__(self, window_seconds: float = 60.0) -> None:
        self.window_seconds = window_seconds
        self._windows: dict[str, Window] = {}

    def take(self, client: str, limit: int, now: float, cost: int = 1) -> float:
        """Spend `cost` units of `client`'s quota at time `now` (seconds); 0.0 when allowed, else
        the seconds until the window resets (nothing is spent then)."""
        start = now - now % self.window_seconds
        window = self._windows.get(client)
        if window is None or window.start != start:
            window = self._windows[client] = Window(start, 0)
        if window.used + cost > limit:
            return max(1.0, math.ceil(start + self.window_seconds - now))
        window.used += cost
        return 0.0
