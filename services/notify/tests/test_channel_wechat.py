"""The WeChat mini-program channel against a real local WeChat server API (tests/fakes/wechat.py),
and its read-receipt callback signed as the mini-program backend signs it (Standard Webhooks,
with the reference `standardwebhooks` package)."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from labor_runtime import problems
from notify.channels.base import (
    ChannelName,
    ChannelUnusable,
    DeliveryRefused,
    HandedOver,
    Letter,
    Pending,
    Receipt,
    Refusal,
)
from notify.channels.wechat import WechatMiniProgramChannel, WechatSettings, read_receipts
from standardwebhooks import Webhook

from .conftest import free_port
from .fakes.wechat import OPENID_REFUSED, OPENID_SUBSCRIBED, WechatServer

pytestmark = pytest.mark.integration

RECEIPT_SECRET = "whsec_" + base64.b64encode(b"mini-program-backend-shared-secret").decode()
TITLE = "行政处罚决定书（X劳监罚〔2025〕1号）关于某某建筑工程有限公司"


class ManualClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC).replace(microsecond=0)  # signatures are checked in real time

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def wechat():
    server = WechatServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def settings_for(server: WechatServer, **overrides: Any) -> WechatSettings:
    options: dict[str, Any] = {
        "wechat_api_base": server.base_url, "wechat_app_id": server.app_id,
        "wechat_app_secret": server.app_secret, "wechat_template_id": server.template_id,
        "wechat_receipt_secret": RECEIPT_SECRET, "wechat_timeout_seconds": 2, **overrides}
    return WechatSettings(**options)


@pytest.fixture
async def channel(wechat, clock):
    adapter = WechatMiniProgramChannel(settings_for(wechat), clock)
    try:
        yield adapter
    finally:
        await adapter.aclose()


def letter(openid: str = OPENID_SUBSCRIBED, **changes: Any) -> Letter:
    values: dict[str, Any] = {
        "delivery_id": str(uuid.uuid4()), "message_id": "<m-1@inspection.example.gov.cn>",
        "reference": str(uuid.uuid4()), "document_id": str(uuid.uuid4()), "case_id": "case-1",
        "kind": "penalty_decision", "title": TITLE, "content_type": "application/pdf",
        "content": b"%PDF-1.7", "sha256": "a" * 64,
        "verify_url": "https://verify.inspection.example.gov.cn/documents/d-1",
        "recipient_name": "某某建筑工程有限公司", "address": openid, **changes}
    return Letter(**values)


def tokens_used(server: WechatServer) -> list[str]:
    return [call.query["access_token"] for call in server.sends()]


# Hand-over: the subscribe message ------------------------------------------------------------

async def test_r_dlv_2_wechat_hands_over_a_subscribe_message_pointing_to_the_document(channel, wechat,
                                                                                        clock):
    sent = letter()
    handed = await channel.deliver(sent)
    assert handed == HandedOver(channel=ChannelName.WECHAT, address=OPENID_SUBSCRIBED,
                                reference=sent.reference, reply_code=0, reply_text="msgid 2000000001",
                                at=clock.now())
    [message] = wechat.sent
    assert message["touser"] == OPENID_SUBSCRIBED
    assert message["template_id"] == wechat.template_id
    assert message["page"] == f"pages/document/index?ref={sent.reference}"
    assert message["data"]["thing1"]["value"] == TITLE[:19] + "…"
    assert message["data"]["character_string2"]["value"] == sent.document_id.replace("-", "")
    assert 0 < len(message["data"]["thing3"]["value"]) <= 20
    assert (message["miniprogram_state"], message["lang"]) == ("formal", "zh_CN")
    assert await channel.follow_up(Pending(ChannelName.WECHAT, OPENID_SUBSCRIBED, sent.reference,
                                           clock.now())) is None


def test_r_dlv_2_wechat_address_is_an_openid_and_the_channel_must_be_configured(wechat, clock):
    adapter = WechatMiniProgramChannel(settings_for(wechat), clock)
    assert adapter.check_address(f" {OPENID_SUBSCRIBED} ") == OPENID_SUBSCRIBED
    for bad in ("", "oB_hN41z bT1Ov", "o" * 65, "oB_hN41zbT1OvATDONK5LccFIww@", "微信用户"):
        with pytest.raises(ChannelUnusable, match="openid"):
            adapter.check_address(bad)
    unconfigured = WechatMiniProgramChannel(
        settings_for(wechat, wechat_app_secret=None, wechat_receipt_secret=None), clock)
    with pytest.raises(ChannelUnusable, match="wechat_app_secret, wechat_receipt_secret"):
        unconfigured.check_address(OPENID_SUBSCRIBED)


# The access token ----------------------------------------------------------------------------

async def test_r_dlv_2_wechat_access_token_is_cached_across_sends(channel, wechat):
    for _ in range(3):
        await channel.deliver(letter())
    assert wechat.token_fetches == 1
    assert len(set(tokens_used(wechat))) == 1 and len(wechat.sent) == 3


async def test_r_dlv_2_wechat_concurrent_sends_share_one_token_fetch(channel, wechat):
    await asyncio.gather(*(channel.deliver(letter()) for _ in range(5)))
    assert wechat.token_fetches == 1 and len(wechat.sent) == 5


async def test_r_dlv_2_wechat_access_token_is_refreshed_a_margin_before_it_expires(channel, wechat,
                                                                                   clock):
    await channel.deliver(letter())
    clock.advance(7200 - 300 - 1)
    await channel.deliver(letter())
    assert wechat.token_fetches == 1
    clock.advance(2)
    await channel.deliver(letter())
    assert wechat.token_fetches == 2
    first, second, third = tokens_used(wechat)
    assert first == second != third and len(wechat.sent) == 3


@pytest.mark.parametrize("errcode", [42001, 40001, 40014])
async def test_r_dlv_2_wechat_refused_token_is_refreshed_once_and_the_send_retried(channel, wechat,
                                                                                   errcode):
    await channel.deliver(letter())
    wechat.expire_tokens(errcode)
    handed = await channel.deliver(letter())
    assert handed.reply_code == 0 and len(wechat.sent) == 2
    assert wechat.token_fetches == 2
    first, refused, retried = tokens_used(wechat)
    assert first == refused != retried


async def test_r_dlv_2_wechat_fresh_token_refused_too_is_not_retried_in_a_loop(channel, wechat):
    wechat.token_fault = 40001
    with pytest.raises(DeliveryRefused) as refused:
        await channel.deliver(letter())
    assert (refused.value.reply_code, refused.value.transient) == (40001, True)
    assert wechat.token_fetches == 2 and len(wechat.sends()) == 2 and not wechat.sent


@pytest.mark.parametrize(("app_id", "secret", "errcode", "named"), [
    ("wx0000000000000000", "s" * 32, 40013, "wechat_app_id"),
    ("wx5320cd30cecdbd68", "wrong-secret", 40125, "wechat_app_secret"),
])
async def test_r_dlv_2_wechat_token_endpoint_refusal_names_the_configuration_and_is_transient(
        wechat, clock, caplog, app_id, secret, errcode, named):
    adapter = WechatMiniProgramChannel(
        settings_for(wechat, wechat_app_id=app_id, wechat_app_secret=secret), clock)
    try:
        with caplog.at_level(logging.ERROR, logger="notify.channels.wechat"), \
                pytest.raises(DeliveryRefused) as refused:
            await adapter.deliver(letter())
    finally:
        await adapter.aclose()
    assert (refused.value.reply_code, refused.value.transient) == (errcode, True)
    assert named in refused.value.reply_text
    assert not wechat.sends() and any(named in r.getMessage() for r in caplog.records)
    assert secret not in caplog.text


# Send refusals -------------------------------------------------------------------------------

@pytest.mark.parametrize(("openid", "scripted", "errcode", "transient"), [
    (OPENID_REFUSED, None, 43101, False),
    ("oB_hN41zbT1OvATDONK5LccFIwwZ", None, 40003, False),
    (OPENID_SUBSCRIBED, 47003, 47003, False),
    (OPENID_SUBSCRIBED, 41030, 41030, False),
    (OPENID_SUBSCRIBED, 45009, 45009, True),
    (OPENID_SUBSCRIBED, 45011, 45011, True),
    (OPENID_SUBSCRIBED, 45047, 45047, True),
    (OPENID_SUBSCRIBED, -1, -1, True),
    (OPENID_SUBSCRIBED, 99999, 99999, True),
])
async def test_r_dlv_2_wechat_send_errors_say_whether_the_channel_may_serve_later(
        channel, wechat, openid, scripted, errcode, transient):
    if scripted is not None:
        wechat.fail_next(errcode=scripted)
    with pytest.raises(DeliveryRefused) as refused:
        await channel.deliver(letter(openid))
    assert (refused.value.reply_code, refused.value.transient) == (errcode, transient)
    assert "rid:" in refused.value.reply_text  # WeChat's own errmsg is kept for staff
    assert not wechat.sent
    await channel.deliver(letter())  # the channel itself still works
    assert len(wechat.sent) == 1


async def test_r_dlv_2_wechat_unknown_template_is_a_configuration_error_logged(wechat, clock, caplog):
    adapter = WechatMiniProgramChannel(settings_for(wechat, wechat_template_id="not-a-template"), clock)
    try:
        with caplog.at_level(logging.ERROR, logger="notify.channels.wechat"), \
                pytest.raises(DeliveryRefused) as refused:
            await adapter.deliver(letter())
    finally:
        await adapter.aclose()
    assert (refused.value.reply_code, refused.value.transient) == (40037, False)
    assert "wechat_template_id" in refused.value.reply_text
    assert [r.levelno for r in caplog.records] == [logging.ERROR]


async def test_r_dlv_2_wechat_far_end_down_busy_or_slow_is_transient(wechat, clock):
    adapter = WechatMiniProgramChannel(settings_for(wechat, wechat_timeout_seconds=0.3), clock)
    closed = WechatMiniProgramChannel(
        settings_for(wechat, wechat_api_base=f"http://127.0.0.1:{free_port()}"), clock)
    try:
        await adapter.deliver(letter())  # the token is cached: the faults below hit the send
        wechat.fail_next(status=502)
        with pytest.raises(DeliveryRefused) as bad_gateway:
            await adapter.deliver(letter())
        wechat.fail_next(delay=1.5)
        with pytest.raises(DeliveryRefused) as too_slow:
            await adapter.deliver(letter())
        with pytest.raises(DeliveryRefused) as unreachable:
            await closed.deliver(letter())
    finally:
        await adapter.aclose()
        await closed.aclose()
    assert (bad_gateway.value.reply_code, bad_gateway.value.transient) == (502, True)
    assert (too_slow.value.reply_code, too_slow.value.transient) == (None, True)
    assert "Timeout" in too_slow.value.reply_text
    assert (unreachable.value.reply_code, unreachable.value.transient) == (None, True)
    assert len(wechat.sent) == 1


# Read receipts: the proof of service ---------------------------------------------------------

@dataclass
class RecordingSink:
    """The delivery core's side of the callback, as far as this adapter needs it."""

    waiting: set[str]
    proofs: list[tuple[ChannelName, str, Receipt]] = field(default_factory=list)
    refusals: list[tuple[ChannelName, str, Refusal]] = field(default_factory=list)

    async def proven(self, channel: ChannelName, reference: str, receipt: Receipt) -> bool:
        self.proofs.append((channel, reference, receipt))
        return reference in self.waiting

    async def refused(self, channel: ChannelName, reference: str, refusal: Refusal) -> bool:
        self.refusals.append((channel, reference, refusal))
        return reference in self.waiting


REFERENCE = "0193b1f0-6a7e-7c2d-9f00-1a2b3c4d5e6f"


@pytest.fixture
async def receipts(wechat, clock):
    """A tiny app with the read-receipt router, the recording sink, and a client for it."""
    app = FastAPI()
    problems.install(app)
    app.include_router(read_receipts)
    sink = RecordingSink(waiting={REFERENCE})
    app.state.proof_sink = sink
    app.state.runtime = SimpleNamespace(settings=settings_for(wechat), clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield SimpleNamespace(client=client, sink=sink)


def receipt_body(read_at: datetime, reference: str = REFERENCE) -> bytes:
    return json.dumps({"reference": reference, "openid": OPENID_SUBSCRIBED,
                       "document_id": "0193b1f0-0000-7000-8000-000000000001", "sha256": "b" * 64,
                       "read_at": read_at.isoformat()}, ensure_ascii=False).encode()


def signed(body: bytes, at: datetime, secret: str = RECEIPT_SECRET,
           msg_id: str = "msg_2mC1kT9") -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, at, body.decode()),
            "content-type": "application/json"}


PATH = "/v1/channels/wechat/read-receipts"


async def test_r_dlv_3_wechat_read_receipt_is_the_proof_with_its_body_and_read_time(receipts, clock):
    read_at = clock.now() - timedelta(minutes=2)
    body = receipt_body(read_at)
    answer = await receipts.client.post(PATH, content=body, headers=signed(body, clock.now()))
    assert answer.status_code == 200 and answer.json() == {"accepted": True}
    assert receipts.sink.proofs == [(ChannelName.WECHAT, REFERENCE, Receipt(
        channel=ChannelName.WECHAT, address=OPENID_SUBSCRIBED, reply_code=None,
        reply_text=f"read in the mini-program by {OPENID_SUBSCRIBED}", reference=REFERENCE,
        at=read_at, evidence=body, evidence_type="application/json",
        document_sha256=json.loads(body)["sha256"]))]


async def test_r_dlv_3_wechat_forged_or_unsigned_read_receipt_is_refused(receipts, clock):
    body = receipt_body(clock.now())
    other = "whsec_" + base64.b64encode(b"someone-else-entirely-forging-it").decode()
    tampered = body.replace(REFERENCE.encode(), b"0193b1f0-6a7e-7c2d-9f00-ffffffffffff")
    attempts = [
        (body, signed(body, clock.now(), secret=other)),
        (tampered, signed(body, clock.now())),
        (body, {"content-type": "application/json"}),
    ]
    for content, headers in attempts:
        answer = await receipts.client.post(PATH, content=content, headers=headers)
        assert answer.status_code == 401
        assert answer.json()["type"].endswith("/signature-rejected")
    assert receipts.sink.proofs == []


async def test_r_dlv_3_wechat_stale_read_receipt_is_refused(receipts, clock):
    signed_at = clock.now() - timedelta(minutes=6)
    body = receipt_body(signed_at)
    answer = await receipts.client.post(PATH, content=body, headers=signed(body, signed_at))
    assert answer.status_code == 401 and "webhook-timestamp" in answer.json()["detail"]
    assert receipts.sink.proofs == []


async def test_r_dlv_3_wechat_malformed_or_future_read_receipt_is_422(receipts, clock):
    future = receipt_body(clock.now() + timedelta(minutes=10))
    missing = json.dumps({"reference": REFERENCE, "openid": OPENID_SUBSCRIBED}).encode()
    naive = receipt_body(clock.now()).replace(b"+00:00", b"")
    for body in (future, missing, naive, b"not json"):
        answer = await receipts.client.post(PATH, content=body, headers=signed(body, clock.now()))
        assert answer.status_code == 422, body
    assert receipts.sink.proofs == []


async def test_r_dlv_3_wechat_read_receipt_for_an_unknown_reference_is_404(receipts, clock):
    body = receipt_body(clock.now(), reference="no-such-hand-over")
    answer = await receipts.client.post(PATH, content=body, headers=signed(body, clock.now()))
    assert answer.status_code == 404
    assert [reference for _, reference, _ in receipts.sink.proofs] == ["no-such-hand-over"]
