"""Pure channel rules: which channel an API client files for (R-INT-1), and the fixed windows of
its request quota (the counts are in the database: channels/quota.py)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from intake.complaints.rules import Channel

KNOWN_CHANNELS = frozenset(str(c) for c in Channel)

QUOTA_WINDOW = timedelta(minutes=1)
"""The minute `channel_rate_limit_per_minute` and `channel_rate_limits` count in: their unit."""
QUOTA_RETENTION = timedelta(hours=1)
"""Quota windows older than this are deleted (a window is needed only while it is current)."""
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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


def quota_window(now: datetime) -> datetime:
    """Start of the fixed window `now` falls in; windows are aligned to the epoch, so every
    replica computes the same one from the same time."""
    return now - (now - EPOCH) % QUOTA_WINDOW


def retry_after_seconds(now: datetime, window_start: datetime) -> int:
    """Whole seconds until the window ends (Retry-After), at least 1."""
    return max(1, math.ceil((window_start + QUOTA_WINDOW - now).total_seconds()))
