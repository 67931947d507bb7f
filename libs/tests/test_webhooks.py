"""Standard Webhooks 1.0 signing, checked against the standard's reference verifier."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from labor_runtime.webhooks import new_secret, parse_retry_after, secret_key, signed_headers
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
