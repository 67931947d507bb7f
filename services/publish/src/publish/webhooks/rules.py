"""Pure webhook rules: outcomes and the retry schedule (signing: labor_runtime.webhooks)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum


class Outcome(StrEnum):
    DELIVERED = "delivered"  # 2xx
    GONE = "gone"  # 410: the partner retired the endpoint; disable it
    RETRY = "retry"  # anything else while the schedule has attempts left
    FAILED = "failed"  # the schedule is exhausted


def message_id(delivery_id: str) -> str:
    """The `webhook-id`: the same on every retry of a delivery, so partners can de-duplicate."""
    return "msg_" + delivery_id.replace("-", "")


def classify(status_code: int | None) -> Outcome:
    if status_code is not None and 200 <= status_code < 300:
        return Outcome.DELIVERED
    if status_code == 410:
        return Outcome.GONE
    return Outcome.RETRY


def next_delay(attempts_made: int, schedule: Sequence[float], retry_after: float | None,
               retry_after_max: float) -> float | None:
    """Seconds until the next attempt after `attempts_made` failures; None when it is failed.

    `schedule[i]` is the wait before attempt i+1 (the first is 0: immediately). A `Retry-After`
    (429/503) postpones the attempt, never brings it forward, up to `retry_after_max`.
    """
    if attempts_made >= len(schedule):
        return None
    delay = schedule[attempts_made]
    if retry_after is not None:
        delay = max(delay, min(retry_after, retry_after_max))
    return delay


def honours_retry_after(status_code: int | None) -> bool:
    return status_code in (429, 503)


def should_disable(failing_since: datetime | None, now: datetime, after_days: float) -> bool:
    """An endpoint that has failed without one success for `after_days` is disabled (Svix: 5 d)."""
    return failing_since is not None and now - failing_since >= timedelta(days=after_days)
