"""Standard Webhooks 1.0 signing, checked against the standard's reference verifier, and the one
retry policy of every outbound webhook (pure: no I/O)."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta

import pytest
from labor_runtime.webhooks import (
    SignatureRejected,
    Verdict,
    new_secret,
    parse_retry_after,
    pause_after,
    secret_key,
    signed_headers,
    verdict,
    verify,
)
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


def test_signature_is_verified_by_the_reference_and_binds_id_time_body_and_secret():
    secret = new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    body = '{"type":"disclosure.published","data":{"employer_name":"某某建筑工程有限公司"}}'
    headers = signed_headers(secret, "msg_1", int(time.time()), body)
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert Webhook(secret).verify(body.encode(), headers)["type"] == "disclosure.published"
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body.encode(), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("某某", "某").encode(), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.encode(), {**headers, "webhook-id": "msg_2"})


def test_secrets_must_be_whsec_base64_of_24_bytes_or_more():
    assert len(secret_key(new_secret())) == 32
    for bad in ("plain-password-of-the-vendor", "whsec_not*base64",
                "whsec_" + base64.b64encode(b"short").decode()):
        with pytest.raises(ValueError):
            secret_key(bad)


def test_retry_after_as_seconds_or_http_date():
    now = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after("Mon, 03 Mar 2025 08:02:00 GMT", now) == 120
    assert parse_retry_after("Mon, 03 Mar 2025 07:00:00 GMT", now) == 0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_verify_accepts_what_the_reference_signs_and_refuses_forgery_and_replay():
    secret = new_secret()
    body = '{"reference":"r-1","openid":"oB_hN41zbT1OvATDONK5LccFIwwA"}'
    now = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
    signature = Webhook(secret).sign("msg_1", now, body)
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": signature}
    verify(secret, headers, body.encode(), now + timedelta(minutes=4))
    rotated = {**headers, "webhook-signature": f"v1,bm90IHRoaXMgb25l {signature}"}
    verify(secret, rotated, body.encode(), now)
    refused = [
        (new_secret(), headers, body, now),
        (secret, headers, body.replace("r-1", "r-2"), now),
        (secret, {**headers, "webhook-id": "msg_2"}, body, now),
        (secret, headers, body, now + timedelta(minutes=6)),
        (secret, headers, body, now - timedelta(minutes=6)),
        (secret, {**headers, "webhook-signature": "v2," + signature[3:]}, body, now),
        (secret, {k: v for k, v in headers.items() if k != "webhook-timestamp"}, body, now),
        (secret, {**headers, "webhook-timestamp": "soon"}, body, now),
    ]
    for key, presented, content, at in refused:
        with pytest.raises(SignatureRejected):
            verify(key, presented, content.encode(), at)


NOW = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
PAUSES = [10.0, 60.0, 300.0]


@pytest.mark.parametrize(("status", "expected"), [
    (200, Verdict.DELIVERED), (202, Verdict.DELIVERED), (204, Verdict.DELIVERED),
    (None, Verdict.RETRY), (408, Verdict.RETRY), (425, Verdict.RETRY), (429, Verdict.RETRY),
    (500, Verdict.RETRY), (502, Verdict.RETRY), (503, Verdict.RETRY), (504, Verdict.RETRY),
    (400, Verdict.REFUSED), (401, Verdict.REFUSED), (403, Verdict.REFUSED),
    (404, Verdict.REFUSED), (410, Verdict.REFUSED), (422, Verdict.REFUSED),
    (301, Verdict.REFUSED), (302, Verdict.REFUSED), (307, Verdict.REFUSED),
    (100, Verdict.REFUSED),
])
def test_an_answer_is_delivered_retried_or_refused(status, expected):
    assert verdict(status) is expected


def pause(failed: int, status: int | None = 500, retry_after: str | None = None) -> float | None:
    return pause_after(failed, PAUSES, status_code=status, retry_after=retry_after, now=NOW)


def test_schedule_i_is_the_pause_after_failure_i_plus_1_then_give_up():
    assert [pause(n) for n in range(1, 5)] == [10.0, 60.0, 300.0, None]  # 4 attempts in all
    assert pause_after(1, [], status_code=500, retry_after=None, now=NOW) is None  # one attempt
    with pytest.raises(ValueError):
        pause(0)


def test_retry_after_of_429_or_503_postpones_never_advances_up_to_the_longest_pause():
    assert pause(1, 429, "120") == 120
    assert pause(1, 503, "Mon, 03 Mar 2025 08:02:00 GMT") == 120
    assert pause(2, 503, "1") == 60  # never sooner than the schedule
    assert pause(1, 429, str(10**9)) == 300  # the longest pause, however long it asks
    assert pause(1, 500, "120") == 10  # only 429 and 503 say when to come back
    assert pause(1, None, "120") == 10
    assert pause(1, 503, "soon") == 10
    assert pause(4, 503, "120") is None  # the schedule is spent, whatever it asks
