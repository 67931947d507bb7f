"""Deadlines named in WORKING_DAY_DEADLINES are counted on the holiday table by the flows that set
them, on the real database and broker (calendar days stay the default)."""

from __future__ import annotations

from datetime import datetime

import pytest
from cases.__main__ import MIGRATIONS
from cases.app import create_app
from cases.settings import CasesSettings
from labor_runtime.clock import BUREAU_TZ
from labor_runtime.testing import eventually, running_service

from .conftest import OFFICER, Upstream, auth
from .test_penalty import approved, case, decide, registered_case, serve, until_state

pytestmark = pytest.mark.integration

OPS = auth("ops", subject="ops-1")
NATIONAL_DAY = {"holidays": [{"day": f"2026-10-0{d}", "name": "国庆节"} for d in range(1, 8)],
                "workdays": [{"day": "2026-10-10", "name": "国庆节调休"}]}
SERVED = datetime(2026, 9, 30, 10, 0, tzinfo=BUREAU_TZ)  # a Wednesday, the eve of the holiday


@pytest.fixture
async def working_days(infrastructure, bus_prefix):
    async with running_service(CasesSettings, create_app, MIGRATIONS, infrastructure, bus_prefix,
                               public_base_url="https://cases.example.gov.cn",
                               working_day_deadlines=["notice_period", "payment"]) as service:
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
