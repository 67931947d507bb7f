"""Deadlines named in WORKING_DAY_DEADLINES are counted on the holiday table by the flows that set
them, on the real database and broker (calendar days stay the default)."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import pypdf
import pytest
import sqlalchemy as sa
from cases.__main__ import MIGRATIONS
from cases.app import create_app
from cases.settings import CasesSettings
from labor_runtime.clock import BUREAU_TZ
from labor_runtime.testing import eventually, running_service

from .conftest import DETACHMENT_CHIEF, OFFICER, Upstream, auth, later
from .test_oversight import registered_cases
from .test_penalty import (
    approved,
    case,
    decide,
    decided_and_served,
    registered_case,
    serve,
    timer,
    until_state,
)
from .test_rectification import order

pytestmark = pytest.mark.integration

OPS = auth("ops", subject="ops-1")
NATIONAL_DAY = {"holidays": [{"day": f"2026-10-0{d}", "name": "国庆节"} for d in range(1, 8)],
                "workdays": [{"day": "2026-10-10", "name": "国庆节调休"}]}
SERVED = datetime(2026, 9, 30, 10, 0, tzinfo=BUREAU_TZ)  # a Wednesday, the eve of the holiday


@pytest.fixture
async def working_days(infrastructure, bus_prefix):
    async with running_service(CasesSettings, create_app, MIGRATIONS, infrastructure, bus_prefix,
                               public_base_url="https://cases.example.gov.cn",
                               working_day_deadlines=[
                                   "notice_period", "hearing", "payment", "reminder",
                                   "court_enforcement", "publication", "rectification",
                                   "case_closure"]) as service:
        async def consuming() -> bool:
            return service.runtime.consumer.consuming.is_set()

        await eventually(consuming)
        service.upstream = Upstream(infrastructure.amqp_url, f"{bus_prefix}labor.events")
        loaded = await service.client.put("/v1/ops/calendar/2026", json=NATIONAL_DAY, headers=OPS)
        assert loaded.status_code == 200, loaded.text
        try:
            yield service
        finally:
            await service.upstream.publisher.close()


async def at(service, moment: datetime) -> None:
    """Set the service's clock to `moment` (back or forth) and sweep the timers due by then."""
    await later(service, moment - service.runtime.clock.now())


def local_date_of(moment: str | datetime) -> date:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(BUREAU_TZ).date()


async def test_r_case_5_notice_period_in_working_days_skips_the_national_day(working_days):
    case_id = await registered_case(working_days)
    proposal = await approved(working_days, case_id, fine="30000.00")
    await serve(working_days, case_id, proposal["notice_document_id"], "penalty_notice", SERVED)
    view = await until_state(working_days, case_id, "notice_served")
    # 3 working days: Oct 8, Oct 9 and Saturday Oct 10 (a make-up working day); not Oct 3.
    assert datetime.fromisoformat(view["notice_period_ends_at"]) == datetime(
        2026, 10, 10, 10, 0, tzinfo=BUREAU_TZ)


async def test_r_case_6_payment_due_in_working_days_skips_the_national_day(working_days):
    case_id = await registered_case(working_days)
    await approved(working_days, case_id, fine="5000.00")
    decision = (await decide(working_days, case_id)).json()
    await serve(working_days, case_id, decision["document_id"], "penalty_decision", SERVED)

    async def due_set() -> bool:
        return (await case(working_days, case_id))["payment_due_at"] is not None

    await eventually(due_set)
    view = (await working_days.client.get(f"/v1/cases/{case_id}", headers=OFFICER)).json()
    # 15 working days: Oct 8, 9, 10 (调休), 12–16, 19–23, 26, 27; calendar days would end Oct 15.
    assert datetime.fromisoformat(view["payment_due_at"]) == datetime(
        2026, 10, 27, 10, 0, tzinfo=BUREAU_TZ)


async def test_r_case_5_hearing_held_by_in_working_days_skips_the_national_day(working_days):
    await at(working_days, SERVED - timedelta(hours=1))
    case_id = await registered_case(working_days)
    proposal = await approved(working_days, case_id, fine="30000.00")
    await at(working_days, SERVED)
    await serve(working_days, case_id, proposal["notice_document_id"], "penalty_notice", SERVED)
    await until_state(working_days, case_id, "notice_served")
    asked = datetime(2026, 10, 2, 9, 0, tzinfo=BUREAU_TZ)  # on a holiday, within the notice period
    await at(working_days, asked + timedelta(minutes=30))
    response = await working_days.client.post(
        f"/v1/cases/{case_id}/hearing", json={"requested_at": asked.isoformat()}, headers=OFFICER)
    assert response.status_code == 201, response.text
    # 7 working days: Oct 8, 9, 10 (调休), 12–15; calendar days would end Oct 9.
    hold_by = datetime(2026, 10, 15, 9, 0, tzinfo=BUREAU_TZ)
    assert datetime.fromisoformat(response.json()["hold_by"]) == hold_by
    read = (await working_days.client.get(f"/v1/cases/{case_id}/hearing", headers=OFFICER)).json()
    assert datetime.fromisoformat(read["hold_by"]) == hold_by
    assert (await timer(working_days, "cases.hearing_due", case_id)).due_at == hold_by


async def test_r_case_8_publish_by_in_working_days_skips_the_national_day(working_days):
    await at(working_days, SERVED)
    case_id = await registered_case(working_days)
    await approved(working_days, case_id, fine="5000.00")
    signed = await decide(working_days, case_id)
    assert signed.status_code == 201, signed.text
    decision = signed.json()
    assert local_date_of(decision["decided_at"]) == date(2026, 9, 30)
    # 7 working days from Sep 30: Oct 8, 9, 10 (调休), 12–15; calendar days would end Oct 7.
    assert decision["publish_by"] == "2026-10-15"
    read = (await working_days.client.get(f"/v1/cases/{case_id}/decision", headers=OFFICER)).json()
    assert read["publish_by"] == "2026-10-15"
    assert (await timer(working_days, "cases.publication_due", case_id)).due_at == datetime(
        2026, 10, 16, 0, 0, tzinfo=BUREAU_TZ)  # the end of Oct 15, bureau time


async def due_on_the_eve_of_the_holiday(service) -> tuple[str, datetime]:
    """A 5,000-yuan decision served on Wednesday Sep 9: 15 working days make it due on Sep 30."""
    await at(service, datetime(2026, 9, 9, 10, 0, tzinfo=BUREAU_TZ))
    case_id, _, served_at = await decided_and_served(service)
    due = datetime.fromisoformat((await case(service, case_id))["payment_due_at"])
    assert due == served_at + timedelta(days=21) and local_date_of(due) == date(2026, 9, 30)
    return case_id, due


async def test_r_case_7_reminder_due_in_working_days_skips_the_national_day(working_days):
    case_id, due = await due_on_the_eve_of_the_holiday(working_days)
    await at(working_days, datetime(2026, 10, 5, 12, 0, tzinfo=BUREAU_TZ))  # sweeper back mid-holiday

    reasons: list[str] = []

    async def reminded() -> bool:
        timeline = (await working_days.client.get(f"/v1/cases/{case_id}/timeline",
                                                  headers=OFFICER)).json()
        reasons[:] = [e["reason"] for e in timeline if e["action"] == "issue_reminder"]
        return bool(reasons)

    await eventually(reminded)
    [reason] = reasons
    found = re.search(r" issued (in time|LATE) \(due by ([^)]+)\)", reason)
    assert found is not None, reason
    # 3 working days after Sep 30: Oct 8, 9 and 10 (调休); calendar days would end Oct 3, so a
    # reminder on Oct 5 would be late.
    remind_by = datetime.fromisoformat(found.group(2))
    assert remind_by == due + timedelta(days=10)
    assert local_date_of(found.group(2)) == date(2026, 10, 10)
    assert found.group(1) == "in time"


async def test_r_case_7_court_enforcement_in_working_days_skips_the_national_day(working_days):
    case_id, due = await due_on_the_eve_of_the_holiday(working_days)
    await at(working_days, due + timedelta(minutes=1))  # unpaid: reminder and the court deadline

    async def scheduled() -> bool:
        async with working_days.runtime.engine.connect() as conn:
            return (await conn.execute(sa.text(
                "SELECT count(*) FROM timers WHERE kind = 'cases.court_enforcement' "
                "AND subject = :s"), {"s": case_id})).scalar_one() == 1

    await eventually(scheduled)
    # 30 working days after Sep 30: Oct 8–10, then 27 more up to Tuesday Nov 17; calendar days
    # would end Oct 30.
    court_by = datetime(2026, 11, 17, 10, 0, tzinfo=BUREAU_TZ)
    deadline = (await timer(working_days, "cases.court_enforcement", case_id)).due_at
    assert deadline == due + timedelta(days=48) and local_date_of(deadline) == court_by.date()

    await at(working_days, court_by - timedelta(minutes=1))
    assert (await timer(working_days, "cases.court_enforcement", case_id)).fired_at is None
    assert (await case(working_days, case_id))["state"] == "executing"
    await later(working_days, timedelta(minutes=2))
    await until_state(working_days, case_id, "court_enforcement")


async def test_r_case_1_rectification_term_in_working_days_skips_the_national_day(working_days):
    await at(working_days, SERVED)
    case_id = await registered_case(working_days)
    given = await order(working_days, case_id)  # the default 15-day term
    assert given.status_code == 201, given.text
    view = given.json()
    ordered_at = datetime.fromisoformat(view["ordered_at"])
    assert local_date_of(view["ordered_at"]) == date(2026, 9, 30)
    # 15 working days: Oct 8, 9, 10 (调休), 12–16, 19–23, 26, 27; calendar days would end Oct 15.
    due_at = datetime.fromisoformat(view["due_at"])
    assert due_at == ordered_at + timedelta(days=27) and local_date_of(view["due_at"]) == date(2026, 10, 27)
    assert (await timer(working_days, "cases.rectification_due", case_id)).due_at == due_at
    pdf = await working_days.client.get(f"/v1/documents/{view['document_id']}/pdf", headers=OFFICER)
    text = "".join("".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
                   .split())
    assert "责令你单位于2026年10月27日前" in text


async def test_r_case_10_on_time_closure_in_working_days_skips_the_national_day(working_days):
    await at(working_days, SERVED)
    [case_id] = await registered_cases(working_days, 1)  # received now, Sep 30 10:00
    assert (await case(working_days, case_id))["state"] == "registered"
    await at(working_days, datetime(2026, 12, 31, 12, 0, tzinfo=BUREAU_TZ))

    async def closure(first: str, last: str) -> dict:
        response = await working_days.client.get("/v1/metrics/cases", params={
            "from": first, "to": last}, headers=DETACHMENT_CHIEF)
        assert response.status_code == 200, response.text
        return response.json()["on_time_closure"]

    # 60 working days from Sep 30 end on Tuesday Dec 29 (calendar days: Nov 29); the open case
    # counts as due, and missed, only in a window holding that day.
    assert await closure("2026-12-29", "2026-12-29") == {
        "rate": "0.0000", "met": 0, "due": 1, "target": "0.98", "meets_target": False}
    assert (await closure("2026-11-29", "2026-12-28"))["due"] == 0
    assert (await closure("2026-12-30", "2026-12-31"))["due"] == 0
