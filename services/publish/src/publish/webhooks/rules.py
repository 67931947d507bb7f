"""Pure webhook rules: Standard Webhooks 1.0 signing, outcomes and the retry schedule."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum

SECRET_PREFIX = "whsec_"  # noqa: S105 - the scheme's prefix, not a secret
SECRET_BYTES = 32  # the standard asks for at least 24


class Outcome(StrEnum):
    DELIVERED = "delivered"  # 2xx
    GONE = "gone"  # 410: the partner retired the endpoint; disable it
    RETRY = "retry"  # anything else while the schedule has attempts left
    FAILED = "failed"  # the schedule is exhausted


def new_secret() -> str:
    """A per-endpoint signing secret, `whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    raw = secret.removeprefix(SECRET_PREFIX)
    return base64.b64decode(raw + "=" * (-len(raw) % 4))


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`."""
    digest = hmac.new(_key(secret), f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, msg_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, msg_id, timestamp, body)}


def message_id(delivery_id: str) -> str:
    """The `webhook-id`: the same on every retry of a delivery, so partners can de-duplicate."""
    return "msg_" + delivery_id.replace("-", "")


def classify(status_code: int | None) -> Outcome:
    if status_code is not None and 200 <= status_code < 300:
        return Outcome.DELIVERED
    if status_code == 410:
        return Outcome.GONE
    return Outcome.RETRY


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds a `Retry-After` asks for (delta-seconds or an HTTP date); None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def next_delay(attempts_made: int, schedule: Sequence[float], retry_after: float | None = None,
               retry_after_max: float = 0.0) -> float | None:
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
