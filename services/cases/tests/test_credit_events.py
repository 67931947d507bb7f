"""What credit's grade hears from cases (R-CRD-2), read off the real exchange: a lapsed order to
rectify, an overdue fine, an application for court enforcement, and a closing with the employer
and the workers' satisfaction."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from labor_runtime.testing import eventually

from .conftest import BRIGADE_CHIEF, CREDIT_CODE, later
from .test_execution import EXECUTOR
from .test_penalty import decided_and_served, registered_case
from .test_rectification import ORDER, comply, order, payment_proof

pytestmark = pytest.mark.integration


async def published(service, event_type: str, case_id: str) -> dict:
    async def seen() -> bool:
        return any(e.data["case_id"] == case_id for e in service.probe.of(event_type))

    await eventually(seen)
    [event] = [e for e in service.probe.of(event_type) if e.data["case_id"] == case_id]
    return event.data


async def test_r_crd_2_a_lapsed_order_to_rectify_is_published_with_the_wages_owed(cases):
    case_id = await registered_case(cases)
    assert (await order(cases, case_id, {**ORDER, "within_days": 5})).status_code == 201
    await later(cases, timedelta(days=5, minutes=1))
    lapsed = await published(cases, "cases.rectification.lapsed.v1", case_id)
    assert lapsed["employer"]["credit_code"] == CREDIT_CODE
    assert Decimal(lapsed["arrears_outstanding"]) == Decimal(ORDER["wages_to_pay"])
    assert lapsed["items"] == ORDER["items"]


async def test_r_crd_2_the_overdue_fine_and_the_court_application_are_published(cases):
    case_id, decision, _ = await decided_and_served(cases)
    await later(cases, timedelta(days=15, minutes=1))
    overdue = await published(cases, "cases.fine.overdue.v1", case_id)
    assert (overdue["decision_id"], overdue["employer"]["credit_code"]) == (
        decision["decision_id"], CREDIT_CODE)
    assert Decimal(overdue["outstanding"]) > 0
    assert overdue["employer"].get("legal_representative") is None  # no personal data
    assert overdue["employer"].get("email") is None
    applied = await cases.client.post(f"/v1/cases/{case_id}/court-enforcement", headers=EXECUTOR)
    assert applied.status_code == 200, applied.text
    court = await published(cases, "cases.court_enforcement.applied.v1", case_id)
    assert (court["decision_number"], court["employer"]["credit_code"]) == (
        overdue["decision_number"], CREDIT_CODE)


async def test_r_crd_2_closing_publishes_the_employer_and_the_workers_satisfaction(cases):
    case_id = await registered_case(cases)
    assert (await order(cases, case_id)).status_code == 201
    assert (await comply(cases, case_id, [await payment_proof(cases, case_id)])).status_code == 200
    url = f"/v1/cases/{case_id}/close"
    wrong = await cases.client.post(url, json={"reason": "已整改，结案", "worker_satisfaction": "so-so"},
                                    headers=BRIGADE_CHIEF)
    assert wrong.status_code == 422 and wrong.headers["content-type"].startswith(
        "application/problem+json")
    closed = await cases.client.post(url, json={"reason": "已整改，结案",
                                                "worker_satisfaction": "basically_satisfied"},
                                     headers=BRIGADE_CHIEF)
    assert closed.status_code == 204, closed.text
    event = await published(cases, "cases.case.closed.v1", case_id)
    assert (event["employer"]["credit_code"], event["worker_satisfaction"]) == (
        CREDIT_CODE, "basically_satisfied")
