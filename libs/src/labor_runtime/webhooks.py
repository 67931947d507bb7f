"""Standard Webhooks 1.0, shared by every service that calls out over HTTP or takes signed
callbacks: signing secrets, the signature headers, verifying them, and the one retry policy (what
an answer means, when to try again).

Spec: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
(sections "Signature scheme", "Webhook headers", "Verifying webhook authenticity",
"Deliverability and reliability", "Delivery success and failure"); Retry-After:
https://httpwg.org/specs/rfc9110.html#field.retry-after. Verification takes space-separated
`v1,<base64>` entries (several during a key rotation), compares in constant time, and wants a
timestamp within 5 minutes of now against replays.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

SECRET_PREFIX = "whsec_"  # noqa: S105 - the scheme's prefix, not a secret
SECRET_MIN_BYTES = 24  # the standard asks for at least 24 random bytes
SECRET_BYTES = 32
HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"
TOLERANCE_SECONDS = 300  # the spec's replay window, either side of now
# Answers that say "not now" rather than "no": timeout, too early, too many requests.
RETRYABLE_CLIENT_ERRORS = frozenset({408, 425, 429})
# Answers whose Retry-After says when to come back (RFC 9110 §10.2.3).
RETRY_AFTER_STATUSES = frozenset({429, 503})


class SignatureRejected(ValueError):
    """A callback not signed with the shared secret, or not signed recently: answer 401."""


def new_secret() -> str:
    """A signing secret: `whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_<base64>` secret; ValueError when it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"a signing secret starts with {SECRET_PREFIX!r} followed by base64")
    raw = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a signing secret's part after 'whsec_' must be base64") from exc
    if len(key) < SECRET_MIN_BYTES:
        raise ValueError(f"a signing secret needs at least {SECRET_MIN_BYTES} random bytes")
    return key


def _signature(key: bytes, msg_id: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`."""
    return "v1," + _signature(secret_key(secret), msg_id, str(timestamp), body.encode())


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: datetime, *,
           tolerance: float = TOLERANCE_SECONDS) -> None:
    """Check a callback's Standard Webhooks headers over its raw `body`; raises
    `SignatureRejected` saying why (missing header, timestamp out of tolerance, no matching
    signature). `headers` must look names up case-insensitively (Starlette's do)."""
    msg_id = headers.get(HEADER_ID)
    timestamp = headers.get(HEADER_TIMESTAMP)
    signatures = headers.get(HEADER_SIGNATURE)
    if not msg_id or not timestamp or not signatures:
        raise SignatureRejected(f"{HEADER_ID}, {HEADER_TIMESTAMP} and {HEADER_SIGNATURE} are required")
    if not timestamp.isdigit():
        raise SignatureRejected(f"{HEADER_TIMESTAMP} must be Unix seconds")
    if abs(now.timestamp() - int(timestamp)) > tolerance:
        raise SignatureRejected(f"{HEADER_TIMESTAMP} is more than {tolerance:g} s away from now")
    expected = _signature(secret_key(secret), msg_id, timestamp, body).encode()
    for entry in signatures.split():
        version, _, value = entry.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected):
            return
    raise SignatureRejected("no signature matches the shared secret")


def signed_headers(secret: str, msg_id: str, timestamp: int, body: str) -> dict[str, str]:
    """`webhook-id` (the same on every retry: receivers de-duplicate on it), `webhook-timestamp`
    (Unix seconds) and `webhook-signature` over id, timestamp and body."""
    return {HEADER_ID: msg_id, HEADER_TIMESTAMP: str(timestamp),
            HEADER_SIGNATURE: sign(secret, msg_id, timestamp, body)}


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


class Verdict(StrEnum):
    """What one attempt's answer means for the message."""

    DELIVERED = "delivered"  # 2xx: the receiver took it
    RETRY = "retry"  # 408, 425, 429, 5xx or no answer: it may take it later
    REFUSED = "refused"  # 3xx and every other 4xx: the receiver refuses it; resending cannot help


def verdict(status_code: int | None) -> Verdict:
    """The one reading of an answer (None: no answer: timeout, refused or reset connection).

    The standard counts every non-2xx as a failed attempt and leaves the handling of each status
    to the sender. Ours: a 4xx other than 408/425/429 is the receiver refusing this very request
    (bad signature, unknown tracking code, 410 Gone), and the retry sends the same bytes, so it
    is given up at once instead of retried for hours; a 3xx too, since redirects are not followed
    (the standard asks the endpoint's owner to update the URL instead).
    """
    if status_code is None or status_code >= 500 or status_code in RETRYABLE_CLIENT_ERRORS:
        return Verdict.RETRY
    if 200 <= status_code < 300:
        return Verdict.DELIVERED
    return Verdict.REFUSED


def pause_after(failed_attempts: int, schedule: Sequence[float], *, status_code: int | None,
                retry_after: str | None, now: datetime) -> float | None:
    """Seconds to wait after the `failed_attempts`-th failed attempt (answered RETRY) before the
    next one; None: give up.

    `schedule[i]` is the pause after the (i+1)-th failed attempt, so a message is attempted at most
    `len(schedule) + 1` times: once, then once after each pause; the `len(schedule) + 1`-th failure
    is final. A `Retry-After` of a 429 or 503 (seconds or an HTTP date, as of `now`) postpones the
    next attempt, never brings it forward, and at most to the schedule's longest pause.
    """
    if failed_attempts < 1:
        raise ValueError("at least one attempt must have failed")
    if failed_attempts > len(schedule):
        return None
    pause = schedule[failed_attempts - 1]
    asked = parse_retry_after(retry_after, now) if status_code in RETRY_AFTER_STATUSES else None
    if asked is not None:
        pause = max(pause, min(asked, max(schedule)))
    return pause
