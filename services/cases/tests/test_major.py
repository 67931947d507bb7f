"""Major cases (R-MAJ-1..3) on the real database and broker: trigger on opening and on a staff
report, the "1+6" task force, milestone clocks driven by the clock and the sweeper, sanctions."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from labor_runtime.audit import verify_chain
from labor_runtime.clock import BUREAU_TZ
from labor_runtime.testing import eventually

from .conftest import BRIGADE_CHIEF, DETACHMENT_CHIEF, OFFICER, REVIEWER, auth, complaint

pytestmark = pytest.mark.integration

INTAKE = "/services/intake"
GRID = auth("grid_worker", subject="grid-chen", district="d01")
OTHER_DISTRICT = auth("brigade_chief", subject="chief-d02", district="d02")


async def opened_case(service, **figures) -> str:
    accepted = complaint(**figures)
    await service.upstream.send(accepted, source=INTAKE)
    found: list[dict] = []

    async def opened() -> bool:
        found[:] = (await service.client.get("/v1/cases", params={"complaint_id": accepted.complaint_id},
                                             headers=OFFICER)).json()
        return bool(found) and found[0]["state"] != "received"

    await eventually(opened)
    return found[0]["case_id"]


async def major_of(service, case_id: str) -> dict:
    response = await service.client.get(f"/v1/cases/{case_id}/major-case", headers=OFFICER)
    assert response.status_code == 200, response.text
    return response.json()


async def report(service, case_id: str, body: dict, headers=OFFICER):
    return await service.client.post(f"/v1/cases/{case_id}/incidents", json=body, headers=headers)


async def milestone(service, major_case_id: str, name: str, note: str = "现场照片与签到表已上传",
                    headers=BRIGADE_CHIEF):
    return await service.client.post(f"/v1/major-cases/{major_case_id}/milestones/{name}",
                                     json={"evidence_note": note}, headers=headers)


async def test_r_maj_1_thirty_workers_make_the_opened_case_major(cases):
    case_id = await opened_case(cases, worker_count=30, arrears="200000.00")
    major = await major_of(cases, case_id)
    assert major["grounds"] == ["arrears affect 30 workers (≥ 30)"]
    assert major["triggered_by"] == INTAKE
    triggered_at = datetime.fromisoformat(major["triggered_at"])
    assert [(m["milestone"], datetime.fromisoformat(m["due_at"]) - triggered_at, m["status"])
            for m in major["milestones"]] == [
        ("on_site", timedelta(minutes=30), "open"), ("verified", timedelta(hours=2), "open"),
        ("agreement", timedelta(hours=6), "open"), ("enforcement", timedelta(hours=24), "open"),
        ("wages_paid", timedelta(hours=72), "open")]
    assert major["missing_agencies"][0] == "lead"

    [event] = await cases.probe.wait_for("cases.major_case.triggered.v1")
    assert event.data["case_id"] == case_id and event.data["district"] == "d01"
    assert [m["milestone"] for m in event.data["milestones"]] == [
        "on_site", "verified", "agreement", "enforcement", "wages_paid"]
    timeline = (await cases.client.get(f"/v1/cases/{case_id}/timeline", headers=OFFICER)).json()
    assert timeline[-1]["action"] == "major_case_triggered" and "R-MAJ-1" in timeline[-1]["reason"]


async def test_r_maj_1_one_million_yuan_triggers_and_a_small_case_does_not(cases):
    major_id = await opened_case(cases, worker_count=3, arrears="1000000.00")
    assert (await major_of(cases, major_id))["grounds"] == ["amount 1000000.00 yuan (≥ 1000000)"]
    small = await opened_case(cases, worker_count=29, arrears="999999.99")
    response = await cases.client.get(f"/v1/cases/{small}/major-case", headers=OFFICER)
    assert response.status_code == 404 and response.json()["type"].endswith("/not-major")


async def test_r_maj_1_staff_reports_views_then_road_blocking(cases):
    case_id = await opened_case(cases)
    below = await report(cases, case_id, {"kind": "online_attention", "views": 99_999})
    assert below.status_code == 201, below.text
    assert below.json()["major_case"] is None and below.json()["newly_triggered"] is False

    views = await report(cases, case_id, {"kind": "online_attention", "views": 100_000,
                                          "note": "微博话题阅读量10万"}, headers=GRID)
    assert views.status_code == 201 and views.json()["newly_triggered"] is True
    assert views.json()["grounds"] == ["online attention 100000 views (≥ 100000)"]

    road = await report(cases, case_id, {"kind": "road_blocking", "note": "工人围堵项目门口道路"})
    outcome = road.json()
    assert outcome["newly_triggered"] is False  # one emergency response per case
    assert outcome["grounds"] == ["road blocking (堵路)", "online attention 100000 views (≥ 100000)"]
    assert [i["kind"] for i in outcome["major_case"]["incidents"]] == [
        "online_attention", "online_attention", "road_blocking"]
    assert len(await cases.probe.wait_for("cases.major_case.triggered.v1")) == 1


async def test_r_maj_1_incident_reports_check_roles_district_and_figures(cases):
    case_id = await opened_case(cases)
    assert (await report(cases, case_id, {"kind": "road_blocking"},
                         headers=REVIEWER)).status_code == 403
    assert (await report(cases, case_id, {"kind": "road_blocking"},
                         headers=OTHER_DISTRICT)).status_code == 404
    missing = await report(cases, case_id, {"kind": "online_attention"})
    assert missing.status_code == 422 and "views" in missing.text
    assert (await cases.client.post(f"/v1/cases/{case_id}/incidents",
                                    json={"kind": "road_blocking"})).status_code == 401


async def test_r_maj_2_end_to_end_milestones_met_and_one_missed_alerts(cases):
    """R-MAJ-2 with R-OVS-2: every step of the emergency response is in the audit chain."""
    case_id = await opened_case(cases)
    outcome = (await report(cases, case_id, {"kind": "mass_petition", "note": "60名工人到区政府上访"},
                            headers=GRID)).json()
    major_id = outcome["major_case"]["major_case_id"]

    members = [{"agency": a, "name": f"{a}-联络人", "unit": "某区"} for a in (
        "lead", "human_resources", "police", "housing", "court", "procuratorate", "publicity",
        "petitions")]
    assert (await cases.client.put(f"/v1/major-cases/{major_id}/task-force",
                                   json={"members": members}, headers=OFFICER)).status_code == 403
    force = await cases.client.put(f"/v1/major-cases/{major_id}/task-force",
                                   json={"members": members}, headers=BRIGADE_CHIEF)
    assert force.status_code == 200, force.text
    assert force.json()["missing_agencies"] == [] and len(force.json()["task_force"]) == 8
    no_lead = await cases.client.put(f"/v1/major-cases/{major_id}/task-force",
                                     json={"members": members[1:]}, headers=BRIGADE_CHIEF)
    assert no_lead.status_code == 422

    clock = cases.runtime.clock
    clock.advance(timedelta(minutes=20))
    assert (await milestone(cases, major_id, "on_site")).status_code == 200
    again = await milestone(cases, major_id, "on_site")
    assert again.status_code == 409
    clock.advance(timedelta(minutes=60))
    assert (await milestone(cases, major_id, "verified", headers=OFFICER)).status_code == 200
    clock.advance(timedelta(hours=4))
    assert (await milestone(cases, major_id, "agreement", "三方签订工资支付协议")).status_code == 200
    assert (await milestone(cases, major_id, "agreement",
                            headers=OTHER_DISTRICT)).status_code == 404

    clock.advance(timedelta(hours=19))  # 24h20m after the trigger: the 24 h milestone is missed
    [missed] = await cases.probe.wait_for("cases.major_case.milestone_missed.v1")
    assert missed.data["milestone"] == "enforcement" and missed.data["case_id"] == case_id
    overdue = [e for e in await cases.probe.wait_for("runtime.deadline.overdue.v1")
               if e.data["subject"] == major_id]
    assert [e.data["kind"] for e in overdue] == ["cases.major.enforcement"]

    late = await milestone(cases, major_id, "enforcement", "移送公安机关立案侦查")
    assert (await milestone(cases, major_id, "wages_paid", "工资已全额支付，处置报告已报送",
                            headers=DETACHMENT_CHIEF)).status_code == 200
    view = (await cases.client.get(f"/v1/major-cases/{major_id}", headers=OFFICER)).json()
    assert late.status_code == 200
    statuses = {m["milestone"]: m["status"] for m in view["milestones"]}
    assert statuses == {"on_site": "done", "verified": "done", "agreement": "done",
                        "enforcement": "done_late", "wages_paid": "done"}
    done = {m["milestone"]: m for m in view["milestones"]}
    assert done["verified"]["done_by"] == "officer-zhang"
    assert done["enforcement"]["missed_at"] is not None
    assert done["agreement"]["evidence_note"] == "三方签订工资支付协议"
    assert len(cases.probe.of("cases.major_case.milestone_missed.v1")) == 1

    async with cases.runtime.session() as session:
        actions = list((await session.execute(sa.text(
            "SELECT action FROM audit_log WHERE action LIKE 'major_case.%' ORDER BY seq"))).scalars())
        assert await verify_chain(session) == []
    assert actions == ["major_case.incident_reported", "major_case.trigger",
                       "major_case.task_force", "major_case.milestone.on_site",
                       "major_case.milestone.verified", "major_case.milestone.agreement",
                       "major_case.milestone.enforcement", "major_case.milestone.wages_paid"]


async def test_r_maj_3_sanctions_event_names_parties_and_terms(cases):
    case_id = await opened_case(cases, worker_count=45)
    major_id = (await major_of(cases, case_id))["major_case_id"]
    body = {"developer": {"name": "某某房地产开发有限公司", "credit_code": "91350100M000100Y43"},
            "general_contractor": {"name": "某某建筑工程有限公司"},
            "individuals": [{"name": "张三", "role": "foreman"},
                            {"name": "李四", "role": "team_leader"}]}
    path = f"/v1/major-cases/{major_id}/sanctions"
    assert (await cases.client.post(path, json=body, headers=BRIGADE_CHIEF)).status_code == 403
    bad = {**body, "developer": {"name": "X", "credit_code": "91350100M000100Y44"}}
    assert (await cases.client.post(path, json=bad, headers=DETACHMENT_CHIEF)).status_code == 422
    response = await cases.client.post(path, json=body, headers=DETACHMENT_CHIEF)
    assert response.status_code == 201, response.text
    assert (await cases.client.post(path, json=body, headers=DETACHMENT_CHIEF)).status_code == 409

    today = cases.runtime.clock.now().astimezone(BUREAU_TZ).date()
    async with cases.runtime.engine.connect() as conn:
        outbox = (await conn.execute(sa.text(
            "SELECT count(*) FROM outbox WHERE routing_key = 'cases.major_case.sanctions.v1'"))).scalar_one()
    assert outbox == 1
    [event] = await cases.probe.wait_for("cases.major_case.sanctions.v1")
    assert event.data["case_id"] == case_id and event.data["labor_audit"] is True
    terms = {s["name"]: (s["party_role"], s["measures"], date.fromisoformat(s["starts_on"]),
                         date.fromisoformat(s["ends_on"])) for s in event.data["sanctions"]}
    one_year = date(today.year + 1, today.month, today.day) - timedelta(days=1)
    three_years = date(today.year + 3, today.month, today.day) - timedelta(days=1)
    assert terms == {
        "某某房地产开发有限公司": ("developer", ["bid_ban", "downgrade"], today, one_year),
        "某某建筑工程有限公司": ("general_contractor", ["bid_ban", "downgrade"], today, one_year),
        "张三": ("foreman", ["construction_market_ban"], today, three_years),
        "李四": ("team_leader", ["construction_market_ban"], today, three_years),
    }
    assert event.data["sanctions"][0]["credit_code"] is None or any(
        s["credit_code"] == "91350100M000100Y43" for s in event.data["sanctions"])
    view = response.json()
    assert len(view["sanctions"]) == 4 and view["sanctions_at"] is not None


async def test_major_cases_are_listed_by_district(cases):
    case_id = await opened_case(cases, worker_count=31)
    mine = (await cases.client.get("/v1/major-cases", headers=OFFICER)).json()
    assert [m["case_id"] for m in mine] == [case_id]
    assert (await cases.client.get("/v1/major-cases", headers=OTHER_DISTRICT)).json() == []
    major_id = mine[0]["major_case_id"]
    assert (await cases.client.get(f"/v1/major-cases/{major_id}",
                                   headers=OTHER_DISTRICT)).status_code == 404
    assert (await cases.client.get(f"/v1/major-cases/{major_id}", headers=GRID)).status_code == 403


async def test_r_maj_1_linked_complaints_trigger_on_their_totals(cases):
    """R-INT-6: 16 + 16 workers against one employer are 32 on one case: a major case."""
    case_id = await opened_case(cases, worker_count=16, arrears="50000.00", employer_id="emp-major")
    assert (await cases.client.get(f"/v1/cases/{case_id}/major-case",
                                   headers=OFFICER)).status_code == 404
    second = complaint(worker_count=16, arrears="50000.00", employer_id="emp-major")
    await cases.upstream.send(second, source=INTAKE)
    [event] = await cases.probe.wait_for("cases.major_case.triggered.v1")
    assert event.data["case_id"] == case_id
    assert (await major_of(cases, case_id))["grounds"] == ["arrears affect 32 workers (≥ 30)"]


async def test_issue10_finding_7_an_incidents_figures_are_numbers_never_booleans(cases):
    case_id = await opened_case(cases)
    hostile = [({"kind": "online_attention", "views": False}, "body.views"),
               ({"kind": "online_attention", "views": "150000"}, "body.views"),
               ({"kind": "workers_affected", "worker_count": True}, "body.worker_count"),
               ({"kind": "amount_verified", "amount": "1e30"}, "body.amount")]
    for body, location in hostile:
        refused = await report(cases, case_id, body)
        assert refused.status_code == 422, refused.text
        assert [e["location"] for e in refused.json()["errors"]] == [location]
    assert (await cases.client.get(f"/v1/cases/{case_id}/major-case",
                                   headers=OFFICER)).status_code == 404
