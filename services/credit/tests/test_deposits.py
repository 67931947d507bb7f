"""Wage guarantee deposits (R-CRD-6): the pure rules, then on the real database and broker the
project and deposit API, the daily check's findings once per lapse, and coverage."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from credit.deposits.flows import DailyCheck
from credit.deposits.rules import (
    NEVER,
    Deposit,
    Gap,
    Kind,
    check_day,
    coverage_rate,
    finding,
    in_progress,
    next_check,
)
from labor_contracts.credit import DepositMissing
from labor_runtime.testing import eventually, probing

from .conftest import CODE, bearer, start_credit

MISSING = DepositMissing.event_type
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 12, 4)
DEPOSIT = Deposit("dep-1", Kind.CASH, Decimal("300000"), date(2026, 3, 1), DAY)


def test_r_crd_6_a_project_without_a_deposit_is_a_finding():
    found = finding(None, DAY)
    assert found is not None and (found.gap, found.lapse) == (Gap.NONE, NEVER)


def test_r_crd_6_a_deposit_is_valid_through_its_last_day_then_lapses():
    assert finding(DEPOSIT, DAY) is None
    expired = finding(DEPOSIT, DAY + timedelta(days=1))
    assert expired is not None and (expired.gap, expired.lapse) == (Gap.EXPIRED, "dep-1")
    assert "expired after 2026-12-04" in expired.reason
    early = finding(DEPOSIT, date(2026, 2, 28))
    assert early is not None and early.gap is Gap.NOT_YET_VALID


def test_r_crd_6_coverage_rate_and_projects_in_progress():
    assert coverage_rate(3, 2) == Decimal("0.6667")
    assert coverage_rate(0, 0) == Decimal(1)
    assert in_progress(None, DAY) and in_progress(DAY, DAY)
    assert not in_progress(DAY - timedelta(days=1), DAY)


def test_r_crd_6_the_daily_check_is_due_at_its_local_time():
    at = time(1, 0)
    before = datetime(2026, 12, 4, 0, 59, tzinfo=SHANGHAI)
    after = datetime(2026, 12, 4, 1, 0, tzinfo=SHANGHAI)
    assert check_day(before, at) == date(2026, 12, 3)
    assert check_day(after, at) == DAY
    assert next_check(before, at) == after
    assert next_check(after, at) == after + timedelta(days=1)


OFFICER = bearer("officer_a", district="d01")
PROJECT = {"name": "某某小区二期", "credit_code": CODE, "district": "d01", "grid": "350102001001"}


@pytest.fixture
async def findings(infrastructure, bus_prefix):
    async with probing(infrastructure.amqp_url, f"{bus_prefix}labor.events",
                       [MISSING]) as probe:
        yield probe


@pytest.fixture
async def credit(infrastructure, bus_prefix, findings):
    async with start_credit(infrastructure, bus_prefix) as service:
        yield service


async def advance(service, days: int) -> None:
    """Move the clock `days` days on and wait for that day's check."""
    response = await service.client.post("/v1/ops/clock",
                                         json={"advance_seconds": days * 86400})
    assert response.status_code == 200, response.text
    [daily] = [w for w in service.runtime.workers if isinstance(w, DailyCheck)]
    due = check_day(service.runtime.clock.now().astimezone(SHANGHAI),
                    service.runtime.settings.deposit_check_time)

    async def checked() -> bool:
        return daily.checked == due

    await eventually(checked)


def deposit(valid_from: date, valid_until: date, **fields) -> dict:
    return {"kind": "cash", "amount": "300000", "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat(), "reason": "现金缴存凭证已核验"} | fields


async def today(service) -> date:
    return (await service.client.get("/v1/deposits/coverage", headers=OFFICER)).json()["day"]


@pytest.mark.integration
async def test_r_crd_6_finding_once_per_lapse(credit, findings):
    assert (await credit.client.put("/v1/projects/P-001", json=PROJECT,
                                    headers=OFFICER)).status_code == 201
    await advance(credit, 1)  # the next daily check: no deposit
    [first] = await findings.wait_for(MISSING)
    assert (first.subject, first.data["project_id"], first.data["credit_code"]) == (
        "P-001", "P-001", CODE)
    assert (first.data["district"], first.data["reason"]) == (
        "d01", "no wage guarantee deposit recorded")
    await advance(credit, 1)  # still none: the same lapse, no new finding

    day = date.fromisoformat(await today(credit))
    recorded = await credit.client.put("/v1/projects/P-001/deposit", headers=OFFICER,
                                       json=deposit(day, day + timedelta(days=1)))
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["covered_today"] is True
    await advance(credit, 1)  # covered: nothing found
    await advance(credit, 1)  # lapsed after its last day: a new finding
    [_, lapsed] = await findings.wait_for(MISSING, 2)
    assert lapsed.data["reason"].startswith("the cash deposit expired after")
    await advance(credit, 1)

    async with credit.runtime.engine.connect() as conn:
        lapses = (await conn.execute(sa.text(
            "SELECT lapse FROM deposit_findings ORDER BY found_at"))).scalars().all()
        outbox = (await conn.execute(sa.text("SELECT count(*) FROM outbox WHERE routing_key = :k"),
                                     {"k": MISSING})).scalar_one()
        audited = (await conn.execute(sa.text(
            "SELECT actor, reason FROM audit_log WHERE action = 'record_wage_deposit'"))).all()
    assert lapses == [NEVER, recorded.json()["deposits"][0]["id"]] and outbox == 2
    assert [tuple(a) for a in audited] == [("officer-1", "现金缴存凭证已核验")]


@pytest.mark.integration
async def test_r_crd_6_replacements_kept_and_coverage_rate(credit, findings):
    for project_id, district in (("P-001", "d01"), ("P-002", "d01"), ("P-003", "d02")):
        who = bearer("officer_a", district=district)
        assert (await credit.client.put(f"/v1/projects/{project_id}", headers=who,
                                        json=PROJECT | {"district": district})).status_code == 201
    day = date.fromisoformat(await today(credit))
    url = "/v1/projects/P-001/deposit"
    await credit.client.put(url, headers=OFFICER, json=deposit(day, day))
    replaced = await credit.client.put(url, headers=OFFICER, json=deposit(
        day, day + timedelta(days=365), kind="bank_guarantee", bank="某银行某支行",
        guarantee_number="BH-2026-0018"))
    assert [d["kind"] for d in replaced.json()["deposits"]] == ["bank_guarantee", "cash"]
    assert replaced.json()["deposits"][0]["replaced_at"] is None
    assert replaced.json()["deposits"][1]["replaced_at"] is not None

    city = (await credit.client.get("/v1/deposits/coverage",
                                    headers=bearer("detachment_chief"))).json()
    assert (city["projects"], city["covered"], city["rate"], city["target"]) == (3, 1, "0.3333",
                                                                                 "1")
    assert {u["project_id"]: u["gap"] for u in city["uncovered"]} == {"P-002": "none",
                                                                      "P-003": "none"}
    mine = (await credit.client.get("/v1/deposits/coverage", headers=OFFICER)).json()
    assert (mine["projects"], mine["covered"], mine["rate"]) == (2, 1, "0.5000")
    metrics = (await credit.client.get("/metrics")).text
    assert "credit_deposit_coverage_ratio 0.3333" in metrics

    # R-ORG-1 and errors: another district's project is not found; a bad deposit is refused
    d02 = bearer("officer_a", district="d02")
    assert (await credit.client.put(url, headers=d02, json=deposit(day, day))).status_code == 404
    assert (await credit.client.get("/v1/projects/P-001", headers=d02)).status_code == 404
    bad = await credit.client.put(url, headers=OFFICER, json=deposit(
        day, day, kind="bank_guarantee"))
    assert bad.status_code == 422
    assert "bank guarantee names its bank" in bad.text
    backwards = await credit.client.put(url, headers=OFFICER,
                                        json=deposit(day, day - timedelta(days=1)))
    assert backwards.status_code == 422
    grid_worker = bearer("grid_worker", district="d01")
    assert (await credit.client.put(url, headers=grid_worker,
                                    json=deposit(day, day))).status_code == 403
    wrong = await credit.client.put("/v1/projects/P-009", headers=OFFICER,
                                    json=PROJECT | {"credit_code": "91350100M000100Y44"})
    assert wrong.status_code == 422
    for nul in ({"name": "a\u0000b"}, {"district": "d\u0000"}):  # PostgreSQL text holds no NUL
        assert (await credit.client.put("/v1/projects/P-009", headers=OFFICER,
                                        json=PROJECT | nul)).status_code == 422
    assert (await credit.client.put(url, headers=OFFICER, json=deposit(
        day, day, reason="\u0000"))).status_code == 422
    assert (await credit.client.get("/v1/deposits/coverage?district=%00",
                                    headers=bearer("detachment_chief"))).status_code == 422


@pytest.mark.integration
async def test_r_crd_6_a_project_that_ended_needs_no_deposit(credit, findings):
    day = date.fromisoformat(await today(credit))
    await credit.client.put("/v1/projects/P-001", headers=OFFICER,
                            json=PROJECT | {"ends_on": day.isoformat()})
    await advance(credit, 1)
    assert findings.of(MISSING) == []
    coverage = (await credit.client.get("/v1/deposits/coverage", headers=OFFICER)).json()
    assert (coverage["projects"], coverage["rate"]) == (0, "1.0000")


async def test_issue10_finding_2_a_deposit_beyond_the_money_columns_or_without_a_reason_is_refused(
        credit):
    deposit = {"kind": "bank_guarantee", "amount": "300000", "bank": "某银行某支行",
               "guarantee_number": "BH-2026-0018", "valid_from": "2026-03-01",
               "valid_until": "2027-06-30", "reason": "保函原件已核验"}
    for change, location in (({"amount": "1e30"}, "body.amount"), ({"amount": "Infinity"}, "body.amount"),
                             ({"reason": "  "}, "body.reason"), ({"bank": " "}, "body.bank")):
        refused = await credit.client.put("/v1/projects/any/deposit", json={**deposit, **change},
                                          headers=bearer("officer_a", district="d01"))
        assert refused.status_code == 422, refused.text
        assert [e["location"] for e in refused.json()["errors"]] == [location]
