"""The publish side of credit on the real broker and database, with real partner endpoints:
the blacklist (R-CRD-4), its withdrawal (R-PUB-4), joint punishments (R-MAJ-3) and repair
notices with the public's objections (R-PUB-5)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from labor_contracts.credit import (
    BlacklistListed,
    BlacklistRemoved,
    PersonRef,
    Punishment,
    RepairConcluded,
    RepairNoticeStarted,
    SanctionImposed,
)
from labor_contracts.envelope import Envelope
from labor_contracts.events import EventData
from labor_contracts.publish import ObjectionFiled
from labor_runtime.testing import eventually, probing, publish_events, running_service
from publish.__main__ import MIGRATIONS
from publish.app import create_app
from publish.settings import PublishSettings
from standardwebhooks import Webhook

from .conftest import ops, scalar, token

pytestmark = pytest.mark.integration

CODE = "91350100M000100Y43"
STARTS, ENDS = date(2026, 12, 1), date(2029, 11, 30)
PUNISHMENTS = [
    Punishment(measure="no_government_funding", agencies=["other"], starts_on=STARTS,
               ends_on=ENDS),
    Punishment(measure="no_bidding", agencies=["bidding", "housing_construction"],
               starts_on=STARTS, ends_on=ENDS),
    Punishment(measure="no_new_loans", agencies=["finance"], starts_on=STARTS, ends_on=ENDS),
    Punishment(measure="high_consumption_restricted", agencies=["other"], starts_on=STARTS,
               ends_on=ENDS),
]


async def send(service, data: EventData, subject: str) -> Envelope:
    """Publish as credit's relay does, once publish consumes."""
    envelope = Envelope(id=str(uuid.uuid4()), source="/services/credit", type=data.event_type,
                        subject=subject, data=data.model_dump(mode="json"))

    async def consuming() -> bool:
        return service.runtime.consumer.consuming.is_set()

    await eventually(consuming)
    await publish_events(service.amqp_url, f"{service.bus_prefix}labor.events", envelope)
    return envelope


async def partner(service, name: str, agency: str, url: str | None, categories: list[str]):
    response = await service.client.post("/v1/partners", headers=ops(), json={
        "name": name, "agency": agency, "webhook_url": url, "categories": categories})
    assert response.status_code == 201, response.text
    return response.json()


def listed(entry_id: str = "entry-1") -> BlacklistListed:
    return BlacklistListed(
        entry_id=entry_id, credit_code=CODE, employer_name="某某建筑工程有限公司",
        legal_representative="李四", district="d01", grounds=["arrears_uncorrected"],
        facts="拖欠12名农民工工资共计人民币86000元，经责令限期改正逾期未改正",
        decision_number="榕人社监黑〔2026〕1号",
        legal_basis="《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》第五条",
        authority="某市人力资源和社会保障局", listed_on=STARTS, ends_on=ENDS,
        punishments=PUNISHMENTS, listed_at=datetime(2026, 12, 1, 2, tzinfo=UTC))


def verified(partner_: dict, request) -> dict:
    return Webhook(partner_["webhook_secret"]).verify(request.body, request.headers)


async def test_r_crd_4_blacklist_disclosed_and_each_partner_told_only_the_punishments_it_enforces(
        publish, receiver):
    housing = await partner(publish, "市住建局", "housing_construction",
                            receiver.url("/housing"), ["blacklist"])
    bidding = await partner(publish, "市公共资源交易中心", "bidding", receiver.url("/bidding"),
                            ["blacklist"])
    finance = await partner(publish, "金融监管局", "finance", receiver.url("/finance"),
                            ["blacklist"])
    await partner(publish, "信用办", "other", receiver.url("/other"), ["penalty_decision"])
    event = await send(publish, listed(), "entry-1")
    await send(publish, listed(), "entry-1")  # sent again: one disclosure, one push each

    measures = {}
    for who, path in ((housing, "/housing"), (bidding, "/bidding"), (finance, "/finance")):
        [request] = await receiver.wait_for(path, 1)
        payload = verified(who, request)
        assert payload["type"] == "disclosure.published"
        data = payload["data"]
        assert data["category"] == "blacklist" and data["entry_id"] == "entry-1"
        assert data["violation"] == event.data["facts"]
        assert data["publicity_ends_on"] == "2029-11-30"
        assert data["legal_representative"] == "李四"
        measures[path] = [(p["measure"], p["starts_on"], p["ends_on"])
                          for p in data["punishments"]]
    assert measures == {"/housing": [("no_bidding", "2026-12-01", "2029-11-30")],
                        "/bidding": [("no_bidding", "2026-12-01", "2029-11-30")],
                        "/finance": [("no_new_loans", "2026-12-01", "2029-11-30")]}
    assert receiver.at("/other") == []

    page = await publish.client.get("/v1/disclosures", params={"category": "blacklist"})
    [public] = page.json()["items"]
    assert public["penalty"].startswith("限制申请政府资金支持（2026-12-01至2029-11-30）")
    assert "限制法定代表人高消费" in public["penalty"] and "限制新增贷款" in public["penalty"]
    assert public["decision_number"] == "榕人社监黑〔2026〕1号"
    stored = await scalar(publish, "SELECT punishments::text FROM disclosures")
    assert [p["measure"] for p in json.loads(stored)] == [p.measure for p in PUNISHMENTS]
    assert await scalar(publish, "SELECT count(*) FROM disclosures") == 1
    assert await scalar(publish, "SELECT count(*) FROM webhook_deliveries") == 3


async def test_r_pub_4_blacklist_removed_disclosure_withdrawn_every_subscriber_told_why(
        publish, receiver):
    housing = await partner(publish, "市住建局", "housing_construction",
                            receiver.url("/housing"), ["blacklist"])
    finance = await partner(publish, "金融监管局", "finance", receiver.url("/finance"),
                            ["blacklist"])
    await send(publish, listed(), "entry-1")
    [published] = await receiver.wait_for("/housing", 1)
    disclosure_id = verified(housing, published)["data"]["id"]
    assert (await publish.client.get(f"/v1/disclosures/{disclosure_id}")).status_code == 200

    removed = BlacklistRemoved(entry_id="entry-1", credit_code=CODE, reason="repaired",
                               removed_at=datetime(2027, 12, 20, 3, tzinfo=UTC))
    await send(publish, removed, "entry-1")
    await send(publish, removed, "entry-1")  # redelivered: told once
    for who, path, lifted in ((housing, "/housing", ["no_bidding"]),
                              (finance, "/finance", ["no_new_loans"])):
        requests = await receiver.wait_for(path, 2)
        payload = verified(who, requests[1])
        assert payload["type"] == "disclosure.withdrawn"
        data = payload["data"]
        assert data["id"] == disclosure_id and data["removal"] == "repaired"
        assert "信用修复" in data["reason"] and data["lifted_on"] == "2027-12-20"
        assert [p["measure"] for p in data["punishments_lifted"]] == lifted

    gone = await publish.client.get(f"/v1/disclosures/{disclosure_id}")
    assert gone.status_code == 410
    page = await publish.client.get("/v1/disclosures", params={"category": "blacklist"})
    assert page.json()["items"] == []
    assert await scalar(publish, "SELECT count(*) FROM webhook_deliveries WHERE message_type = "
                                 "'disclosure.withdrawn'") == 2
    assert await scalar(publish, "SELECT count(*) FROM audit_log WHERE action = "
                                 "'withdraw_disclosure'") == 1


async def test_r_maj_3_joint_punishment_pushed_to_the_enforcing_partners_person_masked(
        publish, receiver):
    housing = await partner(publish, "市住建局", "housing_construction",
                            receiver.url("/housing"), ["joint_punishment"])
    bidding = await partner(publish, "市公共资源交易中心", "bidding", receiver.url("/bidding"),
                            ["joint_punishment"])
    await partner(publish, "另一住建局", "housing_construction", receiver.url("/unsubscribed"),
                  ["blacklist"])
    now = datetime(2026, 12, 1, 3, tzinfo=UTC)
    ban = SanctionImposed(
        sanction_id="s-foreman", major_case_id="major-1", party_role="foreman", name="王**",
        person=PersonRef(person_id="s-foreman", name_masked="王**",
                         id_number_masked="110*************2X"),
        punishments=[Punishment(measure="construction_market_ban",
                                agencies=["housing_construction"], starts_on=STARTS,
                                ends_on=date(2029, 11, 30))], imposed_at=now)
    bar = SanctionImposed(
        sanction_id="s-developer", major_case_id="major-1", party_role="developer",
        credit_code=CODE, name="某某置业有限公司",
        punishments=[Punishment(measure="no_bidding", agencies=["bidding", "housing_construction"],
                                starts_on=STARTS, ends_on=date(2027, 11, 30))], imposed_at=now)
    await send(publish, ban, "s-foreman")
    await send(publish, bar, "s-developer")
    await send(publish, ban, "s-foreman")

    housing_got = [verified(housing, r) for r in await receiver.wait_for("/housing", 2)]
    [bidding_got] = [verified(bidding, r) for r in await receiver.wait_for("/bidding", 1)]
    assert {p["data"]["sanction_id"] for p in housing_got} == {"s-foreman", "s-developer"}
    assert all(p["type"] == "punishment.imposed" for p in [*housing_got, bidding_got])
    [person] = [p["data"] for p in housing_got if p["data"]["party_role"] == "foreman"]
    assert person["person"] == {"person_id": "s-foreman", "name_masked": "王**",
                                "id_number_masked": "110*************2X"}
    assert person["punishments"][0]["ends_on"] == "2029-11-30"
    assert bidding_got["data"]["sanction_id"] == "s-developer"  # the market ban is not theirs
    assert bidding_got["data"]["punishments"][0]["measure"] == "no_bidding"
    assert receiver.at("/unsubscribed") == []
    assert await scalar(publish, "SELECT count(*) FROM joint_punishments") == 2
    # A joint punishment is pushed, not published.
    assert (await publish.client.get("/v1/disclosures")).json()["items"] == []


def notice(repair_id: str, *, starts: datetime, ends: datetime) -> RepairNoticeStarted:
    return RepairNoticeStarted(
        repair_id=repair_id, entry_id="entry-1", credit_code=CODE,
        employer_name="某某建筑工程有限公司",
        summary="已缴清罚款、完成整改并作出信用承诺，公示满一年，申请移出失信联合惩戒对象名单",
        notice_starts_at=starts, notice_ends_at=ends)


async def wait_notice(service, repair_id: str) -> dict:
    async def shown():
        response = await service.client.get(f"/v1/repair-notices/{repair_id}")
        return response.json() if response.status_code == 200 else None

    await eventually(shown)
    return (await service.client.get(f"/v1/repair-notices/{repair_id}")).json()


async def test_r_pub_5_anyone_objects_during_the_notice_and_the_repair_is_told_at_once(publish):
    now = datetime.now(UTC)
    await send(publish, notice("repair-1", starts=now - timedelta(hours=1),
                               ends=now + timedelta(days=7)), "repair-1")
    shown = await wait_notice(publish, "repair-1")
    assert shown["status"] == "open" and shown["objections"] == 0
    page = await publish.client.get("/v1/repair-notices")
    assert [n["id"] for n in page.json()["items"]] == ["repair-1"]

    blank = await publish.client.post("/v1/repair-notices/repair-1/objections",
                                      json={"grounds": "   "})
    assert blank.status_code == 422
    async with probing(publish.amqp_url, f"{publish.bus_prefix}labor.events",
                       [ObjectionFiled.event_type]) as probe:
        filed = await publish.client.post(
            "/v1/repair-notices/repair-1/objections",
            json={"grounds": "该单位仍拖欠我班组工资未结清", "contact": "13800138000"})
        assert filed.status_code == 201, filed.text
        [event] = await probe.wait_for(ObjectionFiled.event_type)
    assert event.subject == "repair-1"
    assert event.data["objection_id"] == filed.json()["id"]
    assert event.data["credit_code"] == CODE
    assert event.data["grounds"] == "该单位仍拖欠我班组工资未结清"
    assert "13800138000" not in event.to_bytes().decode() and "13800138000" not in filed.text
    stored = await scalar(publish, "SELECT contact_enc FROM repair_objections")
    assert stored and "13800138000" not in stored
    assert (await wait_notice(publish, "repair-1"))["objections"] == 1

    anonymous = await publish.client.get("/v1/repair-notices/repair-1/objections")
    assert anonymous.status_code == 401
    reviewer = {"Authorization": f"Bearer {token('reviewer_b', subject='reviewer-1')}"}
    [objection] = (await publish.client.get("/v1/repair-notices/repair-1/objections",
                                            headers=reviewer)).json()
    assert objection["contact"] == "13800138000"
    async with publish.runtime.engine.connect() as conn:
        [audit] = (await conn.execute(sa.text(
            "SELECT actor, subject FROM audit_log WHERE action = 'read_personal_data'"))).all()
    assert tuple(audit) == ("reviewer-1", "repair:repair-1")
    unknown = await publish.client.post("/v1/repair-notices/nope/objections",
                                        json={"grounds": "x"})
    assert unknown.status_code == 404


async def test_r_pub_5_objections_refused_once_the_notice_ended_or_the_repair_concluded(publish):
    now = datetime.now(UTC)
    await send(publish, notice("repair-old", starts=now - timedelta(days=8),
                               ends=now - timedelta(days=1)), "repair-old")
    await send(publish, notice("repair-2", starts=now - timedelta(hours=1),
                               ends=now + timedelta(days=7)), "repair-2")
    assert (await wait_notice(publish, "repair-old"))["status"] == "ended"
    late = await publish.client.post("/v1/repair-notices/repair-old/objections",
                                     json={"grounds": "仍有欠薪"})
    assert late.status_code == 409
    assert late.headers["content-type"].startswith("application/problem+json")
    assert "over" in late.json()["detail"]

    await wait_notice(publish, "repair-2")
    await send(publish, RepairConcluded(repair_id="repair-2", entry_id="entry-1",
                                        credit_code=CODE, outcome="repaired",
                                        reason="公示期内无异议，准予信用修复",
                                        concluded_at=now), "repair-2")

    async def concluded():
        return (await wait_notice(publish, "repair-2"))["status"] == "repaired"

    await eventually(concluded)
    shown = await wait_notice(publish, "repair-2")
    assert shown["outcome_reason"] == "公示期内无异议，准予信用修复"
    refused = await publish.client.post("/v1/repair-notices/repair-2/objections",
                                        json={"grounds": "仍有欠薪"})
    assert refused.status_code == 409 and "repaired" in refused.json()["detail"]
    assert await scalar(publish, "SELECT count(*) FROM outbox WHERE routing_key = "
                                 "'publish.objection.filed.v1'") == 0


async def test_r_pub_5_objections_from_one_address_are_rate_limited(infrastructure, bus_prefix):
    async with running_service(PublishSettings, create_app, MIGRATIONS, infrastructure,
                               bus_prefix, objections_per_address_per_hour=2) as service:
        service.bus_prefix, service.amqp_url = bus_prefix, infrastructure.amqp_url
        now = datetime.now(UTC)
        await send(service, notice("repair-3", starts=now - timedelta(hours=1),
                                   ends=now + timedelta(days=7)), "repair-3")
        await wait_notice(service, "repair-3")
        path = "/v1/repair-notices/repair-3/objections"
        for _ in range(2):
            assert (await service.client.post(path, json={"grounds": "异议"})).status_code == 201
        limited = await service.client.post(path, json={"grounds": "异议"})
        assert limited.status_code == 429, limited.text
        assert int(limited.headers["retry-after"]) > 0
        assert limited.headers["content-type"].startswith("application/problem+json")
        assert (await wait_notice(service, "repair-3"))["objections"] == 2
        await service.client.post("/v1/ops/clock", json={"advance_seconds": 3601},
                                  headers={"Authorization": f"Bearer {token('ops')}"})
        assert (await service.client.post(path, json={"grounds": "异议"})).status_code == 201
