"""R-CASE-5 hearing, R-CASE-6 payments and surcharge, R-CASE-7 reminder and court enforcement, on
the real database and broker; time is driven through the runtime's clock and the sweeper."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pypdf
import pytest
import sqlalchemy as sa
from labor_runtime.clock import BUREAU_TZ
from labor_runtime.testing import eventually

from .conftest import BRIGADE_CHIEF, DETACHMENT_CHIEF, OFFICER, REVIEWER, auth, later
from .test_penalty import (
    approved,
    decide,
    decided_and_served,
    proposal,
    published,
    registered_case,
    serve,
    timer,
    until_state,
)

pytestmark = pytest.mark.integration

EXECUTOR = auth("executor_c", subject="executor-chen", district="d01")


async def overdue(service, kind: str, subject: str) -> None:
    async def raised() -> bool:
        return any(e.data["kind"] == kind and e.data["subject"] == subject
                   for e in service.probe.of("runtime.deadline.overdue.v1"))

    await eventually(raised)


async def notice_served(service) -> str:
    case_id = await registered_case(service)
    proposal = await approved(service, case_id, fine="30000.00")
    await serve(service, case_id, proposal["notice_document_id"], "penalty_notice",
                service.runtime.clock.now())
    await until_state(service, case_id, "notice_served")
    return case_id


async def pay(service, decision_number: str, reference: str, amount: str, paid_on) -> dict:
    response = await service.client.post("/v1/payments", json={"payments": [{
        "reference": reference, "decision_number": decision_number, "amount": amount,
        "paid_on": paid_on.isoformat(), "payer": "某某建筑工程有限公司"}]}, headers=EXECUTOR)
    assert response.status_code == 200, response.text
    [result] = response.json()
    return result


async def execution(service, case_id: str) -> dict:
    return (await service.client.get(f"/v1/cases/{case_id}/execution", headers=EXECUTOR)).json()


def local_day(moment):
    return moment.astimezone(BUREAU_TZ).date()


# R-CASE-5 hearing --------------------------------------------------------------------------------


async def test_r_case_5_hearing_requested_is_held_and_its_record_founds_the_decision(cases):
    case_id = await notice_served(cases)
    requested = await cases.client.post(f"/v1/cases/{case_id}/hearing",
                                        json={"note": "当事人书面要求听证"}, headers=OFFICER)
    assert requested.status_code == 201, requested.text
    hearing = requested.json()
    now = cases.runtime.clock.now()
    assert datetime.fromisoformat(hearing["hold_by"]) == datetime.fromisoformat(
        hearing["requested_at"]) + timedelta(days=7)
    assert datetime.fromisoformat(hearing["requested_at"]) <= now
    await until_state(cases, case_id, "hearing")

    await later(cases, timedelta(days=3, minutes=1))  # the notice period is over
    refused = await decide(cases, case_id)
    assert refused.status_code == 409 and refused.json()["type"].endswith("/hearing-not-held")

    record = await cases.client.post(f"/v1/cases/{case_id}/hearing/record", json={
        "held_at": cases.runtime.clock.now().isoformat(), "presiding": "主持人王某",
        "participants": ["当事人委托代理人李某", "案件承办人张某"],
        "record": "当事人对拖欠工资事实无异议，请求从轻处罚。"}, headers=OFFICER)
    assert record.status_code == 200, record.text
    record_id = record.json()["record_document_id"]
    signed = (await cases.client.get(f"/v1/documents/{record_id}/signatures",
                                     headers=REVIEWER)).json()
    assert signed["all_valid"] and signed["signatures"][0]["purpose"] == "hearing_record"
    assert (await timer(cases, "cases.hearing_due", case_id)).completed_at is not None

    decision = await decide(cases, case_id)
    assert decision.status_code == 201, decision.text
    async with cases.runtime.engine.connect() as conn:
        hearing_id = (await conn.execute(sa.text(
            "SELECT hearing_id FROM penalty_decisions WHERE case_id = :c"), {"c": case_id})).scalar()
    assert hearing_id == hearing["hearing_id"]
    signatures = (await cases.client.get(
        f"/v1/documents/{decision.json()['document_id']}/signatures", headers=REVIEWER)).json()
    assert [(s["signer"], s["purpose"]) for s in signatures["signatures"]] == [
        ("chief-zhao", "decision")]
    assert signatures["all_valid"] is True


async def test_r_case_5_hearing_not_held_within_seven_days_raises_an_alert(cases):
    case_id = await notice_served(cases)
    await cases.client.post(f"/v1/cases/{case_id}/hearing", json={}, headers=OFFICER)
    await later(cases, timedelta(days=7) - timedelta(minutes=1))
    assert (await timer(cases, "cases.hearing_due", case_id)).fired_at is None
    await later(cases, timedelta(minutes=2))
    await overdue(cases, "cases.hearing_due", case_id)


async def test_r_case_5_hearing_is_asked_for_within_the_notice_period(cases):
    case_id = await notice_served(cases)
    await later(cases, timedelta(days=3, minutes=1))
    late = await cases.client.post(f"/v1/cases/{case_id}/hearing", json={}, headers=OFFICER)
    assert late.status_code == 409 and late.json()["type"].endswith("/hearing-request-late")
    no_notice = await registered_case(cases)
    early = await cases.client.post(f"/v1/cases/{no_notice}/hearing", json={}, headers=OFFICER)
    assert early.status_code == 409  # R-CASE-1: no notice served, no hearing


# R-CASE-6 payments -------------------------------------------------------------------------------


async def test_r_case_6_payment_in_full_by_the_due_date_ends_execution(cases):
    case_id, decision, _ = await decided_and_served(cases)
    result = await pay(cases, decision["decision_number"], "BANK-0001", "5000.00",
                       local_day(cases.runtime.clock.now()))
    assert result == {"reference": "BANK-0001", "outcome": "recorded", "case_id": case_id,
                      "outstanding": "0.00", "paid_in_full": True}
    again = await pay(cases, decision["decision_number"], "BANK-0001", "5000.00",
                      local_day(cases.runtime.clock.now()))
    assert again["outcome"] == "duplicate"
    view = await execution(cases, case_id)
    assert Decimal(view["paid"]) == Decimal("5000") and view["paid_in_full_at"] is not None
    assert (await timer(cases, "cases.payment_due", case_id)).completed_at is not None
    await later(cases, timedelta(days=16))
    assert view["reminder_document_id"] is None
    assert (await execution(cases, case_id))["reminder_document_id"] is None
    unknown = await pay(cases, "某劳监罚〔2026〕9999", "BANK-0002", "1.00",
                        local_day(cases.runtime.clock.now()))
    assert unknown["outcome"] == "unknown_decision"


async def test_r_case_6_late_payment_owes_the_surcharge_of_three_percent_a_day(cases):
    case_id, decision, _ = await decided_and_served(cases)
    due = local_day(datetime.fromisoformat((await execution(cases, case_id))["payment_due_at"]))
    await later(cases, timedelta(days=17))
    first = await pay(cases, decision["decision_number"], "BANK-1", "5000.00",
                      due + timedelta(days=2))
    assert first["paid_in_full"] is False and Decimal(first["outstanding"]) == Decimal("300.00")
    second = await pay(cases, decision["decision_number"], "BANK-2", "300.00",
                       due + timedelta(days=2))
    assert second["paid_in_full"] is True
    view = await execution(cases, case_id)
    assert Decimal(view["surcharge"]) == Decimal("300.00") and Decimal(view["outstanding"]) == 0
    assert view["reminder_document_id"] is not None  # issued when the due date passed unpaid


async def test_r_case_6_surcharge_is_capped_at_the_fine(cases):
    case_id, _, _ = await decided_and_served(cases)
    await later(cases, timedelta(days=15 + 40))
    view = await execution(cases, case_id)
    assert Decimal(view["surcharge"]) == Decimal("5000.00") == Decimal(view["fine"])
    assert Decimal(view["outstanding"]) == Decimal("10000.00")


# R-CASE-7 reminder and court enforcement ---------------------------------------------------------


async def test_r_case_7_unpaid_fine_gets_a_reminder_then_court_enforcement(cases):
    case_id, _, _ = await decided_and_served(cases)
    manual = await cases.client.post(f"/v1/cases/{case_id}/court-enforcement", headers=EXECUTOR)
    assert manual.status_code == 409 and manual.json()["type"].endswith("/no-reminder")

    await later(cases, timedelta(days=15, minutes=1))
    await overdue(cases, "cases.payment_due", case_id)

    async def reminded() -> bool:
        return any(e.data["kind"] == "reminder" and e.data["case_id"] == case_id
                   for e in cases.probe.of("cases.document.issued.v2"))

    await eventually(reminded)
    view = await execution(cases, case_id)
    assert view["reminder_document_id"] is not None
    case = (await cases.client.get(f"/v1/cases/{case_id}", headers=OFFICER)).json()
    reminder = next(d for d in case["documents"] if d["kind"] == "reminder")
    assert reminder["title"] == "催告书" and reminder["document_id"] == view["reminder_document_id"]
    timeline = (await cases.client.get(f"/v1/cases/{case_id}/timeline", headers=OFFICER)).json()
    [reminded_step] = [e for e in timeline if e["action"] == "issue_reminder"]
    assert " in time (due by " in reminded_step["reason"]
    court = await timer(cases, "cases.court_enforcement", case_id)
    assert court.due_at == datetime.fromisoformat(
        view["payment_due_at"]) + timedelta(days=30)

    await later(cases, timedelta(days=29))
    assert (await until_state(cases, case_id, "executing"))["state"] == "executing"
    await later(cases, timedelta(days=1))
    await until_state(cases, case_id, "court_enforcement")
    view = await execution(cases, case_id)
    assert view["court_enforcement_at"] is not None
    # The application (强制执行申请书) is rendered with what is owed, kept for filing with the
    # court; it is not served on the employer.
    application = view["court_application_document_id"]
    pdf = await cases.client.get(f"/v1/documents/{application}/pdf", headers=EXECUTOR)
    text = "".join("".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
                   .split())
    assert "强制执行申请书" in text and "致：某市某区人民法院" in text and "被申请人：" in text
    assert f"合计人民币{view['outstanding']}元" in text
    assert reminder["number"] in text
    verified = (await cases.client.get(f"/v1/documents/{application}/verify")).json()
    assert verified["genuine"] and verified["kind"] == "court_enforcement_application"
    assert not [e for e in cases.probe.of("cases.document.issued.v2")
                if e.data["document_id"] == application]


async def test_r_case_7_executor_may_apply_to_the_court_after_the_reminder(cases):
    case_id, _, _ = await decided_and_served(cases)
    await later(cases, timedelta(days=15, minutes=1))

    async def reminded() -> bool:
        return (await execution(cases, case_id))["reminder_document_id"] is not None

    await eventually(reminded)
    officer = await cases.client.post(f"/v1/cases/{case_id}/court-enforcement", headers=OFFICER)
    assert officer.status_code == 403
    applied = await cases.client.post(f"/v1/cases/{case_id}/court-enforcement", headers=EXECUTOR)
    assert applied.status_code == 200, applied.text
    await until_state(cases, case_id, "court_enforcement")
    application = applied.json()["court_application_document_id"]
    signed = (await cases.client.get(f"/v1/documents/{application}/signatures",
                                     headers=EXECUTOR)).json()
    assert signed["all_valid"] and [(s["signer"], s["purpose"]) for s in signed["signatures"]] == [
        ("executor-chen", "court_enforcement_application")]
    assert (await timer(cases, "cases.court_enforcement", case_id)).completed_at is not None


async def test_r_dlv_3_the_reminders_proven_service_is_recorded_and_cited_to_the_court(cases):
    case_id, _, _ = await decided_and_served(cases)
    await later(cases, timedelta(days=15, minutes=1))

    async def reminded() -> bool:
        return any(e.data["kind"] == "reminder" and e.data["case_id"] == case_id
                   for e in cases.probe.of("cases.document.issued.v2"))

    await eventually(reminded)
    reminder_id = (await execution(cases, case_id))["reminder_document_id"]
    served_at = cases.runtime.clock.now() + timedelta(hours=5)
    proof = {"proof_id": "proof-reminder-1", "proof_sha256": "7a" * 32, "chain_sha256": "5b" * 32}
    await serve(cases, case_id, reminder_id, "reminder", served_at, **proof)
    shown: dict = {}

    async def served() -> bool:
        case = (await cases.client.get(f"/v1/cases/{case_id}", headers=OFFICER)).json()
        shown.update(next(d for d in case["documents"] if d["document_id"] == reminder_id))
        return shown["served_at"] is not None

    await eventually(served)
    assert datetime.fromisoformat(shown["served_at"]) == served_at
    assert {k: shown[k] for k in proof} == proof
    applied = await cases.client.post(f"/v1/cases/{case_id}/court-enforcement", headers=EXECUTOR)
    assert applied.status_code == 200, applied.text
    application = applied.json()["court_application_document_id"]
    pdf = await cases.client.get(f"/v1/documents/{application}/pdf", headers=EXECUTOR)
    text = "".join("".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
                   .split())
    day = served_at.astimezone(BUREAU_TZ).date()
    assert f"{shown['number']}）于{day.year}年{day.month}月{day.day}日送达" in text


async def test_r_case_7_payment_in_full_after_the_reminder_stops_court_enforcement(cases):
    case_id, decision, _ = await decided_and_served(cases)
    await later(cases, timedelta(days=15, minutes=1))

    async def reminded() -> bool:
        return (await execution(cases, case_id))["reminder_document_id"] is not None

    await eventually(reminded)
    owed = (await execution(cases, case_id))["outstanding"]
    result = await pay(cases, decision["decision_number"], "BANK-9", owed,
                       local_day(cases.runtime.clock.now()))
    assert result["paid_in_full"] is True
    assert (await timer(cases, "cases.court_enforcement", case_id)).cancelled_at is not None
    await later(cases, timedelta(days=31))
    assert (await until_state(cases, case_id, "executing"))["state"] == "executing"


async def test_r_org_2_payments_are_imported_by_executor_c_only(cases):
    response = await cases.client.post("/v1/payments", json={"payments": [{
        "reference": "X", "decision_number": "Y", "amount": "1.00", "paid_on": "2026-03-01"}]},
        headers=DETACHMENT_CHIEF)
    assert response.status_code == 403


async def test_r_case_7_a_published_case_closes_once_the_fine_is_paid_in_full(cases):
    case_id, decision, _ = await decided_and_served(cases)
    await published(cases, case_id, cases.runtime.clock.now())
    await until_state(cases, case_id, "published")
    body = {"reason": "罚款已缴清，工资已支付，结案"}
    unpaid = await cases.client.post(f"/v1/cases/{case_id}/close", json=body, headers=BRIGADE_CHIEF)
    assert unpaid.status_code == 409 and unpaid.json()["type"].endswith("/cannot-close")
    await pay(cases, decision["decision_number"], "BANK-C", "5000.00",
              local_day(cases.runtime.clock.now()))
    closed = await cases.client.post(f"/v1/cases/{case_id}/close", json=body, headers=BRIGADE_CHIEF)
    assert closed.status_code == 204, closed.text
    await until_state(cases, case_id, "closed")


async def test_r_case_7_published_then_enforced_by_the_court_closes_once_paid(cases):
    case_id, decision, _ = await decided_and_served(cases)
    await published(cases, case_id, cases.runtime.clock.now())
    await until_state(cases, case_id, "published")
    await later(cases, timedelta(days=15, minutes=1))
    await later(cases, timedelta(days=30))
    await until_state(cases, case_id, "court_enforcement")
    body = {"reason": "法院强制执行到位，结案"}
    unpaid = await cases.client.post(f"/v1/cases/{case_id}/close", json=body, headers=BRIGADE_CHIEF)
    assert unpaid.status_code == 409 and "not paid in full" in unpaid.json()["detail"]
    owed = (await execution(cases, case_id))["outstanding"]
    result = await pay(cases, decision["decision_number"], "COURT-1", owed,
                       local_day(cases.runtime.clock.now()))
    assert result["paid_in_full"] is True
    closed = await cases.client.post(f"/v1/cases/{case_id}/close", json=body, headers=BRIGADE_CHIEF)
    assert closed.status_code == 204, closed.text
    await until_state(cases, case_id, "closed")


async def test_r_case_8_a_decided_case_does_not_close_before_publication(cases):
    case_id, decision, _ = await decided_and_served(cases)
    await later(cases, timedelta(days=15, minutes=1))
    await later(cases, timedelta(days=30))
    await until_state(cases, case_id, "court_enforcement")
    owed = (await execution(cases, case_id))["outstanding"]
    await pay(cases, decision["decision_number"], "COURT-2", owed,
              local_day(cases.runtime.clock.now()))
    refused = await cases.client.post(f"/v1/cases/{case_id}/close", json={"reason": "结案"},
                                      headers=BRIGADE_CHIEF)
    assert refused.status_code == 409 and "R-CASE-8" in refused.json()["detail"]


async def test_r_case_7_a_reminder_after_the_three_days_is_recorded_as_late(cases):
    """The sweeper was down past the 3 days: the reminder still goes out, marked LATE."""
    case_id, _, _ = await decided_and_served(cases)
    await later(cases, timedelta(days=15 + 4))

    async def reminded() -> bool:
        return (await execution(cases, case_id))["reminder_document_id"] is not None

    await eventually(reminded)
    timeline = (await cases.client.get(f"/v1/cases/{case_id}/timeline", headers=OFFICER)).json()
    [reminded_step] = [e for e in timeline if e["action"] == "issue_reminder"]
    assert " LATE (due by " in reminded_step["reason"]


# Issue 10 (hardening) ----------------------------------------------------------------------------


async def test_issue10_finding_3_court_enforcement_before_a_decision_is_a_409_naming_the_state(cases):
    case_id = await registered_case(cases)
    registered = await cases.client.post(f"/v1/cases/{case_id}/court-enforcement", headers=EXECUTOR)
    assert registered.status_code == 409, registered.text
    assert registered.json()["state"] == "registered"
    assert registered.json()["detail"].endswith("(the case is registered)")
    proposed = await cases.client.post(f"/v1/cases/{case_id}/penalty-proposal", json=proposal(),
                                       headers=OFFICER)
    assert proposed.status_code == 201, proposed.text
    investigating = await cases.client.post(f"/v1/cases/{case_id}/court-enforcement",
                                            headers=EXECUTOR)
    assert investigating.status_code == 409, investigating.text
    assert investigating.json()["state"] == "investigating"
    review = await cases.client.post(f"/v1/cases/{case_id}/registration-form/review", headers=REVIEWER,
                                     json={"decision": "approve", "reason": "事实清楚"})
    assert review.status_code == 409 and review.json()["state"] == "investigating", review.text


async def payment_refused(service, number: str, **changes) -> dict:
    payment = {"reference": "BANK-HOSTILE", "decision_number": number, "amount": "100.00",
               "paid_on": local_day(service.runtime.clock.now()).isoformat(), **changes}
    response = await service.client.post("/v1/payments", json={"payments": [payment]},
                                         headers=EXECUTOR)
    assert response.status_code == 422, response.text
    return response.json()


async def test_issue10_finding_2_a_payment_beyond_the_money_columns_is_refused_at_the_model(cases):
    case_id, decision, _ = await decided_and_served(cases)
    for amount in ("1e30", "1000000000000.00", "NaN", "12.345", "0"):
        problem = await payment_refused(cases, decision["decision_number"], amount=amount)
        assert [e["location"] for e in problem["errors"]] == ["body.payments.0.amount"], amount
    schema = cases.app.openapi()["components"]["schemas"]["PaymentIn"]["properties"]["amount"]
    assert schema["anyOf"][0]["exclusiveMaximum"] == 1e12
    assert Decimal((await execution(cases, case_id))["paid"]) == 0


async def test_issue10_finding_7_a_payment_dated_in_the_future_or_before_its_decision_is_refused(cases):
    case_id, decision, _ = await decided_and_served(cases)
    today = local_day(cases.runtime.clock.now())
    decided_on = local_day(datetime.fromisoformat(decision["decided_at"]))
    for paid_on in (date(2099, 1, 1), today + timedelta(days=1), decided_on - timedelta(days=1)):
        problem = await payment_refused(cases, decision["decision_number"],
                                        paid_on=paid_on.isoformat())
        assert [e["location"] for e in problem["errors"]] == ["body.payments.0.paid_on"], paid_on
    for blank in ("reference", "decision_number"):
        problem = await payment_refused(cases, decision["decision_number"], **{blank: "   "})
        assert [e["location"] for e in problem["errors"]] == [f"body.payments.0.{blank}"]
    view = await execution(cases, case_id)
    assert Decimal(view["paid"]) == 0 and Decimal(view["outstanding"]) == Decimal("5000.00")
