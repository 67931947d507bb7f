"""Oversight on the real database and broker: the monthly review draw (R-CASE-9), case metrics
and their gauges (R-CASE-10), audited decisions (R-OVS-2), the working-day calendar."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from cases.oversight import rules
from cases.workdays import flows as workdays
from labor_runtime.clock import BUREAU_TZ
from labor_runtime.testing import eventually

from .conftest import BRIGADE_CHIEF, DETACHMENT_CHIEF, OFFICER, REVIEWER, auth, complaint

pytestmark = pytest.mark.integration

INTAKE = "/services/intake"
OPS = auth("ops", subject="ops-1")
DISTRICT_DETACHMENT = auth("detachment_chief", subject="chief-x", district="d01")
D02_CHIEF = auth("brigade_chief", subject="chief-d02", district="d02")


async def registered_cases(service, count: int) -> list[str]:
    sent = [complaint(worker_count=6, received_at=service.runtime.clock.now()) for _ in range(count)]
    await asyncio.gather(*(service.upstream.send(c, source=INTAKE) for c in sent))

    async def all_registered() -> bool:
        async with service.runtime.engine.connect() as conn:
            return (await conn.execute(sa.text(
                "SELECT count(*) FROM cases WHERE registered_at IS NOT NULL"))).scalar_one() >= count

    await eventually(all_registered)
    async with service.runtime.engine.connect() as conn:
        return sorted((await conn.execute(sa.text("SELECT id FROM cases"))).scalars())


def local_today(service) -> date:
    return service.runtime.clock.now().astimezone(BUREAU_TZ).date()


def next_month_start(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


async def test_r_case_9_monthly_draw_is_recorded_and_reproducible(cases):
    population = await registered_cases(cases, 12)
    today = local_today(cases)
    month = f"{today.year}-{today.month:02d}"
    early = await cases.client.post("/v1/oversight/review-draws", json={"month": month},
                                    headers=DETACHMENT_CHIEF)
    assert early.status_code == 409 and early.json()["type"].endswith("/month-not-over")

    cases.runtime.clock.advance(timedelta(days=(next_month_start(today) - today).days + 1))
    assert (await cases.client.post("/v1/oversight/review-draws", json={"month": month},
                                    headers=OFFICER)).status_code == 403
    assert (await cases.client.post("/v1/oversight/review-draws", json={"month": month},
                                    headers=DISTRICT_DETACHMENT)).status_code == 403
    response = await cases.client.post("/v1/oversight/review-draws", json={"month": month},
                                       headers=DETACHMENT_CHIEF)
    assert response.status_code == 201, response.text
    draw = response.json()
    assert draw["population"] == population and len(draw["selected"]) == 2  # ceil(12 × 10%)
    assert draw["reproduced"] is True and draw["drawn_by"] == "chief-zhao"
    assert rules.draw(draw["seed"], list(reversed(population)), Decimal("0.10")) == draw["selected"]
    assert [c["case_id"] for c in draw["cases"]] == draw["selected"]

    again = await cases.client.post("/v1/oversight/review-draws", json={"month": month},
                                    headers=DETACHMENT_CHIEF)
    assert again.status_code == 409 and again.json()["type"].endswith("/already-drawn")
    read = (await cases.client.get(f"/v1/oversight/review-draws/{month}", headers=REVIEWER)).json()
    assert (read["seed"], read["selected"]) == (draw["seed"], draw["selected"])
    other = (await cases.client.get(f"/v1/oversight/review-draws/{month}", headers=D02_CHIEF)).json()
    assert other["selected"] == draw["selected"] and other["cases"] == []  # d01's cases hidden
    assert (await cases.client.get(f"/v1/oversight/review-draws/{month}",
                                   headers=OFFICER)).status_code == 403

    public = (await cases.client.get(f"/v1/public/review-draws/{month}")).json()
    assert public["seed"] == draw["seed"] and public["population_size"] == 12
    assert public["population_sha256"] == hashlib.sha256("\n".join(population).encode()).hexdigest()
    assert "population" not in public and "selected" not in public

    async with cases.runtime.session() as session:
        reasons = list((await session.execute(sa.text(
            "SELECT reason FROM audit_log WHERE action = 'review.draw'"))).scalars())
        with pytest.raises(sa.exc.DBAPIError):  # the recorded draw is append-only
            await session.execute(sa.text("UPDATE review_draws SET seed = 'x'"))
    assert reasons == [f"R-CASE-9 seed {draw['seed']}: 2 of 12 cases (sha256-rank-v1)"]


async def test_r_case_9_an_announced_seed_is_used(cases):
    await registered_cases(cases, 3)
    today = local_today(cases)
    month = f"{today.year}-{today.month:02d}"
    cases.runtime.clock.advance(timedelta(days=(next_month_start(today) - today).days + 1))
    draw = (await cases.client.post("/v1/oversight/review-draws",
                                    json={"month": month, "seed": "lottery-20261201-517"},
                                    headers=DETACHMENT_CHIEF)).json()
    assert draw["seed"] == "lottery-20261201-517"
    assert draw["selected"] == rules.draw("lottery-20261201-517", draw["population"], Decimal("0.1"))
    assert (await cases.client.get("/v1/oversight/review-draws/2020-01",
                                   headers=DETACHMENT_CHIEF)).status_code == 404


async def decision(service, case_id: str, *, fine: str, decided_at: datetime,
                   published_at: datetime | None) -> None:
    """A signed decision as the penalty flow records it (document, approved proposal, decision):
    the metrics are a read model over these rows."""
    ids = {k: f"{k}-{case_id}-{decided_at.date()}" for k in ("doc", "proposal", "decision")}
    async with service.runtime.engine.begin() as conn:
        await conn.execute(sa.text(
            "INSERT INTO documents (id, case_id, kind, title, number, recipient, content_type, "
            "content, sha256, verify_url, issued_by, issued_at) VALUES (:doc, :case, "
            "'penalty_decision', '行政处罚决定书', :doc, '{}', 'application/pdf', '\\x00', "
            "'00', 'https://x', 'chief-zhao', :at)"), {**ids, "case": case_id, "at": decided_at})
        await conn.execute(sa.text(
            "INSERT INTO penalty_proposals (id, case_id, status, violation, legal_basis, fine_amount, "
            "party_name, notice_required, proposed_by, proposed_at) VALUES (:proposal, :case, "
            "'approved', '拖欠工资', '条例第五十七条', :fine, '某某公司', false, 'officer-zhang', :at)"),
            {**ids, "case": case_id, "fine": Decimal(fine), "at": decided_at})
        await conn.execute(sa.text(
            "INSERT INTO penalty_decisions (id, case_id, proposal_id, decision_number, document_id, "
            "signed_by, decided_at, publish_by, published_at) VALUES (:decision, :case, :proposal, "
            ":decision, :doc, 'chief-zhao', :at, :by, :published)"),
            {**ids, "case": case_id, "at": decided_at, "published": published_at,
             "by": decided_at.astimezone(BUREAU_TZ).date() + timedelta(days=7)})


async def test_r_case_10_metrics_endpoint_and_gauges(cases):
    first, second, third = await registered_cases(cases, 3)
    now = cases.runtime.clock.now()
    await decision(cases, first, fine="5000.00", decided_at=now, published_at=now)
    await decision(cases, second, fine="3000.00", decided_at=now - timedelta(days=2),
                   published_at=None)  # due in 5 days: not counted yet
    a_year_ago = now.replace(year=now.year - 1)
    await decision(cases, third, fine="4000.00", decided_at=a_year_ago, published_at=None)

    await cases.app.state.case_gauges.refresh()
    scrape = (await cases.client.get("/metrics")).text
    assert 'cases_fines_yuan{period="current"} 8000.0' in scrape
    assert 'cases_fines_yuan{period="previous_year"} 4000.0' in scrape
    assert "cases_fines_year_on_year 1.0" in scrape
    assert "cases_publication_rate 1.0" in scrape

    today = local_today(cases)
    window = {"from": today.isoformat(), "to": (today + timedelta(days=90)).isoformat()}
    cases.runtime.clock.advance(timedelta(days=61))  # past the 60-day closure deadline
    response = await cases.client.get("/v1/metrics/cases", params=window, headers=DETACHMENT_CHIEF)
    assert response.status_code == 200, response.text
    metrics = response.json()
    assert metrics["from"] == window["from"] and metrics["district"] is None
    assert metrics["on_time_closure"] == {"rate": "0.0000", "met": 0, "due": 3,
                                          "target": "0.98", "meets_target": False}
    assert metrics["average_handling_hours"] is None and metrics["closed"] == 0
    # the second decision's 7-day publication deadline has passed unpublished
    assert metrics["publication"] == {"rate": "0.5000", "met": 1, "due": 2, "target": "1",
                                      "meets_target": False}
    assert Decimal(metrics["fines"]["current_yuan"]) == Decimal("5000")  # second was 2 days before
    assert metrics["fines"]["decisions"] == 1
    assert metrics["review_litigation_loss"]["available"] is False

    own = (await cases.client.get("/v1/metrics/cases", params=window, headers=D02_CHIEF)).json()
    assert own["district"] == "d02" and own["on_time_closure"]["due"] == 0
    assert (await cases.client.get("/v1/metrics/cases", params={**window, "district": "d01"},
                                   headers=D02_CHIEF)).status_code == 403
    assert (await cases.client.get("/v1/metrics/cases", params=window,
                                   headers=OFFICER)).status_code == 403
    assert (await cases.client.get("/v1/metrics/cases", params=window, headers=OPS)).status_code == 200
    backwards = {"from": window["to"], "to": window["from"]}
    assert (await cases.client.get("/v1/metrics/cases", params=backwards,
                                   headers=OPS)).status_code == 400


async def test_working_day_calendar_is_loaded_applied_and_reloaded(cases):
    table = {"holidays": [{"day": f"2026-10-0{d}", "name": "国庆节"} for d in range(1, 8)],
             "workdays": [{"day": "2026-10-10", "name": "国庆节调休"}]}
    assert (await cases.client.put("/v1/ops/calendar/2026", json=table,
                                   headers=OFFICER)).status_code == 403
    assert (await cases.client.put("/v1/ops/calendar/2026", json=table,
                                   headers=DISTRICT_DETACHMENT)).status_code == 403
    bad = await cases.client.put("/v1/ops/calendar/2026", headers=OPS, json={
        "holidays": [], "workdays": [{"day": "2026-10-12"}]})
    assert bad.status_code == 422 and "weekdays" in bad.json()["detail"]
    response = await cases.client.put("/v1/ops/calendar/2026", json=table, headers=OPS)
    assert response.status_code == 200, response.text
    assert len(response.json()["days"]) == 8

    calendar = cases.runtime.calendar
    assert not calendar.is_working_day(date(2026, 10, 1)) and calendar.is_working_day(date(2026, 10, 10))
    start = datetime(2026, 9, 30, 2, 0).astimezone(BUREAU_TZ)
    assert calendar.add_days(start, 3, working=True).date() == date(2026, 10, 10)

    # A replica starting later (or the periodic refresh) reads the same table from the database.
    calendar.holidays, calendar.workdays = frozenset(), frozenset()
    assert await workdays.reload(cases.runtime) == 8
    assert not calendar.is_working_day(date(2026, 10, 2))

    # Loading the year again replaces it.
    replaced = await cases.client.put("/v1/ops/calendar/2026", headers=DETACHMENT_CHIEF,
                                      json={"holidays": [{"day": "2026-10-01"}]})
    assert [d["day"] for d in replaced.json()["days"]] == ["2026-10-01"]
    assert calendar.is_working_day(date(2026, 10, 2)) and not calendar.is_working_day(date(2026, 10, 10))
    read = (await cases.client.get("/v1/ops/calendar/2026", headers=BRIGADE_CHIEF)).json()
    assert read["days"][0]["loaded_by"] == "chief-zhao"
    async with cases.runtime.engine.connect() as conn:
        assert (await conn.execute(sa.text(
            "SELECT count(*) FROM audit_log WHERE action = 'calendar.load'"))).scalar_one() == 2
