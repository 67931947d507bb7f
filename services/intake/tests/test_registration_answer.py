"""R-INT-3: the registration decision is told to the worker through the channel that filed the
complaint, as an event on the real bus that carries no personal data (R-INT-7)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from labor_contracts.cases import CaseClosed, CaseNotRegistered, CaseRegistered
from labor_contracts.envelope import Envelope
from labor_runtime.testing import eventually

from .handling_support import bearer, consuming, file, outbox_of, send

pytestmark = pytest.mark.integration

ANSWER = "intake.registration_answer.issued.v1"
PERSONAL = ("张三", "11010519491231002X", "13800138000")


async def test_r_int_3_registration_answer_told_to_the_worker(intake, cases_bus):
    await consuming(intake)
    one, two = await file(intake), await file(intake)
    registered = CaseRegistered(case_id="case-1", case_number="某劳监立〔2026〕1",
                                complaint_ids=[one["complaint_id"], two["complaint_id"]],
                                registered_at=datetime.now(UTC), immediate=True)
    await send(cases_bus, registered)
    answers = await intake.probe.wait_for(ANSWER, 2)
    by_complaint = {a.data["complaint_id"]: a for a in answers}
    assert set(by_complaint) == {one["complaint_id"], two["complaint_id"]}
    for filed in (one, two):
        answer = by_complaint[filed["complaint_id"]]
        assert answer.subject == filed["complaint_id"]
        assert answer.data["tracking_code"] == filed["tracking_code"]
        assert answer.data["channel"] == "hotline_12333"
        assert (answer.data["outcome"], answer.data["reason"]) == ("registered", "")
        assert (answer.data["case_id"], answer.data["case_number"]) == ("case-1", "某劳监立〔2026〕1")
        body = answer.model_dump_json()
        for secret in PERSONAL:  # R-INT-7
            assert secret not in body
    status = (await intake.client.get(f"/v1/complaints/{one['tracking_code']}")).json()
    assert status["status"] == "registered"
    # A timely decision is not telling: the 7-day deadline runs until the channel takes the
    # answer (notify.worker_notice.delivered.v1) or staff tell the worker (test_worker_told.py).
    handling = (await intake.client.get(f"/v1/complaints/by-id/{one['complaint_id']}/handling",
                                        headers=bearer("officer_a"))).json()
    [deadline] = [d for d in handling["deadlines"] if d["kind"] == "intake.registration_answer"]
    assert (deadline["outcome"], deadline["completed_at"]) == ("pending", None)
    assert datetime.fromisoformat(handling["registration_answer_issued_at"]) == datetime.fromisoformat(
        by_complaint[one["complaint_id"]].data["answered_at"])
    assert handling["registration_answer_told_at"] is None


async def test_r_int_3_not_registered_answer_carries_the_reason(intake, cases_bus):
    await consuming(intake)
    filed = await file(intake)
    reason = "不属于劳动保障监察管辖范围，请向劳动人事争议仲裁委员会申请仲裁"
    await send(cases_bus, CaseNotRegistered(case_id="case-2", complaint_ids=[filed["complaint_id"]],
                                            reason=reason, decided_at=datetime.now(UTC)))
    [answer] = await intake.probe.wait_for(ANSWER)
    assert (answer.data["outcome"], answer.data["reason"]) == ("not_registered", reason)
    assert answer.data["case_id"] == "case-2" and answer.data["case_number"] is None
    assert answer.data["tracking_code"] == filed["tracking_code"]


async def test_r_int_3_the_same_decision_again_tells_the_worker_once(intake):
    filed = await file(intake)
    data = CaseRegistered(case_id="case-1", case_number="某劳监立〔2026〕1",
                          complaint_ids=[filed["complaint_id"]], registered_at=datetime.now(UTC),
                          immediate=False)
    for _ in range(2):  # cases re-sends the decision as a new event: the inbox cannot tell
        async with intake.runtime.uow() as uow:
            envelope = Envelope(source="/services/cases", type=data.event_type,
                                data=data.model_dump(mode="json"))
            await intake.runtime.handlers[data.event_type](uow, envelope, data)
            await uow.commit()
    assert len(await outbox_of(intake, ANSWER)) == 1


async def test_r_int_8_a_registration_applied_after_its_case_closed_leaves_the_complaint_closed(
        intake, cases_bus):
    """Consumers apply events concurrently: the case's closing may be applied before its
    registration. Closing is final; the registration still names the case."""
    await consuming(intake)
    filed = await file(intake)
    closing = "closed: the employer put it right (已整改); 已按期整改"
    await send(cases_bus, CaseClosed(case_id="case-9", case_number="某劳监立〔2026〕9",
                                     complaint_ids=[filed["complaint_id"]], outcome="rectified",
                                     reason="已按期整改", closed_at=datetime.now(UTC)))

    async def status() -> dict:
        return (await intake.client.get(f"/v1/complaints/{filed['tracking_code']}")).json()

    async def closed() -> bool:
        return (await status())["status"] == "closed"

    await eventually(closed)
    await send(cases_bus, CaseRegistered(case_id="case-9", case_number="某劳监立〔2026〕9",
                                         complaint_ids=[filed["complaint_id"]],
                                         registered_at=datetime.now(UTC), immediate=True))
    [answer] = await intake.probe.wait_for(ANSWER)  # the worker is still told the decision
    assert (answer.data["complaint_id"], answer.data["outcome"]) == (filed["complaint_id"],
                                                                     "registered")
    now = await status()
    assert (now["status"], now["status_reason"]) == ("closed", closing)


async def test_r_int_8_a_closed_case_closes_its_complaints_with_how_it_ended(intake, cases_bus):
    await consuming(intake)
    one, two = await file(intake), await file(intake)
    ids = [one["complaint_id"], two["complaint_id"]]
    await send(cases_bus, CaseRegistered(case_id="case-3", case_number="某劳监立〔2026〕3",
                                         complaint_ids=ids, registered_at=datetime.now(UTC),
                                         immediate=True))
    await send(cases_bus, CaseClosed(case_id="case-3", case_number="某劳监立〔2026〕3",
                                     complaint_ids=ids, outcome="rectified",
                                     reason="已按期整改，工资全额补发", closed_at=datetime.now(UTC)))

    async def closed() -> bool:
        status = (await intake.client.get(f"/v1/complaints/{two['tracking_code']}")).json()
        return status["status"] == "closed"

    await eventually(closed)
    for filed in (one, two):
        status = (await intake.client.get(f"/v1/complaints/{filed['tracking_code']}")).json()
        assert status["status"] == "closed"
        assert status["status_reason"] == (
            "closed: the employer put it right (已整改); 已按期整改，工资全额补发")
