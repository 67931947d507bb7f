"""Pure rules of publish: terms, outcomes of webhook attempts, URLs, cursors (no I/O); the
answer's reading, the schedule and SSRF address checks are labor_runtime's (libs/tests)."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from labor_runtime.webhooks import Verdict
from publish.disclosures.rules import (
    decode_cursor,
    encode_cursor,
    is_public,
    penalty_text,
    platform_due,
    publicity_end,
)
from publish.partners.rules import url_problem
from publish.settings import PublishSettings
from publish.webhooks.rules import Outcome, message_id, outcome_of, should_disable

# Svix's schedule: immediately, then these pauses; eight attempts in all.
SVIX_PAUSES = [5, 300, 1800, 7200, 18000, 36000, 36000]


def test_settings_defaults_follow_domain_and_webhook_standard():
    settings = PublishSettings()
    assert settings.port == 8005
    assert settings.publicity_term_years["penalty_decision"] == 3
    assert settings.platform_publish_within_days == 7
    assert settings.webhook_retry_schedule_seconds == SVIX_PAUSES
    assert settings.webhook_timeout_seconds == 15
    assert settings.webhook_allow_private_networks is False
    assert settings.webhook_require_https is True


def test_production_refuses_private_webhook_allowance():
    with pytest.raises(ValueError, match="refused in production"):
        PublishSettings(environment="production", auth_jwt_key="x" * 40,
                        field_encryption_keys='{"k": "' + base64.b64encode(b"k" * 32).decode() + '"}',
                        field_encryption_active_key="k", webhook_allow_private_networks=True)


def test_r_pub_4_publicity_term_is_three_years_from_the_decision():
    assert publicity_end(date(2025, 3, 3), 3) == date(2028, 3, 3)
    assert publicity_end(date(2024, 2, 29), 3) == date(2027, 2, 28)
    assert publicity_end(date(2025, 3, 3), 3, stated=date(2026, 3, 3)) == date(2026, 3, 3)


def test_r_pub_4_disclosure_is_taken_down_after_its_term_or_withdrawal():
    assert is_public(date(2028, 3, 3), False, date(2028, 3, 3))
    assert not is_public(date(2028, 3, 3), False, date(2028, 3, 4))
    assert not is_public(date(2028, 3, 3), True, date(2025, 3, 4))


def test_r_pub_1_platforms_within_seven_days_or_earlier_if_cases_says():
    assert platform_due(date(2025, 3, 3), 7, date(2025, 3, 20)) == date(2025, 3, 10)
    assert platform_due(date(2025, 3, 3), 7, date(2025, 3, 5)) == date(2025, 3, 5)


def test_r_pub_3_penalty_reads_as_fine_and_measures():
    text = penalty_text(Decimal("50000"), ["责令限期支付劳动报酬"])
    assert text == "罚款 50000.00 元；责令限期支付劳动报酬"
    assert penalty_text(Decimal("0"), []) == "无"


def test_webhook_id_is_stable_per_delivery():
    assert message_id("0b6a-11") == message_id("0b6a-11") == "msg_0b6a11"


def test_schedule_in_the_former_wait_before_each_attempt_form_is_refused_at_start():
    with pytest.raises(ValueError, match="drop the 0"):
        PublishSettings(webhook_retry_schedule_seconds=[0, 5, 300])


def test_the_retired_retry_after_cap_is_refused_at_start_not_ignored(monkeypatch):
    monkeypatch.setenv("WEBHOOK_RETRY_AFTER_MAX_SECONDS", "3600")
    with pytest.raises(ValueError, match="longest pause of WEBHOOK_RETRY_SCHEDULE_SECONDS"):
        PublishSettings()


def test_outcomes_delivered_retry_while_pauses_last_410_gone_other_refusals_failed():
    assert outcome_of(Verdict.DELIVERED, 204, None) is Outcome.DELIVERED
    assert outcome_of(Verdict.RETRY, 503, 5.0) is Outcome.RETRY
    assert outcome_of(Verdict.RETRY, None, None) is Outcome.FAILED  # no pause left
    assert outcome_of(Verdict.REFUSED, 410, None) is Outcome.GONE
    assert outcome_of(Verdict.REFUSED, 400, None) is Outcome.FAILED
    assert outcome_of(Verdict.REFUSED, 301, None) is Outcome.FAILED


def test_endpoint_disabled_after_five_days_failing():
    now = datetime(2025, 3, 10, tzinfo=UTC)
    assert should_disable(now - timedelta(days=5), now, 5)
    assert not should_disable(now - timedelta(days=4), now, 5)
    assert not should_disable(None, now, 5)


def test_webhook_url_shape():
    assert url_problem("https://zjj.example.gov.cn/hooks", require_https=True) is None
    assert "https" in url_problem("http://zjj.example.gov.cn/hooks", require_https=True)
    assert url_problem("http://zjj.example.gov.cn/hooks", require_https=False) is None
    assert "credentials" in url_problem("https://u:p@zjj.example.gov.cn/", require_https=True)
    assert url_problem("ftp://x/", require_https=False) is not None
    assert url_problem("https:///nohost", require_https=True) is not None


def test_feed_cursor_round_trip_and_foreign_cursors():
    assert decode_cursor(encode_cursor(0)) == 0
    assert decode_cursor(encode_cursor(123456)) == 123456
    for foreign in ("", "abc", "12", encode_cursor(1)[:-2] + "!!"):
        assert decode_cursor(foreign) is None
