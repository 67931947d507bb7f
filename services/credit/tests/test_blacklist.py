"""The blacklist (R-CRD-4) and credit repair (R-CRD-5, R-PUB-5) on the real database and broker.

Conduct records are inserted as the conduct folder would file them; time moves with the
service's clock and every due timer fires through the sweeper (`later`)."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from credit.conduct.models import conduct_records
from labor_contracts.credit import (
    BlacklistListed,
    BlacklistRemoved,
    CreditDocumentIssued,
    RepairConcluded,
    RepairNoticeStarted,
)
from labor_contracts.envelope import Envelope
from labor_contracts.publish import ObjectionFiled
from labor_runtime.clock import Calendar
from labor_runtime.testing import eventually, probing, swept

from .conftest import CODE, bearer, credit_code, load_grids, publish, settled

pytestmark = pytest.mark.integration

CODE2 = credit_code("91350100M00010002")
EXECUTOR = bearer("executor_c", district="d01", subject="c-1")
REVIEWER = bearer("reviewer_b", district="d01", subject="b-1")
OFFICER = bearer("officer_a", district="d01", subject="a-1")
BRIGADE = bearer("brigade_chief", district="d01", subject="bc-1")
DETACHMENT = bearer("detachment_chief", subject="dc-1")
OTHER_DISTRICT = bearer("executor_c", "reviewer_b", district="d02", subject="c-9")


async def later(service, delta: timedelta) -> None:
    """Move the service's clock by `delta` and fire every timer due by then."""
    service.runtime.clock.advance(delta)
    await swept(service.runtime.sweeper)


async def register(service, code: str = CODE) -> None:
    assert (await load_grids(service)).status_code == 200
    answer = await service.client.put(f"/v1/employers/{code}", headers=OFFICER, json={
        "name": "某某建筑工程有限公司", "legal_representative": "李四", "district": "d01",
        "grid": "350102001001", "contact_email": "hr@example.com", "address": "某区某路1号"})
    assert answer.status_code in (200, 201), answer.text


async def conduct(service, kind: str, *, code: str = CODE, case_id: str | None = None,
                  amount: str | None = None, at: datetime | None = None) -> str:
    record_id = str(uuid.uuid4())
    now = service.runtime.clock.now()
    async with service.runtime.engine.begin() as conn:
        await conn.execute(conduct_records.insert().values(
            id=record_id, credit_code=code, kind=kind, case_id=case_id,
            occurred_at=at or now - timedelta(days=1),
            amount=Decimal(amount) if amount else None, source=f"test:{record_id}",
            recorded_at=now))
    return record_id


async def emitted(service, event_type: str) -> list[dict]:
    async with service.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.text(
            "SELECT body FROM outbox WHERE routing_key = :k ORDER BY id"),
            {"k": event_type})).scalars().all()
    return [json.loads(body)["data"] for body in rows]


async def outbox_order(service) -> list[str]:
    async with service.runtime.engine.connect() as conn:
        return list((await conn.execute(sa.text(
            "SELECT routing_key FROM outbox ORDER BY id"))).scalars())


async def audited(service, subject: str) -> list[tuple[str, str, str]]:
    async with service.runtime.engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(sa.text(
            "SELECT actor, action, reason FROM audit_log WHERE subject = :s ORDER BY seq"),
            {"s": subject})).all()]


async def propose(service, grounds: list[str], code: str = CODE, who=EXECUTOR):
    return await service.client.post("/v1/blacklist", headers=who, json={
        "credit_code": code, "grounds": grounds, "facts": "拖欠12名工人工资8万元，逾期未改正"})


async def notified(service, code: str = CODE, **records) -> dict:
    """An entry approved by B: the written notice served, the defence period running."""
    record = await conduct(service, "rectification_lapsed", code=code, case_id="case-1",
                           amount="80000", **records)
    proposed = await propose(service, [record], code)
    assert proposed.status_code == 201, proposed.text
    approved = await service.client.post(
        f"/v1/blacklist/{proposed.json()['id']}/review", headers=REVIEWER,
        json={"approve": True, "reason": "事实清楚，证据确凿"})
    assert approved.status_code == 200, approved.text
    return approved.json()


async def listed(service, code: str = CODE) -> dict:
    entry = await notified(service, code)
    await later(service, timedelta(days=8))  # 5 working days are at most 7 calendar days
    answer = (await service.client.get(f"/v1/blacklist/{entry['id']}", headers=REVIEWER)).json()
    assert answer["state"] == "listed", answer
    return answer


async def test_r_crd_4_each_ground_is_proposed_and_a_record_that_is_not_is_refused(credit):
    await register(credit)
    grounds = {
        "arrears_uncorrected": await conduct(credit, "rectification_lapsed", case_id="case-1",
                                             amount="50000"),
        "violent_resistance": await conduct(credit, "violent_resistance"),
        "false_rectification": await conduct(credit, "false_rectification", case_id="case-2"),
        "penalty_refused": await conduct(credit, "court_enforcement", case_id="case-3"),
    }
    small = await conduct(credit, "rectification_lapsed", case_id="case-4", amount="49999")
    overdue = await conduct(credit, "fine_overdue", case_id="case-3", amount="20000")

    candidates = (await credit.client.get("/v1/blacklist/candidates", headers=EXECUTOR)).json()
    assert [c["credit_code"] for c in candidates] == [CODE]
    assert {g["record_id"]: g["ground"] for g in candidates[0]["grounds"]} == {
        record: ground for ground, record in grounds.items()}
    assert (await credit.client.get("/v1/blacklist/candidates",
                                    headers=OTHER_DISTRICT)).json() == []

    refused = await propose(credit, [*grounds.values(), small, overdue])
    assert refused.status_code == 422, refused.text
    reasons = refused.json()["reasons"]
    assert len(reasons) == 2
    assert small in reasons[0] and "below 50000" in reasons[0]
    assert overdue in reasons[1] and "not a ground" in reasons[1]

    proposed = await propose(credit, list(grounds.values()))
    assert proposed.status_code == 201, proposed.text
    entry = proposed.json()
    assert entry["state"] == "proposed" and entry["proposed_by"] == "c-1"
    assert {g["record_id"]: g["ground"] for g in entry["grounds"]} == {
        record: ground for ground, record in grounds.items()}
    assert [s["action"] for s in entry["timeline"]] == ["proposed"]
    assert (await credit.client.get("/v1/blacklist/candidates", headers=EXECUTOR)).json() == []

    again = await propose(credit, [await conduct(credit, "violent_resistance")])
    assert again.status_code == 409 and again.json()["type"].endswith("/already-live")
    used = await propose(credit, [grounds["violent_resistance"]])
    assert used.status_code == 422 and entry["id"] in used.json()["detail"]

    hidden = await credit.client.get(f"/v1/blacklist/{entry['id']}", headers=OTHER_DISTRICT)
    assert hidden.status_code == 404
    assert (await credit.client.get("/v1/blacklist?state=proposed", headers=OTHER_DISTRICT)
            ).json() == []
    assert [e["id"] for e in (await credit.client.get(
        "/v1/blacklist?state=proposed", headers=REVIEWER)).json()] == [entry["id"]]
    assert (await credit.client.post("/v1/blacklist", headers=REVIEWER, json={
        "credit_code": CODE, "grounds": [small], "facts": "x"})).status_code == 403


async def test_r_crd_4_r_org_2_the_proposer_never_reviews_and_a_rejection_keeps_its_reason(credit):
    await register(credit)
    record = await conduct(credit, "violent_resistance")
    entry = (await propose(credit, [record],
                           who=bearer("executor_c", "reviewer_b", district="d01",
                                      subject="c-1"))).json()
    own = await credit.client.post(
        f"/v1/blacklist/{entry['id']}/review",
        headers=bearer("executor_c", "reviewer_b", district="d01", subject="c-1"),
        json={"approve": True, "reason": "ok"})
    assert own.status_code == 403 and own.json()["type"].endswith("/separation-of-duties")

    rejected = await credit.client.post(f"/v1/blacklist/{entry['id']}/review", headers=REVIEWER,
                                        json={"approve": False, "reason": "证据不足"})
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["state"] == "rejected"
    assert rejected.json()["timeline"][-1] | {"at": None} == {
        "at": None, "actor": "b-1", "action": "rejected", "reason": "证据不足", "repair_id": None}
    assert await audited(credit, f"blacklist:{entry['id']}") == [
        ("c-1", "proposed", "拖欠12名工人工资8万元，逾期未改正"), ("b-1", "rejected", "证据不足")]
    assert await emitted(credit, CreditDocumentIssued.event_type) == []
    # a rejected proposal leaves the record free to be proposed again
    assert (await propose(credit, [record])).status_code == 201


async def test_r_crd_4_written_notice_before_listing_then_listed_when_no_defence(credit):
    await register(credit)
    entry = await notified(credit)
    assert entry["state"] == "notified"
    [document] = entry["documents"]
    [issued] = await emitted(credit, CreditDocumentIssued.event_type)
    assert issued["kind"] == "blacklist_notice" and issued["matter_id"] == entry["id"]
    assert issued["recipient"]["credit_code"] == CODE
    assert issued["recipient"]["email"] == "hr@example.com"
    text = base64.b64decode(issued["content_b64"])
    assert hashlib.sha256(text).hexdigest() == issued["sha256"] == document["sha256"]
    content = text.decode()
    for expected in ("失信联合惩戒告知书", "某某建筑工程有限公司", "arrears_uncorrected",
                     "no_bidding", issued["verify_url"]):
        assert expected in content
    verified = await credit.client.get(issued["verify_url"].removeprefix(
        credit.runtime.settings.public_base_url))
    assert verified.status_code == 200 and verified.json()["sha256"] == issued["sha256"]

    due = datetime.fromisoformat(entry["defence_due_at"])
    approved_at = datetime.fromisoformat(entry["timeline"][-1]["at"])
    assert due == credit.runtime.calendar.add_days(approved_at, 5, working=True)
    assert Calendar.local_date(due).isoformat() in content

    await later(credit, due - credit.runtime.clock.now() - timedelta(minutes=1))
    still = (await credit.client.get(f"/v1/blacklist/{entry['id']}", headers=REVIEWER)).json()
    assert still["state"] == "notified"
    assert await emitted(credit, BlacklistListed.event_type) == []

    await later(credit, timedelta(minutes=2))
    entry = (await credit.client.get(f"/v1/blacklist/{entry['id']}", headers=REVIEWER)).json()
    assert entry["state"] == "listed"
    listed_on = Calendar.local_date(credit.runtime.clock.now())
    ends_on = date(listed_on.year + 3, listed_on.month, listed_on.day) - timedelta(days=1)
    assert (entry["listed_on"], entry["ends_on"]) == (listed_on.isoformat(), ends_on.isoformat())
    [event] = await emitted(credit, BlacklistListed.event_type)
    assert event["decision_number"] == entry["decision_number"]
    assert (event["grounds"], event["legal_representative"], event["district"]) == (
        ["arrears_uncorrected"], "李四", "d01")
    assert {p["measure"]: (p["agencies"], p["starts_on"], p["ends_on"])
            for p in event["punishments"]} == {
        "no_government_funding": (["finance", "other"], str(listed_on), str(ends_on)),
        "no_bidding": (["bidding", "housing_construction"], str(listed_on), str(ends_on)),
        "no_new_loans": (["finance"], str(listed_on), str(ends_on)),
        "high_consumption_restricted": (["other"], str(listed_on), str(ends_on))}
    assert entry["punishments"] == event["punishments"]
    order = await outbox_order(credit)
    assert order.index(CreditDocumentIssued.event_type) < order.index(BlacklistListed.event_type)
    assert [s["action"] for s in entry["timeline"]] == [
        "proposed", "approved", "notice_issued", "listed"]
    assert entry["timeline"][-1]["actor"] == "system:credit.blacklist_defence"

    async with credit.runtime.engine.connect() as conn:
        lines = (await conn.execute(sa.text(
            "SELECT kind, details->>'action' FROM employer_history WHERE credit_code = :c "
            "AND kind = 'blacklist' ORDER BY id"), {"c": CODE})).all()
    assert [tuple(line) for line in lines] == [
        ("blacklist", "proposed"), ("blacklist", "approved"), ("blacklist", "notice_issued"),
        ("blacklist", "listed")]


async def test_r_crd_4_defence_stops_the_clock_until_the_reviewer_decides(credit):
    await register(credit)
    await register(credit, CODE2)
    upheld = await notified(credit)
    accepted = await notified(credit, CODE2)
    for entry in (upheld, accepted):
        stated = await credit.client.post(
            f"/v1/blacklist/{entry['id']}/defence", headers=OFFICER,
            json={"statement": "已于截止日前支付全部工资，附银行回单", "reason": "单位书面申辩"})
        assert stated.status_code == 200, stated.text
        assert stated.json()["state"] == "defence_stated"

    await later(credit, timedelta(days=10))  # long past the defence deadline: nothing happens
    for entry in (upheld, accepted):
        still = (await credit.client.get(f"/v1/blacklist/{entry['id']}", headers=REVIEWER)).json()
        assert still["state"] == "defence_stated"
    assert await emitted(credit, BlacklistListed.event_type) == []

    by_proposer = await credit.client.post(
        f"/v1/blacklist/{upheld['id']}/defence/decision",
        headers=bearer("reviewer_b", district="d01", subject="c-1"),
        json={"outcome": "upheld", "reason": "x"})
    assert by_proposer.status_code == 403
    decided = await credit.client.post(
        f"/v1/blacklist/{upheld['id']}/defence/decision", headers=REVIEWER,
        json={"outcome": "upheld", "reason": "回单日期晚于整改期限"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "listed"
    assert [s["action"] for s in decided.json()["timeline"]][-3:] == [
        "defence_stated", "listing_upheld", "listed"]
    dropped = await credit.client.post(
        f"/v1/blacklist/{accepted['id']}/defence/decision", headers=REVIEWER,
        json={"outcome": "accepted", "reason": "已按期足额支付"})
    assert dropped.json()["state"] == "dropped"
    [event] = await emitted(credit, BlacklistListed.event_type)
    assert event["entry_id"] == upheld["id"]

    late = await credit.client.post(f"/v1/blacklist/{upheld['id']}/defence", headers=OFFICER,
                                    json={"statement": "x", "reason": "y"})
    assert late.status_code == 409 and late.json()["type"].endswith("/illegal-transition")


async def test_r_crd_4_the_term_ends_after_three_years_and_the_entry_is_removed(credit):
    await register(credit)
    entry = await listed(credit)
    await later(credit, timedelta(days=365 * 3 - 30))
    assert (await credit.client.get(f"/v1/blacklist/{entry['id']}", headers=REVIEWER)
            ).json()["state"] == "listed"
    await later(credit, timedelta(days=32))
    removed = (await credit.client.get(f"/v1/blacklist/{entry['id']}", headers=REVIEWER)).json()
    assert (removed["state"], removed["removal_reason"]) == ("removed", "term_ended")
    [event] = await emitted(credit, BlacklistRemoved.event_type)
    assert (event["entry_id"], event["reason"]) == (entry["id"], "term_ended")
    # removed: the employer's records are used, it is no candidate again on them
    assert (await credit.client.get("/v1/blacklist/candidates", headers=EXECUTOR)).json() == []


async def test_r_crd_5_a_refused_application_names_every_unmet_condition(credit):
    await register(credit)
    entry = await listed(credit)
    await conduct(credit, "court_enforcement", case_id="case-1")
    refused = await credit.client.post(f"/v1/blacklist/{entry['id']}/repair", headers=OFFICER,
                                       json={"reason": "单位申请信用修复"})
    assert refused.status_code == 422, refused.text
    assert [u["condition"] for u in refused.json()["unmet"]] == [
        "fine_paid", "rectified", "commitment", "listed_long_enough"]
    assert (await credit.client.get(f"/v1/blacklist/{entry['id']}", headers=REVIEWER)
            ).json()["repairs"] == []


async def repair_in_notice(credit) -> tuple[dict, dict]:
    """A listed entry whose case was closed, a year on: applied and approved twice."""
    entry = await listed(credit)
    await later(credit, timedelta(days=366))
    await conduct(credit, "case_closed", case_id="case-1")
    applied = await credit.client.post(f"/v1/blacklist/{entry['id']}/repair", headers=OFFICER,
                                       json={"commitment_sha256": "ab" * 32,
                                             "commitment_date": str(date.today()),
                                             "reason": "单位申请信用修复，附信用承诺书"})
    assert applied.status_code == 201, applied.text
    repair = applied.json()
    assert repair["state"] == "applied"
    base = f"/v1/repairs/{repair['id']}"
    wrong_order = await credit.client.post(f"{base}/second-review", headers=DETACHMENT,
                                           json={"approve": True, "reason": "同意"})
    assert wrong_order.status_code == 409
    first = await credit.client.post(f"{base}/first-review", headers=BRIGADE,
                                     json={"approve": True, "reason": "条件具备"})
    assert first.json()["state"] == "first_reviewed", first.text
    same = await credit.client.post(
        f"{base}/second-review", json={"approve": True, "reason": "同意"},
        headers=bearer("brigade_chief", "detachment_chief", district="d01", subject="bc-1"))
    assert same.status_code == 403 and same.json()["type"].endswith("/separation-of-duties")
    second = await credit.client.post(f"{base}/second-review", headers=DETACHMENT,
                                      json={"approve": True, "reason": "同意公示"})
    assert second.json()["state"] == "in_notice", second.text
    return entry, second.json()


def objection(repair: dict, objection_id: str = "obj-1") -> Envelope:
    data = ObjectionFiled(objection_id=objection_id, repair_id=repair["id"], credit_code=CODE,
                          grounds="该单位仍拖欠我工资", filed_at=datetime.now(UTC))
    return Envelope(id=str(uuid.uuid4()), source="/services/publish", type=data.event_type,
                    subject=repair["id"], data=data.model_dump(mode="json"))


async def repair_state(credit, repair: dict, state: str) -> dict:
    read: dict = {}

    async def reached() -> bool:
        read.update((await credit.client.get(f"/v1/repairs/{repair['id']}",
                                             headers=DETACHMENT)).json())
        return read["state"] == state

    await eventually(reached)
    return read


async def test_r_crd_5_r_pub_5_objection_stops_the_notice_dismissal_restarts_it_then_repaired(
        credit, infrastructure, bus_prefix):
    await register(credit)
    entry, repair = await repair_in_notice(credit)
    [started] = await emitted(credit, RepairNoticeStarted.event_type)
    starts = datetime.fromisoformat(started["notice_starts_at"])
    assert datetime.fromisoformat(started["notice_ends_at"]) - starts == timedelta(days=7)
    assert started["entry_id"] == entry["id"] and "某某建筑工程有限公司" in started["summary"]

    await later(credit, timedelta(days=3))
    await publish(infrastructure, bus_prefix, objection(repair))
    stopped = await repair_state(credit, repair, "stopped")
    assert [(o["id"], o["state"]) for o in stopped["objections"]] == [("obj-1", "open")]
    await later(credit, timedelta(days=6))  # the first notice would have ended by now
    assert (await repair_state(credit, repair, "stopped"))["concluded_at"] is None

    dismissed_at = credit.runtime.clock.now()
    async with probing(infrastructure.amqp_url, f"{bus_prefix}labor.events", [
            BlacklistRemoved.event_type, RepairConcluded.event_type]) as probe:
        dismissed = await credit.client.post(
            f"/v1/repairs/{repair['id']}/objections/obj-1/decision", headers=DETACHMENT,
            json={"outcome": "dismissed", "reason": "经核实工资已结清"})
        assert dismissed.status_code == 200, dismissed.text
        again = dismissed.json()
        assert again["state"] == "in_notice"
        assert datetime.fromisoformat(again["notice_starts_at"]) >= dismissed_at
        assert (datetime.fromisoformat(again["notice_ends_at"])
                - datetime.fromisoformat(again["notice_starts_at"])) == timedelta(days=7)
        assert "full 7 days" in again["timeline"][-1]["reason"]
        assert len(await emitted(credit, RepairNoticeStarted.event_type)) == 2

        await later(credit, timedelta(days=6))
        assert (await repair_state(credit, repair, "in_notice"))["concluded_at"] is None
        await later(credit, timedelta(days=1, minutes=1))
        repaired = await repair_state(credit, repair, "repaired")
        [removed] = await probe.wait_for(BlacklistRemoved.event_type)
        [concluded] = await probe.wait_for(RepairConcluded.event_type)
    assert (removed.data["entry_id"], removed.data["reason"]) == (entry["id"], "repaired")
    assert (concluded.data["outcome"], concluded.data["repair_id"]) == ("repaired", repair["id"])
    [document] = repaired["documents"]
    assert document["kind"] == "credit_repair_notice"
    issued = await emitted(credit, CreditDocumentIssued.event_type)
    assert [d["kind"] for d in issued] == ["blacklist_notice", "credit_repair_notice"]
    assert issued[1]["matter_id"] == repair["id"]
    assert "信用修复告知书" in base64.b64decode(issued[1]["content_b64"]).decode()
    entry = (await credit.client.get(f"/v1/blacklist/{entry['id']}", headers=REVIEWER)).json()
    assert (entry["state"], entry["removal_reason"]) == ("removed", "repaired")
    assert [s["action"] for s in repaired["timeline"]] == [
        "repair_applied", "first_review_approved", "second_review_approved", "objection_filed",
        "objection_dismissed", "notice_restarted", "repair_repaired"]
    assert [a[1] for a in await audited(credit, f"repair:{repair['id']}")] == [
        s["action"] for s in repaired["timeline"]]


async def test_r_pub_5_an_upheld_objection_refuses_the_repair(credit, infrastructure, bus_prefix):
    await register(credit)
    entry, repair = await repair_in_notice(credit)
    # obj-1 twice, as publish's relay may send it again under another event id
    await publish(infrastructure, bus_prefix, objection(repair, "obj-1"),
                  objection(repair, "obj-2"), objection(repair, "obj-1"))
    await settled(credit, 3)
    read = (await credit.client.get(f"/v1/repairs/{repair['id']}", headers=DETACHMENT)).json()
    assert [o["id"] for o in read["objections"]] == ["obj-1", "obj-2"]
    assert [s["action"] for s in read["timeline"]].count("objection_filed") == 2
    upheld = await credit.client.post(
        f"/v1/repairs/{repair['id']}/objections/obj-2/decision", headers=DETACHMENT,
        json={"outcome": "upheld", "reason": "仍有工人工资未付"})
    assert upheld.status_code == 200, upheld.text
    assert upheld.json()["state"] == "refused"
    assert {o["id"]: o["state"] for o in upheld.json()["objections"]} == {
        "obj-1": "closed", "obj-2": "upheld"}
    [concluded] = await emitted(credit, RepairConcluded.event_type)
    assert concluded["outcome"] == "refused" and "obj-2" in concluded["reason"]
    await later(credit, timedelta(days=8))
    assert (await credit.client.get(f"/v1/blacklist/{entry['id']}", headers=REVIEWER)
            ).json()["state"] == "listed"
    assert await emitted(credit, BlacklistRemoved.event_type) == []

    # an objection to a repair credit does not know can never succeed: dead-lettered at once
    await publish(infrastructure, bus_prefix, objection({"id": "no-such-repair"}, "obj-3"))
    stats = credit.runtime.consumer.stats

    async def dead_lettered() -> bool:
        return stats.dead_lettered >= 1

    await eventually(dead_lettered)


async def test_r_crd_5_an_open_repair_is_withdrawn_when_the_term_ends_first(credit):
    await register(credit)
    entry = await listed(credit)
    await later(credit, timedelta(days=366))
    await conduct(credit, "case_closed", case_id="case-1")
    repair = (await credit.client.post(f"/v1/blacklist/{entry['id']}/repair", headers=OFFICER,
                                       json={"commitment_sha256": "cd" * 32,
                                             "commitment_date": str(date.today()),
                                             "reason": "单位申请信用修复"})).json()
    await later(credit, timedelta(days=2 * 365))
    assert (await credit.client.get(f"/v1/blacklist/{entry['id']}", headers=REVIEWER)
            ).json()["state"] == "removed"
    late = await credit.client.post(f"/v1/repairs/{repair['id']}/first-review", headers=BRIGADE,
                                    json={"approve": True, "reason": "条件具备"})
    assert late.status_code == 200, late.text
    assert (late.json()["state"], late.json()["outcome_reason"]) == (
        "withdrawn", "the blacklist entry is removed")
    [concluded] = await emitted(credit, RepairConcluded.event_type)
    assert concluded["outcome"] == "withdrawn"


async def test_issue10_finding_7_reviews_take_true_or_false_and_a_reason_that_is_not_blank(credit):
    hostile = [("/v1/blacklist/any/review", REVIEWER, {"approve": "true", "reason": "核实"},
                "body.approve"),
               ("/v1/blacklist/any/review", REVIEWER, {"approve": 1, "reason": "核实"}, "body.approve"),
               ("/v1/blacklist/any/review", REVIEWER, {"approve": True, "reason": "  "},
                "body.reason"),
               ("/v1/repairs/any/first-review", BRIGADE, {"approve": 0, "reason": "核实"},
                "body.approve"),
               ("/v1/blacklist", EXECUTOR, {"credit_code": CODE, "grounds": ["r-1"], "facts": "\t"},
                "body.facts"),
               ("/v1/blacklist/any/defence", OFFICER, {"statement": " ", "reason": "当面陈述"},
                "body.statement")]
    for url, headers, body, location in hostile:
        refused = await credit.client.post(url, json=body, headers=headers)
        assert refused.status_code == 422, (url, refused.text)
        assert [e["location"] for e in refused.json()["errors"]] == [location], url
