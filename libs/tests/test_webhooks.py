"""Standard Webhooks 1.0 signing, checked against the standard's reference verifier."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta

import pytest
from labor_runtime.webhooks import (
    SignatureRejected,
    new_secret,
    parse_retry_after,
    secret_key,
    signed_headers,
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
