"""Pure delivery and document rules, and the adapters' refusals: no I/O."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from labor_contracts.common import EmployerRef
from notify.channels import build_channels
from notify.channels.base import ChannelUnusable, DeliveryRefused, Letter
from notify.channels.gateways import DINGTALK, FAX, WECHAT
from notify.delivery.flows import plan
from notify.delivery.rules import ChannelName, Receipt, Refusal, failure_reason, next_round_due, proof_text
from notify.documents.rules import ContentInvalid, verified_content
from notify.settings import NotifySettings
from pydantic import ValidationError

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
SCHEDULE = [30, 300, 1800, 7200]


def test_retry_schedule_spaces_rounds_then_gives_up():
    assert next_round_due(1, SCHEDULE, T0) == T0 + timedelta(seconds=30)
    assert next_round_due(4, SCHEDULE, T0) == T0 + timedelta(hours=2)
    assert next_round_due(5, SCHEDULE, T0) is None
    with pytest.raises(ValueError):
        next_round_due(0, SCHEDULE, T0)


def test_r_dlv_4_content_must_match_its_declared_sha256():
    content = b"%PDF-1.7 document"
    digest = hashlib.sha256(content).hexdigest()
    assert verified_content(base64.b64encode(content).decode(), digest.upper()) == content
    with pytest.raises(ContentInvalid, match="sha256 mismatch"):
        verified_content(base64.b64encode(content + b" tampered").decode(), digest)
    with pytest.raises(ContentInvalid, match="base64"):
        verified_content("not base64!", digest)


def test_r_dlv_3_proof_names_reply_reference_and_time():
    receipt = Receipt(ChannelName.EMAIL, "hr@x.cn", 250, "2.0.0 Ok: queued", "<id@gov.cn>", T0)
    assert proof_text(receipt) == ("email to hr@x.cn accepted at 2025-03-03T08:00:00+00:00: "
                                   "250 2.0.0 Ok: queued; reference <id@gov.cn>")
    reason = failure_reason(5, [Refusal(ChannelName.EMAIL, "hr@x.cn", 550, "mailbox unavailable")])
    assert reason == ("not served after 5 round(s) of attempts; "
                      "last: email to hr@x.cn: 550 mailbox unavailable")


async def test_r_dlv_2_channels_without_a_gateway_refuse_and_never_claim_service():
    recipient = EmployerRef(name="某公司", email="hr@x.cn")
    letter = Letter("d", "<m@x>", "doc", "case", "reminder", "催告书", "application/pdf", b"%PDF",
                    "0" * 64, "https://v", "某公司", "+86 591 0000")
    for channel in (FAX, WECHAT, DINGTALK):
        with pytest.raises(ChannelUnusable, match="not integrated"):
            channel.address_for(recipient)
        with pytest.raises(DeliveryRefused, match="not integrated"):
            await channel.deliver(letter)


def test_r_dlv_2_plan_follows_priority_and_says_why_a_channel_is_skipped():
    settings = NotifySettings(channel_priority=["fax", "email", "wechat"])
    channels = build_channels(settings, clock=None)  # type: ignore[arg-type]
    steps, skipped = plan(settings.channel_priority, channels, EmployerRef(name="x", email="hr@x.cn"))
    assert steps == [{"channel": "email", "address": "hr@x.cn"}]
    assert [s["channel"] for s in skipped] == ["fax", "wechat"]
    steps, skipped = plan(settings.channel_priority, channels, EmployerRef(name="x", email="a b@x"))
    assert steps == [] and "not usable" in skipped[1]["reason"]


def test_settings_refuse_incoherent_delivery_configuration():
    with pytest.raises(ValidationError, match="not both"):
        NotifySettings(smtp_starttls=True, smtp_implicit_tls=True)
    with pytest.raises(ValidationError, match="plain connection"):
        NotifySettings(environment="production", auth_jwt_key="k" * 40,
                       field_encryption_keys='{"p": "cHJvZHVjdGlvbi1rZXktMzItYnl0ZXMtbG9uZy4uLi4="}',
                       field_encryption_active_key="p", smtp_username="notify")
    with pytest.raises(ValidationError, match="each channel once"):
        NotifySettings(channel_priority=["email", "email"])
    with pytest.raises(ValidationError):
        NotifySettings(channel_priority=["carrier_pigeon"])
    defaults = NotifySettings()
    assert (defaults.port, defaults.smtp_host, defaults.smtp_port) == (8004, "127.0.0.1", 8025)
    assert defaults.delivery_retry_seconds == SCHEDULE
