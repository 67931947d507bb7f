"""Pure delivery and document rules, and the adapters' refusals: no I/O."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from labor_contracts.common import EmployerRef
from notify.channels.base import ChannelName, Receipt, Refusal
from notify.delivery.flows import plan
from notify.delivery.rules import (
    CHAIN_GENESIS,
    Fallback,
    chain_link,
    fallback_reason,
    in_person_refusal,
    next_look,
    next_round_due,
    next_step,
    proof_text,
)
from notify.documents.rules import ContentInvalid, verified_content
from notify.settings import DeliveryPlan, NotifySettings
from notify.wiring import build_channels
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


def test_r_dlv_2_the_plan_moves_on_past_channels_that_will_never_serve():
    plan_ = ["email", "fax", "wechat", "dingtalk"]
    assert next_step(plan_, 0, set()) == 0
    assert next_step(plan_, 1, {"fax"}) == 2
    assert next_step(plan_, 1, {"fax", "wechat", "dingtalk"}) is None
    assert next_step(plan_, 4, set()) is None


def test_r_dlv_3_a_polled_channel_is_asked_again_before_its_wait_ends():
    due = T0 + timedelta(days=3)
    assert next_look(T0, due, 300) == T0 + timedelta(seconds=300)
    assert next_look(due - timedelta(seconds=10), due, 300) == due
    assert next_look(T0, due, None) == due  # a callback channel: only the wait's end


def test_r_dlv_3_each_proof_links_the_case_chain():
    first = chain_link(CHAIN_GENESIS, proof_sha256="a" * 64, document_id="d1", served_at=T0)
    second = chain_link(first, proof_sha256="b" * 64, document_id="d2", served_at=T0)
    assert len({first, second}) == 2
    # Altering an earlier proof changes every later link.
    altered = chain_link(CHAIN_GENESIS, proof_sha256="c" * 64, document_id="d1", served_at=T0)
    assert chain_link(altered, proof_sha256="b" * 64, document_id="d2", served_at=T0) != second


def test_r_dlv_3_fallback_says_who_serves_it_and_why():
    refusal = Refusal(ChannelName.EMAIL, "hr@x.cn", 550, "mailbox unavailable")
    assert fallback_reason(5, [refusal], Fallback.GRID_WORKER) == (
        "not served electronically after 5 round(s): to be served by a grid worker; last: "
        "email to hr@x.cn: 550 mailbox unavailable")
    assert fallback_reason(0, [], Fallback.POST).startswith(
        "no confirmed electronic address (送达地址确认书) for any planned channel: to be served by "
        "registered post")


def test_r_dlv_3_service_by_hand_is_not_dated_before_the_delivery_or_in_the_future():
    assert in_person_refusal(T0, now=T0, opened_at=T0) is None
    assert "in the future" in in_person_refusal(T0 + timedelta(hours=1), now=T0, opened_at=T0)
    assert "before the delivery" in in_person_refusal(T0 - timedelta(seconds=1), now=T0, opened_at=T0)


def test_r_dlv_2_plan_follows_the_kind_and_only_confirmed_addresses():
    settings = NotifySettings(delivery_plans={"reminder": {"channels": ["fax", "email"],
                                                           "fallback": "post"}})
    channels = build_channels(settings, clock=None)  # type: ignore[arg-type]
    assert settings.plan_for("penalty_decision") == DeliveryPlan()
    reminder = settings.plan_for("reminder")
    assert reminder.fallback == Fallback.POST
    recipient = EmployerRef(name="x", email="hr@x.cn")
    steps, skipped = plan(reminder, channels, {"email": "hr@x.cn"}, recipient)
    assert steps == [{"channel": "email", "address": "hr@x.cn"}]
    assert [s["channel"] for s in skipped] == ["fax"]
    steps, skipped = plan(reminder, channels, None, recipient)
    assert steps == [] and "which the party has not confirmed" in skipped[1]["reason"]
    steps, skipped = plan(reminder, channels, {"email": "a b@x"}, recipient)
    assert steps == [] and "not usable" in skipped[1]["reason"]


def test_settings_refuse_incoherent_delivery_configuration():
    with pytest.raises(ValidationError, match="not both"):
        NotifySettings(smtp_starttls=True, smtp_implicit_tls=True)
    with pytest.raises(ValidationError, match="plain connection"):
        NotifySettings(environment="production", auth_jwt_key="k" * 40,
                       field_encryption_keys='{"p": "cHJvZHVjdGlvbi1rZXktMzItYnl0ZXMtbG9uZy4uLi4="}',
                       field_encryption_active_key="p", smtp_username="notify")
    with pytest.raises(ValidationError, match="each channel once"):
        NotifySettings(delivery_plan={"channels": ["email", "email"]})
    with pytest.raises(ValidationError):
        NotifySettings(delivery_plan={"channels": ["carrier_pigeon"]})
    defaults = NotifySettings()
    assert (defaults.port, defaults.smtp_host, defaults.smtp_port) == (8004, "127.0.0.1", 8025)
    assert defaults.delivery_retry_seconds == SCHEDULE
