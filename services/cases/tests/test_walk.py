"""One walk through every branch of R-CASE-1 on the real database and broker, each case to its
end: not registered, rectified, notice with a hearing, unpaid into court enforcement, and a major
case. Notify, publish and intake are stood in for by their events; time moves by the clock and
the sweeper."""

from __future__ import annotations

from datetime import timedelta
from itertools import groupby

import pytest
import sqlalchemy as sa
from labor_runtime.audit import verify_chain
from labor_runtime.testing import eventually

from .conftest import BRIGADE_CHIEF, DETACHMENT_CHIEF, OFFICER, complaint
from .test_execution import execution, later, local_day, notice_served, pay
from .test_major import major_of, milestone
from .test_penalty import INTAKE, approved, decide, published, registered_case, serve, until_state
from .test_rectification import comply, order, payment_proof

pytestmark = pytest.mark.integration

CLOSE = {"reason": "办结"}
AGENCIES = ("lead", "human_resources", "police", "housing", "court", "procuratorate", "publicity",
            "petitions")


async def states(service, case_id: str) -> list[str]:
    """The states the case went through, from its timeline (steps within a state collapsed)."""
    timeline = (await service.client.get(f"/v1/cases/{case_id}/timeline", headers=OFFICER)).json()
    return [state for state, _ in groupby(e["to_state"] for e in timeline)]


async def close(service, case_id: str) -> None:
    response = await service.client.post(f"/v1/cases/{case_id}/close", json=CLOSE,
                                         headers=BRIGADE_CHIEF)
    assert response.status_code == 204, response.text
    await until_state(service, case_id, "closed")


async def decided_paid_published(service, case_id: str, *, fine: str) -> dict:
    """Decide (after the notice period when one was served), serve, pay in full, publish."""
    decision = await decide(service, case_id)
    assert decision.status_code == 201, decision.text
    decision = decision.json()
    await serve(service, case_id, decision["document_id"], "penalty_decision",
                service.runtime.clock.now())
    await until_state(service, case_id, "executing")
    await pay(service, decision["decision_number"], f"BANK-{case_id[-12:]}", fine,
              local_day(service.runtime.clock.now()))
    await published(service, case_id, service.runtime.clock.now())
    await until_state(service, case_id, "published")
    return decision


async def test_r_case_1_a_walk_through_every_branch(cases):
    # Not registered: the brigade chief refuses with a reason; the worker is told (an event).
    small = complaint(worker_count=1, arrears="800.00")
    await cases.upstream.send(small, source=INTAKE)
    found: list[dict] = []

    async def opened() -> bool:
        found[:] = (await cases.client.get("/v1/cases", params={"complaint_id": small.complaint_id},
                                           headers=OFFICER)).json()
        return bool(found) and found[0]["state"] == "registration_pending"

    await eventually(opened)
    refused_id = found[0]["case_id"]
    refused = await cases.client.post(f"/v1/cases/{refused_id}/registration", json={
        "decision": "refuse", "reason": "不属于劳动保障监察管辖范围"}, headers=BRIGADE_CHIEF)
    assert refused.status_code == 200, refused.text
    await close(cases, refused_id)
    [told] = [e for e in await cases.probe.wait_for("cases.case.not_registered.v1")
              if e.data["case_id"] == refused_id]
    assert told.data["reason"] == "不属于劳动保障监察管辖范围"

    # Rectified: an order to rectify, compliance proven by evidence, closed without a penalty.
    rectified_id = await registered_case(cases)
    assert (await order(cases, rectified_id)).status_code == 201
    assert (await comply(cases, rectified_id, [await payment_proof(cases, rectified_id)])
            ).status_code == 200
    await close(cases, rectified_id)

    # Notice and hearing: 30,000 yuan needs the notice; the party asks for a hearing.
    hearing_id = await notice_served(cases)
    assert (await cases.client.post(f"/v1/cases/{hearing_id}/hearing", json={},
                                    headers=OFFICER)).status_code == 201
    await later(cases, timedelta(days=3, minutes=1))
    held = await cases.client.post(f"/v1/cases/{hearing_id}/hearing/record", json={
        "held_at": cases.runtime.clock.now().isoformat(), "presiding": "主持人王某",
        "participants": ["当事人委托代理人李某"], "record": "当事人对事实无异议。"}, headers=OFFICER)
    assert held.status_code == 200, held.text
    await decided_paid_published(cases, hearing_id, fine="30000.00")
    await close(cases, hearing_id)

    # Unpaid: the due date passes (reminder), 30 days later the court is applied to; the court
    # collects, the result was published, the case closes.
    unpaid_id = await registered_case(cases)
    await approved(cases, unpaid_id, fine="5000.00")
    decision = (await decide(cases, unpaid_id)).json()
    await serve(cases, unpaid_id, decision["document_id"], "penalty_decision",
                cases.runtime.clock.now())
    await until_state(cases, unpaid_id, "executing")
    await later(cases, timedelta(days=15, minutes=1))
    await later(cases, timedelta(days=30))
    await until_state(cases, unpaid_id, "court_enforcement")
    enforced = await execution(cases, unpaid_id)
    assert enforced["reminder_document_id"] and enforced["court_application_document_id"]
    await pay(cases, decision["decision_number"], "COURT-EXEC-1", enforced["outstanding"],
              local_day(cases.runtime.clock.now()))
    await published(cases, unpaid_id, cases.runtime.clock.now())
    await until_state(cases, unpaid_id, "published")
    await close(cases, unpaid_id)

    # Major case: 30 workers open the emergency response; the task force, every milestone, the
    # follow-up sanctions; then the penalty path to the end.
    major_case_id = await registered_case_of(cases, worker_count=30, arrears="300000.00")
    major = await major_of(cases, major_case_id)
    members = [{"agency": a, "name": f"{a}-联络人", "unit": "某区"} for a in AGENCIES]
    assert (await cases.client.put(f"/v1/major-cases/{major['major_case_id']}/task-force",
                                   json={"members": members}, headers=BRIGADE_CHIEF)
            ).status_code == 200
    for name in ("on_site", "verified", "agreement", "enforcement"):
        assert (await milestone(cases, major["major_case_id"], name)).status_code == 200
    assert (await milestone(cases, major["major_case_id"], "wages_paid",
                            headers=DETACHMENT_CHIEF)).status_code == 200
    sanctions = await cases.client.post(
        f"/v1/major-cases/{major['major_case_id']}/sanctions", json={
            "developer": {"name": "某某房地产开发有限公司"},
            "general_contractor": {"name": "某某建筑工程有限公司"},
            "individuals": [{"name": "张三", "role": "foreman"}]}, headers=DETACHMENT_CHIEF)
    assert sanctions.status_code == 201, sanctions.text
    await approved(cases, major_case_id, fine="5000.00")
    await decided_paid_published(cases, major_case_id, fine="5000.00")
    await close(cases, major_case_id)
    done = await major_of(cases, major_case_id)
    assert {m["status"] for m in done["milestones"]} == {"done"}

    assert await states(cases, refused_id) == [
        "received", "registration_pending", "not_registered", "closed"]
    assert await states(cases, rectified_id) == [
        "received", "registered", "investigating", "rectified", "closed"]
    assert await states(cases, hearing_id) == [
        "received", "registered", "investigating", "notice_served", "hearing", "decided",
        "executing", "published", "closed"]
    assert await states(cases, unpaid_id) == [
        "received", "registered", "investigating", "decided", "executing", "court_enforcement",
        "published", "closed"]
    assert await states(cases, major_case_id) == [
        "received", "registered", "investigating", "decided", "executing", "published", "closed"]
    # R-INT-8: intake hears how each case ended, to close the workers' complaints.
    async def all_closed() -> bool:
        return len(cases.probe.of("cases.case.closed.v1")) == 5

    await eventually(all_closed)
    outcomes = {e.data["case_id"]: (e.data["outcome"], e.data["complaint_ids"] != [])
                for e in cases.probe.of("cases.case.closed.v1")}
    assert outcomes == {refused_id: ("not_registered", True), rectified_id: ("rectified", True),
                        hearing_id: ("penalty", True), unpaid_id: ("penalty", True),
                        major_case_id: ("penalty", True)}
    async with cases.runtime.session() as session:
        assert await verify_chain(session) == []  # R-OVS-2: every decision, chained
        closes = (await session.execute(sa.text(
            "SELECT count(*) FROM audit_log WHERE action = 'case.close'"))).scalar_one()
    assert closes == 5


async def registered_case_of(service, **figures) -> str:
    accepted = complaint(**figures)
    await service.upstream.send(accepted, source=INTAKE)
    found: list[dict] = []

    async def registered() -> bool:
        found[:] = (await service.client.get(
            "/v1/cases", params={"complaint_id": accepted.complaint_id}, headers=OFFICER)).json()
        return bool(found) and found[0]["state"] == "registered"

    await eventually(registered)
    return found[0]["case_id"]
