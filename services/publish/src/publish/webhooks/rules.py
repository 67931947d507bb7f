"""Pure webhook rules of publish: a delivery's outcome and when an endpoint is disabled (signing,
the reading of an answer and the retry schedule: labor_runtime.webhooks)."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from labor_runtime.webhooks import Verdict


class Outcome(StrEnum):
    DELIVERED = "delivered"  # 2xx
    GONE = "gone"  # 410: the partner retired the endpoint; disable it
    RETRY = "retry"  # 408, 425, 429, 5xx or no answer, while the schedule has pauses left
    FAILED = "failed"  # refused (3xx, another 4xx) or the schedule is exhausted


def message_id(delivery_id: str) -> str:
    """The `webhook-id`: the same on every retry of a delivery, so partners can de-duplicate."""
    return "msg_" + delivery_id.replace("-", "")


def outcome_of(judged: Verdict, status_code: int | None, pause: float | None) -> Outcome:
    """The delivery's state after one attempt judged by labor_runtime.webhooks.verdict, `pause`
    being what pause_after allowed (None: no attempt left). Publish's own part is 410: besides
    giving up, the standard asks the sender to stop calling that endpoint."""
    if judged is Verdict.DELIVERED:
        return Outcome.DELIVERED
    if status_code == 410:
        return Outcome.GONE
    if judged is Verdict.RETRY and pause is not None:
        return Outcome.RETRY
    return Outcome.FAILED


def should_disable(failing_since: datetime | None, now: datetime, after_days: float) -> bool:
    """An endpoint that has failed without one success for `after_days` is disabled (Svix: 5 d)."""
    return failing_since is not None and now - failing_since >= timedelta(days=after_days)
