"""Disclosure, push and pull on the real broker and database, with a real partner endpoint."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from labor_runtime.migrations import migrate
from labor_runtime.security import issue_api_key
from labor_runtime.testing import eventually, temporary_database
from publish.__main__ import MIGRATIONS
from publish.disclosures.rules import decode_cursor
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine
from standardwebhooks import Webhook

from .conftest import (
    create_partner,
    ops,
    penalty_decided,
    scalar,
    send_event,
    token,
    wait_disclosures,
)

pytestmark = pytest.mark.integration

R_PUB_3_FIELDS = {"id", "category", "decision_number", "employer_name", "employer_credit_code",
                  "legal_representative", "violation", "legal_basis", "penalty", "fine_amount",
                  "measures", "authority", "decided_on", "published_at", "publicity_ends_on"}


async def delivery(service, partner_id: str) -> dict:
    response = await service.client.get(f"/v1/partners/{partner_id}/deliveries", headers=ops())
    assert response.status_code == 200, response.text
    [row] = response.json()
    return row


async def wait_delivery(service, partner_id: str, **expected: object) -> dict:
    async def settled() -> dict | None:
        response = await service.client.get(f"/v1/partners/{partner_id}/deliveries",
                                             headers=ops())
        rows = response.json()
        if rows and all(rows[0][k] == v for k, v in expected.items()):
            return rows[0]
        return None

    await eventually(settled, timeout=20)
    return await delivery(service, partner_id)


async def test_r_pub_1_penalty_decision_disclosed_pushed_signed_and_announced(publish, receiver):
    housing = await create_partner(publish, "市住建局", receiver.url("/housing"),
                                   ["penalty_decision"])
    finance = await create_partner(publish, "金融监管局", receiver.url("/finance"), ["blacklist"])
    event = penalty_decided()
    await send_event(publish, event)

    [request] = await receiver.wait_for("/housing", 1)
    payload = Webhook(housing["webhook_secret"]).verify(request.body, request.headers)
    assert payload["type"] == "disclosure.published"
    disclosure = payload["data"]
    assert disclosure["decision_number"] == event["decision_number"]
    assert disclosure["employer_credit_code"] == "91350100M000100Y43"
    assert disclosure["legal_representative"] == "李四"
    assert disclosure["publicity_ends_on"] == "2028-03-03"  # decided 2025-03-03 (Shanghai) + 3 years
    row = await wait_delivery(publish, housing["id"], status="delivered")
    assert request.headers["webhook-id"] == row["webhook_id"]
    assert row["attempts"] == 1 and row["attempt_log"][0]["status_code"] == 200

    # The unsubscribed partner gets nothing: no delivery row, no request.
    response = await publish.client.get(f"/v1/partners/{finance['id']}/deliveries", headers=ops())
    assert response.json() == [] and receiver.at("/finance") == []

    public = await publish.client.get(f"/v1/disclosures/{disclosure['id']}")
    assert public.status_code == 200 and public.json() == disclosure

    async with publish.runtime.engine.connect() as conn:
        [announced] = (await conn.execute(sa.text(
            "SELECT body FROM outbox WHERE routing_key = 'publish.disclosure.published.v1'"))).all()
        platforms = (await conn.execute(sa.text(
            "SELECT platform, status, due_on::text FROM platform_submissions ORDER BY platform"))).all()
        deadlines = (await conn.execute(sa.text(
            "SELECT count(*) FROM timers WHERE kind = 'publish.platform_submission' "
            "AND completed_at IS NULL"))).scalar_one()
    data = json.loads(announced.body)["data"]
    assert (data["disclosure_id"], data["case_id"]) == (disclosure["id"], event["case_id"])
    # No adapter speaks Credit China's or GSXT's protocol: the submissions wait, with deadlines.
    assert [tuple(p) for p in platforms] == [("credit_china", "pending", "2025-03-10"),
                                            ("gsxt", "pending", "2025-03-10")]
    assert deadlines == 2
    metrics = (await publish.client.get("/metrics")).text
    assert 'webhook_attempts_total{outcome="delivered"} 1.0' in metrics
    assert 'platform_submissions_pending{platform="gsxt"} 1.0' in metrics


async def test_r_pub_3_disclosure_carries_no_complainant_data(publish, receiver):
    housing = await create_partner(publish, "市住建局", receiver.url("/housing"),
                                   ["penalty_decision"])
    # A misbehaving producer slips complainant data in: none of it may come out anywhere.
    leaked = {"complainant": {"name": "张三", "id_number": "11010519491231002X",
                              "phone": "13800138000"},
              "complainant_name": "张三", "complaint_ids": ["c-1"]}
    await send_event(publish, penalty_decided(**leaked))
    [request] = await receiver.wait_for("/housing", 1)
    await wait_disclosures(publish, 1)
    listed = await publish.client.get("/v1/disclosures")
    [item] = listed.json()["items"]
    assert set(item) == R_PUB_3_FIELDS
    feed = await publish.client.get("/v1/feed", headers={"X-API-Key": housing["api_key"]})
    async with publish.runtime.engine.connect() as conn:
        rows = [*(await conn.execute(sa.text("SELECT * FROM disclosures"))).all(),
                *(await conn.execute(sa.text("SELECT * FROM webhook_deliveries"))).all()]
        columns = set((await conn.execute(sa.text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'disclosures'"
        ))).scalars())
    dump = " ".join(str(v) for row in rows for v in row)
    for secret in ("张三", "11010519491231002X", "13800138000", "complain"):
        for text in (listed.text, feed.text, request.body.decode(), dump):
            assert secret not in text
    assert not any("complain" in c for c in columns)


async def test_r_pub_1_public_pages_without_auth_and_taken_down_after_term(publish):
    for _ in range(3):
        await send_event(publish, penalty_decided())
    await wait_disclosures(publish, 3)
    first = (await publish.client.get("/v1/disclosures", params={"page_size": 2})).json()
    second = (await publish.client.get("/v1/disclosures",
                                       params={"page_size": 2, "page": 2})).json()
    assert (first["total"], len(first["items"]), len(second["items"])) == (3, 2, 1)
    ids = {d["id"] for d in first["items"] + second["items"]}
    assert len(ids) == 3
    by_code = await publish.client.get("/v1/disclosures",
                                       params={"credit_code": "91350100m000100y43"})
    assert by_code.json()["total"] == 3
    other = await publish.client.get("/v1/disclosures", params={"credit_code": "911100001000000000"})
    assert other.json()["total"] == 0
    missing = await publish.client.get("/v1/disclosures/nope")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"

    publish.runtime.clock.advance(timedelta(days=3 * 366 + 30))  # R-PUB-4: the term has ended
    assert (await publish.client.get("/v1/disclosures")).json()["total"] == 0
    assert (await publish.client.get(f"/v1/disclosures/{ids.pop()}")).status_code == 410


async def test_r_pub_1_feed_pages_by_cursor_and_replays_only_subscribed(publish):
    reader = await create_partner(publish, "招投标中心", None, ["penalty_decision"])
    other = await create_partner(publish, "金融监管局", None, ["blacklist"])
    for _ in range(5):
        await send_event(publish, penalty_decided())
    await wait_disclosures(publish, 5)
    key = {"X-API-Key": reader["api_key"]}

    pages, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await publish.client.get("/v1/feed", params=params, headers=key)).json()
        pages.append(page)
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert [len(p["items"]) for p in pages] == [2, 2, 1]
    entries = [e for p in pages for e in p["items"]]
    positions = [decode_cursor(e["cursor"]) for e in entries]
    assert positions == sorted(positions) and len(set(positions)) == 5
    assert len({e["disclosure"]["id"] for e in entries}) == 5

    # Caught up: an empty page and the same cursor. Replay from any cursor gives the same pages.
    tail = (await publish.client.get("/v1/feed", params={"cursor": cursor}, headers=key)).json()
    assert tail == {"items": [], "next_cursor": cursor, "has_more": False}
    replay = (await publish.client.get("/v1/feed", headers=key,
                                       params={"cursor": pages[0]["next_cursor"], "limit": 2})).json()
    assert replay == pages[1]

    unsubscribed = await publish.client.get("/v1/feed", headers={"X-API-Key": other["api_key"]})
    assert unsubscribed.json()["items"] == []
    assert (await publish.client.get("/v1/feed")).status_code == 401
    bad = await publish.client.get("/v1/feed", params={"cursor": "garbage"}, headers=key)
    assert bad.status_code == 400
    async with publish.runtime.uow() as uow:
        channel_key = await issue_api_key(uow.session, client="hotline", kind="channel", scopes=[])
        await uow.commit()
    assert (await publish.client.get("/v1/feed", headers={"X-API-Key": channel_key})).status_code == 403


async def test_webhook_500_then_200_is_retried_on_schedule_with_the_same_id(publish, receiver):
    receiver.answer("/flaky", (500, {}), (200, {}))
    partner = await create_partner(publish, "市住建局", receiver.url("/flaky"), ["penalty_decision"])
    await send_event(publish, penalty_decided())
    await receiver.wait_for("/flaky", 1)
    pending = await wait_delivery(publish, partner["id"], attempts=1)
    assert pending["status"] == "pending" and pending["last_status_code"] == 500

    publish.runtime.clock.advance(timedelta(seconds=5))  # the schedule's second step
    first, second = await receiver.wait_for("/flaky", 2)
    for request in (first, second):
        Webhook(partner["webhook_secret"]).verify(request.body, request.headers)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    done = await wait_delivery(publish, partner["id"], status="delivered")
    assert [(a["status_code"], a["outcome"]) for a in done["attempt_log"]] == [
        (500, "retry"), (200, "delivered")]


async def test_webhook_honours_retry_after_on_503(publish, receiver):
    receiver.answer("/busy", (503, {"Retry-After": "120"}), (200, {}))
    partner = await create_partner(publish, "市住建局", receiver.url("/busy"), ["penalty_decision"])
    await send_event(publish, penalty_decided())
    row = await wait_delivery(publish, partner["id"], attempts=1)
    waited = (await scalar(publish, "SELECT extract(epoch FROM next_attempt_at - updated_at) "
                                    "FROM webhook_deliveries"))
    assert row["status"] == "pending" and float(waited) == 120  # not the schedule's 5 s

    publish.runtime.clock.advance(timedelta(seconds=121))
    await receiver.wait_for("/busy", 2)
    await wait_delivery(publish, partner["id"], status="delivered")


async def test_webhook_refused_with_400_or_a_redirect_fails_at_once_without_retry(publish,
                                                                                  receiver):
    """The partner refuses this very request; a retry would send the same bytes (redirects are
    not followed: the partner updates its URL instead)."""
    receiver.answer("/refuses", (400, {}))
    receiver.answer("/moved", (301, {"Location": receiver.url("/elsewhere")}))
    refusing = await create_partner(publish, "市住建局", receiver.url("/refuses"),
                                    ["penalty_decision"])
    moved = await create_partner(publish, "市金融监管局", receiver.url("/moved"),
                                 ["penalty_decision"])
    await send_event(publish, penalty_decided())
    for partner, status in ((refusing, 400), (moved, 301)):
        row = await wait_delivery(publish, partner["id"], status="failed")
        assert (row["attempts"], row["last_status_code"]) == (1, status)
        assert [a["outcome"] for a in row["attempt_log"]] == ["failed"]
    assert len(receiver.at("/refuses")) == len(receiver.at("/moved")) == 1
    assert receiver.at("/elsewhere") == []
    view = (await publish.client.get(f"/v1/partners/{refusing['id']}", headers=ops())).json()
    assert view["webhook_enabled"] is True  # only 410 disables an endpoint


async def test_webhook_410_disables_the_endpoint_until_ops_set_it_again(publish, receiver):
    receiver.answer("/gone", (410, {}))
    partner = await create_partner(publish, "市住建局", receiver.url("/gone"), ["penalty_decision"])
    await send_event(publish, penalty_decided())
    row = await wait_delivery(publish, partner["id"], status="failed")
    assert row["attempts"] == 1 and "410" in row["last_error"]
    view = (await publish.client.get(f"/v1/partners/{partner['id']}", headers=ops())).json()
    assert view["webhook_enabled"] is False and "410" in view["webhook_disabled_reason"]

    await send_event(publish, penalty_decided())
    await wait_disclosures(publish, 2)
    assert await scalar(publish, "SELECT count(*) FROM webhook_deliveries") == 1
    assert len(receiver.at("/gone")) == 1

    receiver.answer("/gone", (200, {}))
    again = await publish.client.put(f"/v1/partners/{partner['id']}/webhook", headers=ops(),
                                     json={"url": receiver.url("/gone")})
    assert again.status_code == 200 and again.json()["webhook_enabled"] is True
    assert again.json()["webhook_secret"] is None  # the partner keeps its secret


async def test_webhook_fails_after_the_schedule_and_endpoint_disabled_after_five_days(publish,
                                                                                    receiver):
    receiver.answer("/down", (500, {}))
    partner = await create_partner(publish, "市住建局", receiver.url("/down"), ["penalty_decision"])
    await send_event(publish, penalty_decided())
    pauses = publish.runtime.settings.webhook_retry_schedule_seconds
    for attempt, pause in enumerate(pauses, start=2):
        await wait_delivery(publish, partner["id"], attempts=attempt - 1)
        publish.runtime.clock.advance(timedelta(seconds=pause))
        await receiver.wait_for("/down", attempt)
    row = await wait_delivery(publish, partner["id"], status="failed")
    assert row["attempts"] == len(pauses) + 1 == 8
    view = (await publish.client.get(f"/v1/partners/{partner['id']}", headers=ops())).json()
    assert view["webhook_enabled"] is True  # ~28 h of failures: not yet 5 days

    publish.runtime.clock.advance(timedelta(days=5))
    await send_event(publish, penalty_decided())
    await receiver.wait_for("/down", 9)

    async def disabled() -> bool:
        view = (await publish.client.get(f"/v1/partners/{partner['id']}", headers=ops())).json()
        return view["webhook_enabled"] is False

    await eventually(disabled)


async def test_ssrf_private_webhook_urls_refused_without_allowance(publish_strict, receiver):
    for url in (receiver.url("/hook"), "http://localhost/hook", "http://169.254.169.254/latest",
                "http://10.0.0.8/hook", "http://[::1]/hook"):
        response = await publish_strict.client.post("/v1/partners", headers=ops(), json={
            "name": "市住建局", "agency": "housing_construction", "webhook_url": url})
        assert response.status_code == 422, url
        assert response.json()["type"].endswith("/webhook-url-refused")


async def test_ssrf_checked_again_at_delivery_time(publish, receiver):
    partner = await create_partner(publish, "市住建局", receiver.url("/hook"), ["penalty_decision"])
    publish.runtime.settings.webhook_allow_private_networks = False  # as in production
    await send_event(publish, penalty_decided())
    row = await wait_delivery(publish, partner["id"], attempts=1)
    assert row["last_error"].startswith("refused: 127.0.0.1 resolves to 127.0.0.1 (loopback)")
    assert receiver.at("/hook") == []


async def test_partners_are_managed_by_ops_only_and_secrets_shown_once(publish, receiver):
    body = {"name": "市住建局", "agency": "housing_construction",
            "webhook_url": receiver.url("/hook")}
    assert (await publish.client.post("/v1/partners", json=body)).status_code == 401
    officer = {"Authorization": f"Bearer {token('officer_a')}"}
    assert (await publish.client.post("/v1/partners", json=body, headers=officer)).status_code == 403
    created = await publish.client.post("/v1/partners", json=body, headers=ops())
    assert created.status_code == 201
    partner = created.json()
    assert partner["webhook_secret"].startswith("whsec_") and partner["api_key"].startswith("lk_")
    assert (await publish.client.post("/v1/partners", json=body, headers=ops())).status_code == 409
    shown = (await publish.client.get(f"/v1/partners/{partner['id']}", headers=ops())).text
    assert partner["webhook_secret"] not in shown and partner["api_key"] not in shown
    assert partner["webhook_secret"][6:] not in str(await scalar(
        publish, "SELECT webhook_secret_enc FROM partners"))

    updated = await publish.client.put(f"/v1/partners/{partner['id']}/subscriptions",
                                       headers=ops(), json={"categories": ["penalty_decision"]})
    assert updated.json()["categories"] == ["penalty_decision"]
    unknown = await publish.client.put(f"/v1/partners/{partner['id']}/subscriptions",
                                       headers=ops(), json={"categories": ["gossip"]})
    assert unknown.status_code == 422
    async with publish.runtime.engine.connect() as conn:
        actions = (await conn.execute(sa.text(
            "SELECT actor, action FROM audit_log ORDER BY seq"))).all()
    assert [tuple(a) for a in actions] == [("ops-1", "create_partner"), ("ops-1", "set_subscriptions")]


async def test_same_decision_sent_twice_is_disclosed_once(publish, receiver):
    partner = await create_partner(publish, "市住建局", receiver.url("/hook"), ["penalty_decision"])
    event = penalty_decided()
    first = await send_event(publish, event)
    await send_event(publish, event, event_id=first.id)  # a redelivery (inbox)
    await send_event(publish, event)  # the same decision under a new event id
    await wait_disclosures(publish, 1)
    await wait_delivery(publish, partner["id"], status="delivered")

    async def all_consumed() -> bool:
        return (await scalar(publish, "SELECT count(*) FROM inbox")) == 2

    await eventually(all_consumed)
    assert await scalar(publish, "SELECT count(*) FROM disclosures") == 1
    assert await scalar(publish, "SELECT count(*) FROM webhook_deliveries") == 1
    assert await scalar(publish, "SELECT count(*) FROM outbox WHERE routing_key = "
                                 "'publish.disclosure.published.v1'") == 1
    assert len(receiver.at("/hook")) == 1


async def test_r_pub_1_platform_receipt_recorded_by_hand_stops_the_clock(publish):
    await send_event(publish, penalty_decided())
    await wait_disclosures(publish, 1)
    listed = await publish.client.get("/v1/platform-submissions", headers=ops())
    assert [s["platform"] for s in listed.json()] == ["credit_china", "gsxt"]
    submission = listed.json()[0]
    url = f"/v1/platform-submissions/{submission['id']}/submitted"
    recorded = await publish.client.post(url, headers=ops(), json={"reference": "XYZG-2025-0001"})
    assert recorded.status_code == 200 and recorded.json()["status"] == "submitted"
    assert (await publish.client.post(url, headers=ops(), json={"reference": "again"})).status_code == 409
    assert await scalar(publish, "SELECT count(*) FROM timers WHERE subject = :s AND "
                                 "completed_at IS NOT NULL", s=submission["id"]) == 1
    assert len((await publish.client.get("/v1/platform-submissions", headers=ops())).json()) == 1


async def test_issue10_finding_7_a_partner_name_of_only_spaces_is_refused(publish):
    for name in (" ", "\t \u3000"):
        response = await publish.client.post("/v1/partners", headers=ops(), json={
            "name": name, "agency": "housing_construction"})
        assert response.status_code == 422, response.text
        assert [e["location"] for e in response.json()["errors"]] == ["body.name"]
    assert await scalar(publish, "SELECT count(*) FROM partners") == 0


async def test_issue10_finding_7_blank_partner_names_are_named_after_their_id_then_checked(
        infrastructure):
    async with temporary_database(infrastructure.database_url, "publish") as url:
        await asyncio.to_thread(migrate, MIGRATIONS, url, "0003")
        engine = create_async_engine(url)
        insert = sa.text("INSERT INTO partners (id, name, agency, api_key_id, created_by, created_at, "
                         "updated_at) VALUES (:id, :name, 'housing_construction', :id, 'ops-1', "
                         "now(), now())")
        try:
            async with engine.begin() as conn:
                for partner_id, name in (("p-blank", " "), ("p-tab", "\t"), ("p-named", "市住建局")):
                    await conn.execute(insert, {"id": partner_id, "name": name})
            await asyncio.to_thread(migrate, MIGRATIONS, url)
            async with engine.connect() as conn:
                names = dict((await conn.execute(sa.text("SELECT id, name FROM partners"))).all())
            assert names == {"p-blank": "partner p-blank", "p-tab": "partner p-tab",
                             "p-named": "市住建局"}
            with pytest.raises(IntegrityError):
                async with engine.begin() as conn:
                    await conn.execute(insert, {"id": "p-again", "name": "  "})
        finally:
            await engine.dispose()
