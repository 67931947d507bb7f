"""Early warnings on the real database and broker (R-CRD-3): shared data arrives in the ingestion
tables with the employer queued in `evaluations_due`, as ingestion writes them."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from credit.ingestion.models import evaluations_due
from labor_contracts.credit import WageWarningCleared, WageWarningRaised
from labor_runtime.testing import eventually, probing
from labor_runtime.workers import created_work
from sqlalchemy.dialects.postgresql import insert

from .conftest import CODE, bearer, credit_code, load_grids, start_credit

pytestmark = pytest.mark.integration

RAISED, CLEARED = WageWarningRaised.event_type, WageWarningCleared.event_type
OTHER = credit_code("91350100M00020000")
D01 = bearer("officer_a", district="d01")
EMPLOYER = {"name": "某某建筑工程有限公司", "grid": "350102001001", "district": "d01",
            "industry": "construction"}
NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)


@pytest.fixture
async def events(infrastructure, bus_prefix):
    async with probing(infrastructure.amqp_url, f"{bus_prefix}labor.events",
                       [RAISED, CLEARED]) as probe:
        yield probe


@pytest.fixture
async def credit(infrastructure, bus_prefix, events):
    async with start_credit(infrastructure, bus_prefix, warning_poll_seconds=0.2) as service:
        yield service


async def shared(service, sql: str = "", *, queued: tuple[str, ...] = (CODE,), **params) -> None:
    """Write shared data and queue the employers, as ingestion does: one transaction that marks
    the new work for the evaluator."""
    async with service.runtime.uow() as uow:
        for statement in filter(str.strip, sql.split(";")):
            await uow.session.execute(sa.text(statement), params)
        await uow.session.execute(queue(*queued))
        created_work(uow.session, evaluations_due)
        await uow.commit()


def queue(*codes: str) -> sa.Insert:
    statement = insert(evaluations_due).values(
        [{"credit_code": code, "queued_at": sa.func.clock_timestamp()} for code in codes])
    return statement.on_conflict_do_update(index_elements=["credit_code"],
                                           set_={"queued_at": statement.excluded.queued_at})


PAYROLL = ("INSERT INTO payroll_months (credit_code, account, month, balance, wages_payable, "
           "batch_id) VALUES (:code, '6222-01', :nov, 500000, 100000, 'b-pay-11'), "
           "(:code, '6222-01', :dec, 90000, 100000, 'b-pay-12');")
INSURANCE = ("INSERT INTO insurance_months (credit_code, month, employees, insured, batch_id) "
             "VALUES (:code, :nov, 40, 37, 'b-ins-11'), (:code, :dec, 40, 35, 'b-ins-12');")
DEBTOR = ("INSERT INTO judgment_debtors (credit_code, court_case_number, court, amount, "
          "listed_on, batch_id) VALUES (:code, '(2026)闽0102执123号', '某区人民法院', 80000, "
          ":nov, 'b-court-1');")


async def drained(service) -> None:
    async def empty() -> bool:
        async with service.runtime.engine.connect() as conn:
            return (await conn.execute(sa.text("SELECT count(*) FROM evaluations_due"))
                    ).scalar_one() == 0

    await eventually(empty)


async def rows(service, sql: str, **params) -> list:
    async with service.runtime.engine.connect() as conn:
        return (await conn.execute(sa.text(sql), params)).all()


async def test_r_crd_3_each_level_raised_once_however_often_reevaluated(credit, events):
    assert (await load_grids(credit)).status_code == 200
    assert (await credit.client.put(f"/v1/employers/{CODE}", json=EMPLOYER,
                                    headers=D01)).status_code == 201
    await shared(credit, PAYROLL + INSURANCE + DEBTOR, code=CODE, nov=NOV, dec=DEC)
    raised = await events.wait_for(RAISED, 3)
    for _ in range(3):  # the same data, queued again and again
        await shared(credit)
        await drained(credit)
    assert len(await rows(credit, "SELECT id FROM wage_warnings")) == 3
    by_level = {e.data["level"]: e.data for e in raised}
    assert set(by_level) == {"yellow", "orange", "red"}
    yellow, orange, red = by_level["yellow"], by_level["orange"], by_level["red"]
    assert (yellow["cause"], yellow["period"]) == ("special_account_short", "2026-12")
    assert yellow["evidence"][0].startswith("special-account balance at the end of 2026-12: "
                                            "90,000.00 yuan (accounts 6222-01)")
    assert (orange["period"], orange["evidence"]) == ("2026-12", [
        "2026-11: 3 of 40 employees uninsured (batch b-ins-11)",
        "2026-12: 5 of 40 employees uninsured (batch b-ins-12)"])
    assert red["period"] == "(2026)闽0102执123号" and "b-court-1" in red["evidence"][0]
    assert (red["employer_name"], red["district"], red["grid"]) == (
        "某某建筑工程有限公司", "d01", "350102001001")
    announced = await rows(credit, "SELECT id FROM outbox WHERE routing_key = :k", k=RAISED)
    assert len(announced) == 3  # once per cause and period
    history = await rows(credit, "SELECT kind, summary FROM employer_history "
                         "WHERE credit_code = :c AND kind = 'warning_raised'", c=CODE)
    assert len(history) == 3 and any("red warning" in line.summary for line in history)


async def test_r_crd_3_only_queued_employers_are_evaluated(credit, events):
    await shared(credit, DEBTOR + DEBTOR.replace(":code", ":other"), code=CODE, other=OTHER,
                 nov=NOV)
    await drained(credit)
    [warning] = await rows(credit, "SELECT credit_code, level FROM wage_warnings")
    assert tuple(warning) == (CODE, "red")  # OTHER has the same data but was not queued


async def test_r_crd_3_queued_by_another_process_is_found_at_the_poll(credit, events):
    async with credit.runtime.engine.begin() as conn:  # a commit this process does not see
        await conn.execute(sa.text(DEBTOR), {"code": CODE, "nov": NOV})
        await conn.execute(queue(CODE))
    await events.wait_for(RAISED)
    await drained(credit)


async def test_r_crd_3_cleared_when_the_cause_ends(credit, events):
    await shared(credit, PAYROLL + DEBTOR, code=CODE, nov=NOV, dec=DEC)
    await events.wait_for(RAISED, 2)
    await shared(credit, "UPDATE payroll_months SET balance = 120000 WHERE month = :dec; "
                 "UPDATE judgment_debtors SET removed_on = :dec;", dec=DEC)
    cleared = await events.wait_for(CLEARED, 2)
    warning_ids = {e.data["warning_id"] for e in events.of(RAISED)}
    assert {e.data["warning_id"] for e in cleared} == warning_ids
    assert {e.data["reason"] for e in cleared} == {
        "cause ended: the special-account balance covers the payable wages again",
        "cause ended: no longer on the judgment-debtor list"}
    city = bearer("detachment_chief")
    listed = (await credit.client.get("/v1/warnings?active=false", headers=city)).json()
    assert {w["id"] for w in listed} == warning_ids
    assert all(w["cleared_reason"].startswith("cause ended") for w in listed)
    assert (await credit.client.get("/v1/warnings?active=true", headers=city)).json() == []
    lines = await rows(credit, "SELECT kind FROM employer_history WHERE credit_code = :c", c=CODE)
    assert sorted(k for (k,) in lines) == ["warning_cleared"] * 2 + ["warning_raised"] * 2
    # the same shortfall a month later is a new period: a new warning
    await shared(credit, "INSERT INTO payroll_months VALUES (:c, '6222-01', '2027-01-01', NULL, "
                 "1000, 0, 'b-pay-1');", c=CODE)
    [again] = [e for e in await events.wait_for(RAISED, 3) if e.data["period"] == "2027-01"]
    assert again.data["level"] == "yellow"


async def test_r_crd_3_staff_see_their_districts_warnings_only(credit, events):
    assert (await load_grids(credit)).status_code == 200
    assert (await credit.client.put(f"/v1/employers/{CODE}", json=EMPLOYER,
                                    headers=D01)).status_code == 201
    await shared(credit, DEBTOR + DEBTOR.replace(":code", ":other"), queued=(CODE, OTHER),
                 code=CODE, other=OTHER, nov=NOV)
    await events.wait_for(RAISED, 2)
    d02 = bearer("officer_a", district="d02")
    mine = (await credit.client.get("/v1/warnings?level=red", headers=D01)).json()
    assert [w["credit_code"] for w in mine] == [CODE]
    assert (await credit.client.get("/v1/warnings", headers=d02)).json() == []
    refused = await credit.client.get("/v1/warnings?district=d01", headers=d02)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (await credit.client.get(f"/v1/employers/{CODE}/warnings",
                                    headers=d02)).status_code == 404
    assert len((await credit.client.get(f"/v1/employers/{CODE}/warnings",
                                        headers=D01)).json()) == 1
    city = (await credit.client.get(f"/v1/employers/{OTHER}/warnings",
                                    headers=bearer("detachment_chief"))).json()
    assert city[0]["employer_name"] is None  # raised for an employer not in the register yet
    assert (await credit.client.get("/v1/warnings?level=purple",
                                    headers=D01)).status_code == 422
    assert (await credit.client.get("/v1/warnings?district=d%0001",
                                    headers=bearer("detachment_chief"))).status_code == 422


async def test_r_crd_3_two_replicas_raise_each_warning_once(credit, infrastructure, bus_prefix):
    """Two evaluators on one database, each woken by its own process's queueing and polling for
    the other's (`SKIP LOCKED` claims): every employer evaluated, every warning raised once."""
    codes = [f"E{n:04d}" for n in range(600)]
    async with start_credit(infrastructure, bus_prefix, database_url=credit.database_url,
                            warning_poll_seconds=0.2, warning_batch_size=50) as replica:
        async with credit.runtime.engine.begin() as conn:
            await conn.execute(sa.text(
                "INSERT INTO judgment_debtors SELECT code, '(2026)闽0102执1号', '某区人民法院', "
                "1000, :nov, NULL, 'b-court' FROM unnest(CAST(:codes AS text[])) code"),
                {"codes": codes, "nov": NOV})
        await shared(credit, queued=tuple(codes[:300]))
        await shared(replica, queued=tuple(codes[300:]))
        await drained(credit)
        warnings = await rows(credit, "SELECT credit_code FROM wage_warnings")
        announced = await rows(credit, "SELECT count(*) FROM outbox WHERE routing_key = :k",
                               k=RAISED)
    assert sorted(code for (code,) in warnings) == codes
    assert announced[0][0] == len(codes)
