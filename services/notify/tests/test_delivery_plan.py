"""The delivery plan against the real gateways (R-DLV-2, R-DLV-3): a hand-over whose proof does
not come moves on to the next channel, a channel that will never serve the party is dropped, a
proof that contradicts its hand-over is refused, a late proof still proves service, and when no
channel proves it the document goes to the grid workers or the post."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import sqlalchemy as sa

from .conftest import (
    CREDIT_CODE,
    confirm,
    issued,
    publish,
    read_in_the_mini_program,
    staff_headers,
)
from .fakes.dingtalk import SEND as DINGTALK_SEND
from .fakes.wechat import OPENID_REFUSED, OPENID_SUBSCRIBED
from .test_decision_walk import delivery_of

pytestmark = pytest.mark.integration

OFFICER = staff_headers("officer_a")
WECHAT_FIRST = {"delivery_plan": {"channels": ["wechat", "dingtalk", "email", "fax"]}}


async def served_events(service) -> list[dict]:
    async with service.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.text(
            "SELECT body FROM outbox WHERE routing_key = 'notify.document.served.v1'"))).all()
    import json

    return [json.loads(r.body)["data"] for r in rows]


@pytest.mark.notify_settings(**WECHAT_FIRST)
async def test_r_dlv_3_unread_on_wechat_moves_on_to_dingtalk_and_a_late_read_changes_nothing(
        notify_gateways, gateways, upstream_bus):
    notify = notify_gateways
    await confirm(notify, wechat=OPENID_SUBSCRIBED, dingtalk="manager1122")
    event = issued()
    document_id = event.data["document_id"]
    await publish(upstream_bus, event)
    waiting = await delivery_of(notify, document_id, "awaiting_proof")
    assert waiting["awaiting"]["channel"] == "wechat"
    assert waiting["proof_due_at"] is not None

    # Three days pass without a read receipt: the plan goes on with DingTalk.
    notify.runtime.clock.advance(timedelta(days=3, seconds=1))
    moved = await delivery_of(notify, document_id, "awaiting_proof")
    while moved["awaiting"]["channel"] != "dingtalk":
        moved = await delivery_of(notify, document_id, "awaiting_proof")
    outcomes = [(a["channel"], a["outcome"]) for a in moved["attempts"]]
    assert outcomes == [("wechat", "handed_over"), ("wechat", "no_proof"),
                        ("dingtalk", "handed_over")]
    [task] = [a["reference"] for a in moved["attempts"] if a["channel"] == "dingtalk"]
    gateways.dingtalk.mark(task, "manager1122", "read")
    served = await delivery_of(notify, document_id, "served")
    assert served["proof"]["channel"] == "dingtalk"
    assert served["proof"]["content_type"] == "application/json"

    # The party opens the WeChat message after all: accepted, but served stays as proven first.
    late = await read_in_the_mini_program(notify, waiting, notify.runtime.clock.now())
    assert late.status_code == 200
    again = await delivery_of(notify, document_id, "served")
    assert again["proof"] == served["proof"]
    assert len(await served_events(notify)) == 1


@pytest.mark.notify_settings(**WECHAT_FIRST)
async def test_r_dlv_3_a_read_receipt_for_another_document_or_party_is_refused(
        notify_gateways, upstream_bus):
    notify = notify_gateways
    await confirm(notify, wechat=OPENID_SUBSCRIBED)
    event = issued()
    await publish(upstream_bus, event)
    waiting = await delivery_of(notify, event.data["document_id"], "awaiting_proof")
    now = notify.runtime.clock.now()
    other = await read_in_the_mini_program(notify, waiting, now, sha256="0" * 64)
    assert other.status_code == 409 and "hashes to" in other.json()["detail"]
    stranger = await read_in_the_mini_program(notify, waiting, now, openid=OPENID_REFUSED)
    assert stranger.status_code == 409 and "another recipient" in stranger.json()["detail"]
    assert (await delivery_of(notify, event.data["document_id"], "awaiting_proof"))["proof"] is None


@pytest.mark.notify_settings(delivery_plan={"channels": ["wechat", "email"]})
async def test_r_dlv_2_a_party_that_refused_wechat_messages_is_served_by_e_mail_at_once(
        notify_gateways, gateways, upstream_bus):
    notify = notify_gateways
    await confirm(notify, wechat=OPENID_REFUSED, email="hr@employer.example.cn")
    event = issued()
    await publish(upstream_bus, event)
    served = await delivery_of(notify, event.data["document_id"], "served")
    [refused, mailed] = served["attempts"]
    assert (refused["channel"], refused["outcome"], refused["reply_code"]) == ("wechat", "failed",
                                                                              43101)
    assert (mailed["channel"], mailed["outcome"]) == ("email", "served")
    assert len(gateways.mailbox.messages) == 1


@pytest.mark.notify_settings(delivery_plan={"channels": ["fax", "email"]},
                             delivery_retry_seconds=[60])
async def test_r_dlv_3_a_busy_fax_line_falls_to_e_mail_and_a_voice_line_is_never_dialled_again(
        notify_gateways, gateways, upstream_bus):
    notify = notify_gateways
    gateways.fax.outcomes["+8659187654321"] = "busy"
    await confirm(notify, fax="0591-87654321", email="hr@employer.example.cn")
    event = issued()
    await publish(upstream_bus, event)
    served = await delivery_of(notify, event.data["document_id"], "served")
    outcomes = [(a["channel"], a["outcome"]) for a in served["attempts"]]
    assert outcomes == [("fax", "handed_over"), ("fax", "failed"), ("email", "served")]
    busy = served["attempts"][1]
    assert "line busy" in busy["reply_text"]

    # A number that is a voice line (5.x.x) is dropped: the next round does not dial it.
    gateways.mailbox.refuse = "550 5.2.1 mailbox unavailable"
    gateways.fax.outcomes["+8659187654321"] = "bad_number"
    second = issued()
    await publish(upstream_bus, second)
    waiting = await delivery_of(notify, second.data["document_id"], "pending")
    while waiting["rounds"] < 1:
        waiting = await delivery_of(notify, second.data["document_id"], "pending")
    notify.runtime.clock.advance(timedelta(seconds=61))
    gone = await delivery_of(notify, second.data["document_id"], "in_person")
    dialled = [a for a in gone["attempts"] if a["channel"] == "fax" and a["outcome"] == "handed_over"]
    assert len(dialled) == 1 and gone["rounds"] == 2
    assert "not served electronically after 2 round(s)" in gone["in_person_reason"]


@pytest.mark.notify_settings(delivery_plan={"channels": ["dingtalk"]})
async def test_r_dlv_3_a_dingtalk_send_result_listing_the_party_as_failed_sends_it_by_hand(
        notify_gateways, gateways, upstream_bus):
    notify = notify_gateways
    await confirm(notify, dingtalk="manager1122")
    event = issued()
    await publish(upstream_bus, event)
    waiting = await delivery_of(notify, event.data["document_id"], "awaiting_proof")
    [task] = [a["reference"] for a in waiting["attempts"]]
    assert len(gateways.dingtalk.at(DINGTALK_SEND)) == 1
    gateways.dingtalk.mark(task, "manager1122", "failed")
    gone = await delivery_of(notify, event.data["document_id"], "in_person")
    assert [a["outcome"] for a in gone["attempts"]] == ["handed_over", "failed"]
    assert "failed_user_id_list" in gone["attempts"][1]["reply_text"]
    assert len(gateways.dingtalk.at(DINGTALK_SEND)) == 1  # never sent again to a dead address


@pytest.mark.notify_settings(delivery_plans={"penalty_decision": {"fallback": "post"}})
async def test_r_dlv_3_a_plan_falling_back_to_the_post_is_proven_by_the_return_receipt_only(
        notify_gateways, upstream_bus):
    notify = notify_gateways
    event = issued()
    await publish(upstream_bus, event)
    work = await delivery_of(notify, event.data["document_id"], "in_person")
    assert work["fallback"] == "post" and work["grid"] is None
    grid_worker = staff_headers("grid_worker")
    photo = {"served_at": notify.runtime.clock.now().isoformat(), "received_by": "李四",
             "place": "某路1号", "photo_b64": base64.b64encode(b"\x89PNG\r\n\x1a\nx").decode(),
             "photo_type": "image/png",
             "signature_b64": base64.b64encode(b"\x89PNG\r\n\x1a\nx").decode()}
    refused = await notify.client.post(f"/v1/deliveries/{work['id']}/in-person", json=photo,
                                       headers=grid_worker)
    assert refused.status_code == 404  # no grid of its own: not its delivery
    notify.runtime.clock.advance(timedelta(days=3))
    received = notify.runtime.clock.now() - timedelta(hours=5)
    body = {"tracking_number": "EMS1234567890CN", "received_at": received.isoformat(),
            "receipt_b64": base64.b64encode(b"\xff\xd8\xff\xe0 scanned receipt").decode(),
            "receipt_type": "image/jpeg"}
    proven = await notify.client.post(f"/v1/deliveries/{work['id']}/postal", json=body,
                                      headers=OFFICER)
    assert proven.status_code == 200, proven.text
    assert proven.json()["proof"]["channel"] == "post"
    twice = await notify.client.post(f"/v1/deliveries/{work['id']}/postal", json=body,
                                     headers=OFFICER)
    assert twice.status_code == 409
    [served] = await served_events(notify)
    assert served["channel"] == "post" and served["proof_sha256"] == proven.json()["proof"]["sha256"]
    assert CREDIT_CODE in (await notify.client.get(f"/v1/documents/{event.data['document_id']}",
                                                   headers=OFFICER)).json()["recipient_credit_code"]


async def test_r_dlv_3_a_broken_proof_chain_shows(notify_gateways, upstream_bus):
    """The chain is recomputed from the kept artefacts: an artefact changed behind the append-only
    guard (here by a superuser disabling it) breaks its link and every later one."""
    notify = notify_gateways
    await confirm(notify, email="hr@employer.example.cn")
    events = [issued(case_id="case-chain") for _ in range(2)]
    for event in events:
        await publish(upstream_bus, event)
        await delivery_of(notify, event.data["document_id"], "served")
    chain = (await notify.client.get("/v1/proof-chains/case-chain", headers=OFFICER)).json()
    assert chain["intact"] and len(chain["links"]) == 2
    async with notify.runtime.engine.begin() as conn:
        await conn.execute(sa.text("ALTER TABLE delivery_proofs DISABLE TRIGGER USER"))
        await conn.execute(sa.text("UPDATE delivery_proofs SET content = 'forged' WHERE seq = "
                                   "(SELECT min(seq) FROM delivery_proofs)"))
        await conn.execute(sa.text("ALTER TABLE delivery_proofs ENABLE TRIGGER USER"))
    broken = (await notify.client.get("/v1/proof-chains/case-chain", headers=OFFICER)).json()
    assert broken["intact"] is False and broken["links"][0]["intact"] is False
