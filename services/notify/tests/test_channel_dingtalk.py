"""The DingTalk government edition channel (R-DLV-2, R-DLV-3) against a real local DingTalk server.

DingTalk's proof is polled (`follow_up`), never called back, so no ProofSink is involved here.
"""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from labor_runtime.clock import SystemClock
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
from notify.channels.dingtalk import DingTalkChannel, DingTalkSettings

from .conftest import free_port
from .fakes.dingtalk import RESULT, SEND, TOKEN, FakeDingTalk

pytestmark = pytest.mark.integration

USER = "manager1122"
MESSAGE_URL = "https://songda.inspection.example.gov.cn/dingtalk/open"


@pytest.fixture
def dingtalk():
    fake = FakeDingTalk(users=(USER, "0137681487"))
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


def settings_for(fake: FakeDingTalk, **overrides) -> DingTalkSettings:
    values = {"dingtalk_api_base": fake.url, "dingtalk_app_key": fake.app_key,
              "dingtalk_app_secret": fake.app_secret, "dingtalk_agent_id": fake.agent_id,
              "dingtalk_message_url": MESSAGE_URL, "dingtalk_timeout_seconds": 5}
    return DingTalkSettings(**{**values, **overrides})


@pytest.fixture
def clock():
    return SystemClock()


@pytest.fixture
async def channel(dingtalk, clock):
    adapter = DingTalkChannel(settings_for(dingtalk), clock)
    try:
        yield adapter
    finally:
        await adapter.aclose()


def letter(address: str = USER, reference: str = "dlv-1:1") -> Letter:
    return Letter(delivery_id="dlv-1", message_id="<m1@inspection.example.gov.cn>", reference=reference,
                  document_id="doc-42", case_id="case-1", kind="penalty_decision",
                  title="行政处罚决定书（X劳监罚〔2025〕1号）", content_type="application/pdf",
                  content=b"%PDF-1.7", sha256="ab" * 32,
                  verify_url="https://verify.inspection.example.gov.cn/documents/doc-42",
                  recipient_name="某某建筑工程有限公司", address=address)


def pending(handed: HandedOver) -> Pending:
    return Pending(channel=ChannelName.DINGTALK, address=handed.address, reference=handed.reference,
                   handed_over_at=handed.at)


def test_r_dlv_2_dingtalk_check_address_takes_a_userid_and_needs_configuration():
    configured = DingTalkChannel(DingTalkSettings(
        dingtalk_app_key="k", dingtalk_app_secret="s", dingtalk_agent_id=1,
        dingtalk_message_url=MESSAGE_URL), SystemClock())
    assert configured.check_address("  manager1122 ") == "manager1122"
    assert configured.check_address("x" * 64) == "x" * 64
    for bad in ("", "   ", "a,b", "two words", "x" * 65):
        with pytest.raises(ChannelUnusable, match="not a DingTalk userid"):
            configured.check_address(bad)

    unconfigured = DingTalkChannel(DingTalkSettings(dingtalk_app_key="k", dingtalk_agent_id=1),
                                   SystemClock())
    with pytest.raises(ChannelUnusable, match=r"set dingtalk_app_secret, dingtalk_message_url$"):
        unconfigured.check_address(USER)


async def test_r_dlv_2_dingtalk_unconfigured_channel_refuses_for_good():
    channel = DingTalkChannel(DingTalkSettings(), SystemClock())
    with pytest.raises(DeliveryRefused, match="dingtalk_app_key") as refused:
        await channel.deliver(letter())
    assert refused.value.transient is False


async def test_r_dlv_2_dingtalk_send_is_handed_over_with_the_task_id(channel, dingtalk, clock):
    handed = await channel.deliver(letter())

    [send] = dingtalk.at(SEND)
    task_id = json.loads(send.answer)["task_id"]
    assert handed == HandedOver(channel=ChannelName.DINGTALK, address=USER, reference=str(task_id),
                                reply_code=0, reply_text=f"task {task_id}", at=handed.at)
    assert handed.at <= clock.now()
    assert send.body["agent_id"] == dingtalk.agent_id and send.body["userid_list"] == USER
    oa = send.body["msg"]["oa"]
    assert send.body["msg"]["msgtype"] == "oa"
    assert oa["body"]["title"] == "行政处罚决定书（X劳监罚〔2025〕1号）"
    assert {"key": "文书编号：", "value": "doc-42"} in oa["body"]["form"]
    opened = urlsplit(oa["message_url"])
    assert f"{opened.scheme}://{opened.netloc}{opened.path}" == MESSAGE_URL
    assert parse_qs(opened.query) == {"reference": ["dlv-1:1"], "document_id": ["doc-42"]}
    assert "https://verify.inspection.example.gov.cn/documents/doc-42" in oa["body"]["content"]

    second = await channel.deliver(letter(reference="dlv-1:2"))
    assert int(second.reference) == task_id + 1


async def test_r_dlv_2_dingtalk_token_is_cached_and_refreshed_before_it_expires(channel, dingtalk, clock):
    await channel.deliver(letter())
    await channel.deliver(letter())
    assert len(dingtalk.at(TOKEN)) == 1

    # 7,200 s minus the 300 s margin: still early, the cached token serves.
    clock.advance(timedelta(seconds=7200 - 300 - 5))
    await channel.deliver(letter())
    assert len(dingtalk.at(TOKEN)) == 1

    clock.advance(timedelta(seconds=10))
    await channel.deliver(letter())
    assert len(dingtalk.at(TOKEN)) == 2
    assert [call.query["access_token"] for call in dingtalk.at(SEND)] == ["token-0001"] * 4


@pytest.mark.parametrize("invalidate", ["expire_tokens", "revoke_tokens"])
async def test_r_dlv_2_dingtalk_invalid_token_answer_refreshes_once_and_retries(
        channel, dingtalk, invalidate):
    await channel.deliver(letter())
    getattr(dingtalk, invalidate)()

    handed = await channel.deliver(letter())

    sends = dingtalk.at(SEND)
    assert [json.loads(s.answer)["errcode"] for s in sends] == [
        0, 42001 if invalidate == "expire_tokens" else 40014, 0]
    assert sends[2].query["access_token"] == "token-0002"
    assert handed.reference == str(json.loads(sends[2].answer)["task_id"])
    assert len(dingtalk.at(TOKEN)) == 2


async def test_r_dlv_2_dingtalk_token_refused_twice_is_not_retried_forever(channel, dingtalk):
    dingtalk.fail_next(SEND, (40014, "不合法的access_token"), (88, "ding talk error", "42001"))
    with pytest.raises(DeliveryRefused) as refused:
        await channel.deliver(letter())
    assert refused.value.reply_code == 88 and refused.value.transient is True
    assert len(dingtalk.at(SEND)) == 2 and len(dingtalk.at(TOKEN)) == 2


@pytest.mark.parametrize(("errcode", "sub_code", "transient"), [
    (40003, None, False),  # 不合法的UserID
    (33012, None, False),  # 无效的userid
    (60121, None, False),  # 找不到该用户
    (81002, None, False),  # 用户拒收消息
    (90018, None, True),  # frequency limit
    (90002, None, True),  # this API temporarily refused
    (45009, None, True),  # 接口调用超过限制
    (143103, None, True),  # QPM over the limit
    (-1, None, True),  # 系统繁忙
    (40056, None, False),  # 不合法的agentid: configuration
    (88, "60011", False),  # 鉴权异常 / no permission: configuration
    (1430002, None, False),  # 包含违禁内容: the message itself
])
async def test_r_dlv_2_dingtalk_send_errors_are_mapped(channel, dingtalk, errcode, sub_code, transient):
    dingtalk.fail_next(SEND, (errcode, "scripted", sub_code) if sub_code else (errcode, "scripted"))
    with pytest.raises(DeliveryRefused) as refused:
        await channel.deliver(letter())
    assert refused.value.reply_code == errcode
    assert refused.value.transient is transient
    assert "scripted" in refused.value.reply_text


async def test_r_dlv_2_dingtalk_refusal_for_one_userid_is_final(channel, dingtalk):
    dingtalk.fail_for(USER, 40003, "不合法的UserID")
    with pytest.raises(DeliveryRefused, match="不合法的UserID") as refused:
        await channel.deliver(letter())
    assert (refused.value.reply_code, refused.value.transient) == (40003, False)


async def test_r_dlv_2_dingtalk_wrong_agent_or_secret_is_a_configuration_refusal(dingtalk, clock):
    for settings in (settings_for(dingtalk, dingtalk_agent_id=1),
                     settings_for(dingtalk, dingtalk_app_secret="not-the-secret")):
        adapter = DingTalkChannel(settings, clock)
        try:
            with pytest.raises(DeliveryRefused) as refused:
                await adapter.deliver(letter())
        finally:
            await adapter.aclose()
        assert refused.value.reply_code in (40056, 40089) and refused.value.transient is False
    assert dingtalk.tasks == {}


async def test_r_dlv_2_dingtalk_http_5xx_and_unreachable_are_transient(channel, dingtalk, clock):
    dingtalk.fail_next(SEND, 503)
    with pytest.raises(DeliveryRefused, match="HTTP 503") as refused:
        await channel.deliver(letter())
    assert (refused.value.reply_code, refused.value.transient) == (None, True)

    dingtalk.fail_next(TOKEN, 502)
    fresh = DingTalkChannel(settings_for(dingtalk), clock)
    try:
        with pytest.raises(DeliveryRefused, match="HTTP 502") as refused:
            await fresh.deliver(letter())
    finally:
        await fresh.aclose()
    assert refused.value.transient is True

    nowhere = DingTalkChannel(settings_for(dingtalk, dingtalk_api_base=f"http://127.0.0.1:{free_port()}"),
                              clock)
    try:
        with pytest.raises(DeliveryRefused, match="unreachable") as refused:
            await nowhere.deliver(letter())
    finally:
        await nowhere.aclose()
    assert (refused.value.reply_code, refused.value.transient) == (None, True)


async def test_r_dlv_3_dingtalk_unread_is_not_yet_proof_and_read_is_with_the_raw_result(
        channel, dingtalk, clock):
    handed = await channel.deliver(letter())
    assert await channel.follow_up(pending(handed)) is None

    dingtalk.mark(handed.reference, USER, "read")
    clock.advance(timedelta(minutes=42))
    receipt = await channel.follow_up(pending(handed))

    last = dingtalk.at(RESULT)[-1]
    assert last.body == {"agent_id": dingtalk.agent_id, "task_id": int(handed.reference)}
    assert isinstance(receipt, Receipt)
    assert receipt.evidence == last.answer  # the far end's bytes, as received
    assert json.loads(receipt.evidence)["send_result"]["read_user_id_list"] == [USER]
    assert receipt.evidence_type == "application/json"
    assert (receipt.channel, receipt.address, receipt.reference) == (ChannelName.DINGTALK, USER,
                                                                     handed.reference)
    assert (receipt.reply_code, receipt.reply_text) == (0, f"read in DingTalk by {USER}")
    assert handed.at + timedelta(minutes=42) <= receipt.at <= clock.now()


@pytest.mark.parametrize(("outcome", "listed"), [
    ("failed", "failed_user_id_list"),
    ("invalid", "invalid_user_id_list"),
    ("forbidden", "forbidden_user_id_list"),
])
async def test_r_dlv_3_dingtalk_failed_invalid_or_forbidden_is_a_final_refusal(
        channel, dingtalk, outcome, listed):
    handed = await channel.deliver(letter())
    dingtalk.mark(handed.reference, USER, outcome)
    refusal = await channel.follow_up(pending(handed))
    assert isinstance(refusal, Refusal)
    assert refusal.transient is False and refusal.address == USER
    assert listed in refusal.reply_text and handed.reference in refusal.reply_text


async def test_r_dlv_3_dingtalk_unknown_userid_taken_then_listed_invalid(channel, dingtalk):
    handed = await channel.deliver(letter(address="left-the-bureau"))
    refusal = await channel.follow_up(pending(handed))
    assert isinstance(refusal, Refusal) and refusal.transient is False
    assert "invalid_user_id_list" in refusal.reply_text


async def test_r_dlv_3_dingtalk_query_errors_wait_and_unknown_task_is_transient(channel, dingtalk):
    handed = await channel.deliver(letter())
    dingtalk.mark(handed.reference, USER, "read")
    dingtalk.fail_next(RESULT, (-1, "系统繁忙"), 500, (90018, "scripted"))
    for _ in range(3):
        assert await channel.follow_up(pending(handed)) is None
    assert isinstance(await channel.follow_up(pending(handed)), Receipt)

    lost = Pending(channel=ChannelName.DINGTALK, address=USER, reference="999", handed_over_at=handed.at)
    refusal = await channel.follow_up(lost)
    assert isinstance(refusal, Refusal)
    assert refusal.transient is True and refusal.reply_code == 40035
    assert "999" in refusal.reply_text
