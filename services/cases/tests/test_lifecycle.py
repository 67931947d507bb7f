"""Opening and registering cases from intake's events, on the real database and broker."""

from __future__ import annotations

import asyncio
import re

import pytest
import sqlalchemy as sa
from cases.lifecycle import opening
from labor_contracts.envelope import Envelope
from labor_runtime.testing import eventually, statements_sent

from .conftest import (
    BRIGADE_CHIEF,
    DETACHMENT_CHIEF,
    OFFICER,
    REGISTRATION_FORM,
    auth,
    complaint,
    submit_and_review,
)

pytestmark = pytest.mark.integration

INTAKE = "/services/intake"


async def case_of(service, complaint_id: str) -> dict:
    found: list[dict] = []

    async def opened() -> bool:
        response = await service.client.get("/v1/cases", params={"complaint_id": complaint_id},
                                            headers=OFFICER)
        found[:] = response.json()
        return bool(found)

    await eventually(opened)
    assert len(found) == 1
    response = await service.client.get(f"/v1/cases/{found[0]['case_id']}", headers=OFFICER)
    return response.json()


async def test_r_case_3_five_workers_register_at_once_and_intake_is_told(cases):
    accepted = complaint(worker_count=6, arrears="12000.00")
    await cases.upstream.send(accepted, source=INTAKE, subject=accepted.complaint_id)
    case = await case_of(cases, accepted.complaint_id)
    assert case["state"] == "registered" and case["immediate_registration"] is True
    assert re.fullmatch(r"某劳监立〔\d{4}〕0001", case["case_number"])
    assert case["complaint_ids"] == [accepted.complaint_id]

    [registered] = await cases.probe.wait_for("cases.case.registered.v1")
    assert registered.data["case_id"] == case["case_id"]
    assert registered.data["complaint_ids"] == [accepted.complaint_id]
    assert registered.data["immediate"] is True
    assert "6 workers" in registered.data["reason"]

    timeline = (await cases.client.get(f"/v1/cases/{case['case_id']}/timeline",
                                       headers=OFFICER)).json()
    assert [(e["action"], e["from_state"], e["to_state"]) for e in timeline] == [
        ("open", None, "received"), ("register", "received", "registered")]
    assert all(e["actor"] == INTAKE and e["role"] == "system" for e in timeline)
    assert "R-CASE-3" in timeline[1]["reason"]


@pytest.mark.parametrize("grounds", [{"arrears": "100000.00"}, {"suspected_crime": True},
                                     {"mass_incident": True}])
async def test_r_case_3_amount_crime_or_mass_incident_register_at_once(cases, grounds):
    accepted = complaint(worker_count=1, **{"arrears": "500.00", **grounds})
    await cases.upstream.send(accepted, source=INTAKE)
    case = await case_of(cases, accepted.complaint_id)
    assert case["state"] == "registered" and case["immediate_registration"] is True


async def test_r_case_3_small_complaint_waits_and_brigade_chief_registers(cases):
    accepted = complaint(worker_count=2, arrears="8000.00")
    await cases.upstream.send(accepted, source=INTAKE)
    case = await case_of(cases, accepted.complaint_id)
    assert case["state"] == "registration_pending" and case["case_number"] is None
    assert case["allowed_actions"] == ["register", "refuse_registration"]

    officer_try = await cases.client.post(f"/v1/cases/{case['case_id']}/registration",
                                          json={"decision": "register", "reason": "ok"},
                                          headers=OFFICER)
    assert officer_try.status_code == 403
    unreviewed = await cases.client.post(f"/v1/cases/{case['case_id']}/registration",
                                         json={"decision": "register", "reason": "符合立案条件"},
                                         headers=BRIGADE_CHIEF)
    assert unreviewed.status_code == 409
    assert unreviewed.json()["type"].endswith("/registration-not-reviewed")  # R-CASE-2
    await submit_and_review(cases, case["case_id"])
    response = await cases.client.post(f"/v1/cases/{case['case_id']}/registration",
                                       json={"decision": "register", "reason": "符合立案条件"},
                                       headers=BRIGADE_CHIEF)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "registered" and response.json()["case_number"]
    [registered] = await cases.probe.wait_for("cases.case.registered.v1")
    assert registered.data["immediate"] is False and registered.data["reason"] == "符合立案条件"
    timeline = (await cases.client.get(f"/v1/cases/{case['case_id']}/timeline",
                                       headers=OFFICER)).json()
    assert timeline[-1]["actor"] == "chief-li" and timeline[-1]["role"] == "brigade_chief"


async def test_r_case_1_refused_registration_tells_the_worker_why(cases):
    accepted = complaint(worker_count=1, arrears="800.00")
    await cases.upstream.send(accepted, source=INTAKE)
    case = await case_of(cases, accepted.complaint_id)
    reason = "已由网格调解结清工资"
    response = await cases.client.post(f"/v1/cases/{case['case_id']}/registration",
                                       json={"decision": "refuse", "reason": reason},
                                       headers=BRIGADE_CHIEF)
    assert response.json()["state"] == "not_registered"
    [refused] = await cases.probe.wait_for("cases.case.not_registered.v1")
    assert refused.data["reason"] == reason
    assert refused.data["complaint_ids"] == [accepted.complaint_id]


async def test_r_case_1_illegal_transition_is_a_409_naming_state_and_allowed_actions(cases):
    accepted = complaint(worker_count=1, arrears="800.00")
    await cases.upstream.send(accepted, source=INTAKE)
    case = await case_of(cases, accepted.complaint_id)
    response = await cases.client.post(f"/v1/cases/{case['case_id']}/decision",
                                       headers=DETACHMENT_CHIEF)
    problem = response.json()
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["state"] == "registration_pending"
    assert problem["allowed_actions"] == ["register", "refuse_registration"]
    assert "registration_pending" in problem["detail"]


async def test_redelivered_complaint_event_opens_one_case(cases):
    accepted = complaint()
    envelope = await cases.upstream.send(accepted, source=INTAKE)
    await cases.upstream.resend(envelope)  # the same event again (at-least-once delivery)
    await cases.upstream.send(accepted, source=INTAKE)  # and the same complaint under a new id
    await case_of(cases, accepted.complaint_id)

    async def all_handled() -> bool:
        async with cases.runtime.engine.connect() as conn:
            return (await conn.execute(sa.text("SELECT count(*) FROM inbox"))).scalar_one() == 2

    await eventually(all_handled)
    async with cases.runtime.engine.connect() as conn:
        counts = (await conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM case_complaints), "
            "(SELECT count(*) FROM outbox WHERE routing_key = 'cases.case.registered.v1')"))).one()
    assert tuple(counts) == (1, 1, 1)


async def test_other_districts_cannot_read_the_case(cases):
    accepted = complaint()
    await cases.upstream.send(accepted, source=INTAKE)
    case = await case_of(cases, accepted.complaint_id)
    other = auth("officer_a", subject="officer-x", district="d02")
    assert (await cases.client.get(f"/v1/cases/{case['case_id']}", headers=other)).status_code == 404
    assert (await cases.client.get("/v1/cases", params={"complaint_id": accepted.complaint_id},
                                   headers=other)).json() == []
    assert (await cases.client.get(f"/v1/cases/{case['case_id']}")).status_code == 401
    public = auth("grid_worker", subject="grid-1", district="d01")
    assert (await cases.client.get(f"/v1/cases/{case['case_id']}", headers=public)).status_code == 403


async def test_r_case_3_linked_complaints_register_at_once_on_their_totals(cases):
    """R-INT-6 with R-CASE-3: three complaints of 2 workers each against one employer join one
    case; the third brings it to 6 workers and it registers at once, superseding the form."""
    first = complaint(worker_count=2, arrears="8000.00", employer_id="emp-linked")
    await cases.upstream.send(first, source=INTAKE)
    case = await case_of(cases, first.complaint_id)
    assert case["state"] == "registration_pending"
    submitted = await cases.client.post(f"/v1/cases/{case['case_id']}/registration-form",
                                        json=REGISTRATION_FORM, headers=OFFICER)
    form = submitted.json()  # B's legal review (2 h) is running
    second = complaint(worker_count=2, arrears="8000.00", employer_id="emp-linked")
    await cases.upstream.send(second, source=INTAKE)

    async def joined(n: int) -> bool:
        view = (await cases.client.get(f"/v1/cases/{case['case_id']}", headers=OFFICER)).json()
        return len(view["complaint_ids"]) == n

    await eventually(lambda: joined(2))
    view = (await cases.client.get(f"/v1/cases/{case['case_id']}", headers=OFFICER)).json()
    assert (view["state"], view["worker_count"]) == ("registration_pending", 4)
    third = complaint(worker_count=2, arrears="8000.00", employer_id="emp-linked")
    await cases.upstream.send(third, source=INTAKE)
    await eventually(lambda: joined(3))
    view = (await cases.client.get(f"/v1/cases/{case['case_id']}", headers=OFFICER)).json()
    assert view["state"] == "registered" and view["immediate_registration"] is True
    assert (view["worker_count"], view["arrears_amount"]) == (6, "24000.00")
    [registered] = await cases.probe.wait_for("cases.case.registered.v1")
    assert sorted(registered.data["complaint_ids"]) == sorted(
        [first.complaint_id, second.complaint_id, third.complaint_id])
    assert "linked complaints' totals" in registered.data["reason"]
    assert "6 workers" in registered.data["reason"]
    superseded = (await cases.client.get(f"/v1/cases/{case['case_id']}/registration-form",
                                         headers=OFFICER)).json()
    assert superseded["form_id"] == form["form_id"] and superseded["status"] == "superseded"
    async with cases.runtime.engine.connect() as conn:
        review = (await conn.execute(sa.text(
            "SELECT cancelled_at FROM timers WHERE kind = 'cases.registration_review' "
            "AND subject = :s"), {"s": form["form_id"]})).scalar_one()
    assert review is not None
    timeline = (await cases.client.get(f"/v1/cases/{case['case_id']}/timeline",
                                       headers=OFFICER)).json()
    assert [e["action"] for e in timeline].count("join_complaint") == 2


async def test_r_int_6_a_complaint_joining_a_registered_case_is_registered_with_it(cases):
    first = complaint(worker_count=6, employer_id="emp-registered")
    await cases.upstream.send(first, source=INTAKE)
    case = await case_of(cases, first.complaint_id)
    assert case["state"] == "registered"
    late = complaint(worker_count=1, arrears="3000.00", employer_id="emp-registered")
    await cases.upstream.send(late, source=INTAKE)
    told = await cases.probe.wait_for("cases.case.registered.v1", 2)
    assert [e.data["complaint_ids"] for e in told] == [[first.complaint_id], [late.complaint_id]]
    assert told[1].data["case_number"] == case["case_number"]
    view = (await cases.client.get(f"/v1/cases/{case['case_id']}", headers=OFFICER)).json()
    assert view["complaint_ids"] == [first.complaint_id, late.complaint_id]
    assert view["worker_count"] == 7
    elsewhere = complaint(worker_count=1, employer_id="emp-registered", district="d02")
    await cases.upstream.send(elsewhere, source=INTAKE)
    found: list[dict] = []

    async def opened_elsewhere() -> bool:
        found[:] = (await cases.client.get("/v1/cases", params={
            "complaint_id": elsewhere.complaint_id}, headers=DETACHMENT_CHIEF)).json()
        return bool(found)

    await eventually(opened_elsewhere)
    assert found[0]["case_id"] != case["case_id"]  # another district's brigade: its own case
    assert found[0]["district"] == "d02"


async def test_r_int_6_two_complaints_at_once_against_a_new_employer_open_one_case(cases):
    """Handled concurrently (two consumers, or replicas), the second waits for the first's case."""
    settings = cases.runtime.settings
    first, second = (complaint(worker_count=1, arrears="900.00", employer_id="emp-race")
                     for _ in range(2))

    async def handle(data) -> None:
        envelope = Envelope(source=INTAKE, type=data.event_type, data=data.model_dump(mode="json"))
        async with cases.runtime.uow() as uow:
            await opening.open_from_complaint(uow, settings, cases.runtime.calendar, envelope, data)
            await asyncio.sleep(0.3)  # both transactions overlap
            await uow.commit()

    await asyncio.gather(handle(first), handle(second))
    one, other = await case_of(cases, first.complaint_id), await case_of(cases, second.complaint_id)
    assert one["case_id"] == other["case_id"]
    assert sorted(one["complaint_ids"]) == sorted([first.complaint_id, second.complaint_id])


async def test_cases_are_numbered_as_they_commit_gap_free_and_an_open_registration_holds_nothing(
        cases):
    """立案编号: a transaction that registered a case and has not committed keeps no other
    registration waiting (the year's counter is taken at commit), and its number is not used up
    when it rolls back."""
    held = complaint(worker_count=6, employer_id="emp-held")
    envelope = Envelope(source=INTAKE, type=held.event_type, data=held.model_dump(mode="json"))
    batch = [complaint(worker_count=6, employer_id=f"emp-{n}") for n in range(30)]
    async with cases.runtime.uow() as uow:
        assert await opening.open_from_complaint(uow, cases.runtime.settings,
                                                 cases.runtime.calendar, envelope, held)
        for accepted in batch:
            await cases.upstream.send(accepted, source=INTAKE)
        told = await cases.probe.wait_for("cases.case.registered.v1", len(batch))
    # ... and rolled back.
    numbers = sorted(int(e.data["case_number"][-4:]) for e in told)
    assert numbers == list(range(1, len(batch) + 1))
    assert {c for e in told for c in e.data["complaint_ids"]} == {c.complaint_id for c in batch}
    late = complaint(worker_count=6, employer_id="emp-late")
    await cases.upstream.send(late, source=INTAKE)
    assert (await case_of(cases, late.complaint_id))["case_number"].endswith(f"{len(batch) + 1:04d}")
    assert held.complaint_id not in {c for e in told for c in e.data["complaint_ids"]}


async def test_r_int_6_a_complaint_joining_a_case_registered_in_the_same_batch_is_told_its_number(
        cases):
    """Two complaints against one employer handled in one transaction (a consumer batch): the
    first registers the case at once, the second joins it; intake hears the case number for
    both (the number is given as the transaction commits)."""
    first = complaint(worker_count=6, employer_id="emp-same-batch")
    second = complaint(worker_count=2, arrears="4000.00", employer_id="emp-same-batch")
    async with cases.runtime.uow() as uow:
        for accepted in (first, second):
            envelope = Envelope(source=INTAKE, type=accepted.event_type,
                                data=accepted.model_dump(mode="json"))
            await opening.open_from_complaint(uow, cases.runtime.settings, cases.runtime.calendar,
                                              envelope,
                                                      accepted)
        await uow.commit()
    case = await case_of(cases, second.complaint_id)
    assert case["complaint_ids"] == [first.complaint_id, second.complaint_id]
    told = await cases.probe.wait_for("cases.case.registered.v1")
    assert {c for e in told for c in e.data["complaint_ids"]} == {first.complaint_id,
                                                                  second.complaint_id}
    assert {e.data["case_number"] for e in told} == {case["case_number"]}


async def test_r_int_6_a_joining_complaint_reads_the_case_not_its_whole_file(cases):
    """Every accepted complaint may join an open case: the join reads the case's row (and a
    pending case's registration form), not its proposals, decision, payments or documents."""
    first = complaint(worker_count=6, employer_id="emp-light")
    second = complaint(worker_count=1, arrears="500.00", employer_id="emp-light")
    for accepted in (first, second):
        envelope = Envelope(source=INTAKE, type=accepted.event_type,
                            data=accepted.model_dump(mode="json"))
        async with cases.runtime.uow() as uow:
            async with statements_sent(await uow.session.connection()) as sent:
                await opening.open_from_complaint(uow, cases.runtime.settings,
                                                  cases.runtime.calendar, envelope, accepted)
            await uow.commit()
    case = await case_of(cases, second.complaint_id)
    assert case["complaint_ids"] == [first.complaint_id, second.complaint_id]
    read = " ".join(statement for statement, _ in sent)
    for table in ("penalty_proposals", "penalty_decisions", "hearings", "payments",
                  "rectification_orders", "evidence_items", "documents", "registration_forms"):
        assert table not in read, table
