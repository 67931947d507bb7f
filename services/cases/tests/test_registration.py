"""R-CASE-2 registration approval and R-ORG-2 on it, with the signatures it leaves, on the real
database and broker."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from labor_runtime.testing import eventually, swept

from .conftest import (
    BRIGADE_CHIEF,
    OFFICER,
    REGISTRATION_FORM,
    REVIEWER,
    auth,
    complaint,
    submit_and_review,
)
from .test_lifecycle import INTAKE, case_of

pytestmark = pytest.mark.integration




async def pending_case(service) -> str:
    accepted = complaint(worker_count=2, arrears="8000.00")
    await service.upstream.send(accepted, source=INTAKE)
    case = await case_of(service, accepted.complaint_id)
    assert case["state"] == "registration_pending"
    return case["case_id"]


async def test_r_case_2_form_review_and_chief_signature_register_the_case(cases):
    case_id = await pending_case(cases)
    submitted = await cases.client.post(f"/v1/cases/{case_id}/registration-form",
                                        json=REGISTRATION_FORM, headers=OFFICER)
    assert submitted.status_code == 201, submitted.text
    form = submitted.json()
    assert form["status"] == "submitted" and form["submitted_by"] == "officer-zhang"
    assert form["review_due_at"] is not None
    again = await cases.client.post(f"/v1/cases/{case_id}/registration-form",
                                    json=REGISTRATION_FORM, headers=OFFICER)
    assert again.status_code == 409

    reviewed = await cases.client.post(f"/v1/cases/{case_id}/registration-form/review",
                                       json={"decision": "approve", "reason": "符合立案条件"},
                                       headers=REVIEWER)
    assert reviewed.json()["status"] == "approved"
    registered = await cases.client.post(f"/v1/cases/{case_id}/registration",
                                         json={"decision": "register", "reason": "同意立案"},
                                         headers=BRIGADE_CHIEF)
    assert registered.status_code == 200, registered.text
    assert registered.json()["state"] == "registered"
    [event] = await cases.probe.wait_for("cases.case.registered.v1")
    assert event.data["case_id"] == case_id and event.data["immediate"] is False

    signed = (await cases.client.get(f"/v1/documents/{form['document_id']}/signatures",
                                     headers=OFFICER)).json()
    assert [(s["signer"], s["role"], s["purpose"]) for s in signed["signatures"]] == [
        ("officer-zhang", "officer_a", "submit"), ("reviewer-wang", "reviewer_b", "legal_review"),
        ("chief-li", "brigade_chief", "register")]
    assert signed["all_valid"] is True and all(s["sha256"] == form["sha256"]
                                               for s in signed["signatures"])
    async with cases.runtime.engine.connect() as conn:
        timer = (await conn.execute(sa.text(
            "SELECT completed_at, fired_at FROM timers WHERE kind = 'cases.registration_review' "
            "AND subject = :s"), {"s": form["form_id"]})).one()
    assert timer.completed_at is not None and timer.fired_at is None


async def test_r_case_2_legal_review_overdue_after_two_hours_raises_an_alert(cases):
    case_id = await pending_case(cases)
    form = (await cases.client.post(f"/v1/cases/{case_id}/registration-form",
                                    json=REGISTRATION_FORM, headers=OFFICER)).json()
    cases.runtime.clock.advance(timedelta(hours=2) - timedelta(minutes=1))
    await swept(cases.runtime.sweeper)
    assert not [e for e in cases.probe.of("runtime.deadline.overdue.v1")
                if e.data["subject"] == form["form_id"]]
    cases.runtime.clock.advance(timedelta(minutes=2))
    await swept(cases.runtime.sweeper)

    async def overdue() -> bool:
        return any(e.data["kind"] == "cases.registration_review"
                   and e.data["subject"] == form["form_id"]
                   for e in cases.probe.of("runtime.deadline.overdue.v1"))

    await eventually(overdue)


async def test_r_case_2_rejected_review_sends_the_form_back_to_a(cases):
    case_id = await pending_case(cases)
    await cases.client.post(f"/v1/cases/{case_id}/registration-form", json=REGISTRATION_FORM,
                            headers=OFFICER)
    rejected = await cases.client.post(f"/v1/cases/{case_id}/registration-form/review",
                                       json={"decision": "reject", "reason": "证据不足，补充工资表"},
                                       headers=REVIEWER)
    assert rejected.json()["status"] == "rejected"
    refused = await cases.client.post(f"/v1/cases/{case_id}/registration",
                                      json={"decision": "register", "reason": "同意"},
                                      headers=BRIGADE_CHIEF)
    assert refused.status_code == 409
    resubmitted = await cases.client.post(f"/v1/cases/{case_id}/registration-form",
                                          json=REGISTRATION_FORM, headers=OFFICER)
    assert resubmitted.status_code == 201


async def test_r_case_2_not_registered_with_reason_goes_back_to_the_worker(cases):
    case_id = await pending_case(cases)
    await submit_and_review(cases, case_id)
    reason = "不属于劳动保障监察管辖范围，请通过劳动争议仲裁解决"
    response = await cases.client.post(f"/v1/cases/{case_id}/registration",
                                       json={"decision": "refuse", "reason": reason},
                                       headers=BRIGADE_CHIEF)
    assert response.json()["state"] == "not_registered"
    [event] = await cases.probe.wait_for("cases.case.not_registered.v1")
    assert event.data["case_id"] == case_id and event.data["reason"] == reason
    form = (await cases.client.get(f"/v1/cases/{case_id}/registration-form",
                                   headers=OFFICER)).json()
    assert form["status"] == "refused"


async def test_r_org_2_reviewer_b_is_never_officer_a(cases):
    case_id = await pending_case(cases)
    both = auth("officer_a", "reviewer_b", subject="officer-zhang", district="d01")
    await cases.client.post(f"/v1/cases/{case_id}/registration-form", json=REGISTRATION_FORM,
                            headers=both)
    own = await cases.client.post(f"/v1/cases/{case_id}/registration-form/review",
                                  json={"decision": "approve", "reason": "自己审核"}, headers=both)
    assert own.status_code == 403 and own.json()["type"].endswith("/separation-of-duties")


async def test_r_org_2_the_chief_may_not_sign_what_they_filled_or_reviewed(cases):
    case_id = await pending_case(cases)
    reviewer_and_chief = auth("reviewer_b", "brigade_chief", subject="reviewer-wang",
                              district="d01")
    await cases.client.post(f"/v1/cases/{case_id}/registration-form", json=REGISTRATION_FORM,
                            headers=OFFICER)
    await cases.client.post(f"/v1/cases/{case_id}/registration-form/review",
                            json={"decision": "approve", "reason": "符合立案条件"},
                            headers=reviewer_and_chief)
    own = await cases.client.post(f"/v1/cases/{case_id}/registration",
                                  json={"decision": "register", "reason": "同意"},
                                  headers=reviewer_and_chief)
    assert own.status_code == 403
    ok = await cases.client.post(f"/v1/cases/{case_id}/registration",
                                 json={"decision": "register", "reason": "同意"},
                                 headers=BRIGADE_CHIEF)
    assert ok.status_code == 200


async def test_signatures_detect_an_altered_document(cases):
    case_id = await pending_case(cases)
    form = await submit_and_review(cases, case_id)
    document_id = form["document_id"]
    assert (await cases.client.get(f"/v1/documents/{document_id}/signatures",
                                   headers=REVIEWER)).json()["all_valid"] is True
    async with cases.runtime.engine.begin() as conn:  # a superuser bypasses the trigger
        await conn.execute(sa.text("ALTER TABLE documents DISABLE TRIGGER documents_append_only"))
        await conn.execute(sa.text(
            "UPDATE documents SET content = set_byte(content, 40, (get_byte(content, 40) + 1) % 256) "
            "WHERE id = :id"), {"id": document_id})  # one byte of the form changed
        await conn.execute(sa.text("ALTER TABLE documents ENABLE TRIGGER documents_append_only"))
    view = (await cases.client.get(f"/v1/documents/{document_id}/signatures",
                                   headers=REVIEWER)).json()
    assert view["all_valid"] is False and view["current_sha256"] != form["sha256"]
    assert all(s["signature_valid"] and not s["document_unchanged"] and not s["valid"]
               for s in view["signatures"])


async def test_signatures_are_append_only_and_forged_ones_fail(cases):
    case_id = await pending_case(cases)
    form = await submit_and_review(cases, case_id)
    async with cases.runtime.engine.connect() as conn:
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            await conn.execute(sa.text("UPDATE document_signatures SET signer = 'someone-else'"))
    async with cases.runtime.engine.begin() as conn:
        await conn.execute(sa.text(
            "ALTER TABLE document_signatures DISABLE TRIGGER document_signatures_append_only"))
        await conn.execute(sa.text(
            "UPDATE document_signatures SET signer = 'someone-else' WHERE purpose = 'submit'"))
        await conn.execute(sa.text(
            "ALTER TABLE document_signatures ENABLE TRIGGER document_signatures_append_only"))
    view = (await cases.client.get(f"/v1/documents/{form['document_id']}/signatures",
                                   headers=REVIEWER)).json()
    forged = next(s for s in view["signatures"] if s["purpose"] == "submit")
    assert forged["signature_valid"] is False and view["all_valid"] is False
