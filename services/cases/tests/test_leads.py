"""Inspection leads from credit (R-CRD-3 warnings, R-CRD-6 deposit findings), through the real
broker: opened once, dismissed when the warning's cause ends, taken up or dismissed by officers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from credit.__main__ import MIGRATIONS as CREDIT_MIGRATIONS
from credit.app import create_app as create_credit
from credit.settings import CreditSettings
from labor_contracts.credit import DepositMissing, WageWarningCleared, WageWarningRaised
from labor_runtime.testing import eventually, running_service
from labor_runtime.workers import created_work

from .conftest import CREDIT_CODE, auth

pytestmark = pytest.mark.integration

CREDIT = "/services/credit"
OFFICER = auth("officer_a", district="d01")


def raised(warning_id: str = "w-1", **fields) -> WageWarningRaised:
    return WageWarningRaised(**{
        "warning_id": warning_id, "credit_code": CREDIT_CODE, "employer_name": "某某建筑工程有限公司",
        "district": "d01", "grid": "d01-s03-g07", "level": "red", "cause": "judgment_debtor",
        "period": "(2026)闽0102执123号",
        "evidence": ["judgment debtor of 某区人民法院, case (2026)闽0102执123号"],
        "raised_at": datetime.now(UTC)} | fields)


def cleared(warning_id: str = "w-1") -> WageWarningCleared:
    return WageWarningCleared(
        warning_id=warning_id, credit_code=CREDIT_CODE, level="red", cause="judgment_debtor",
        period="(2026)闽0102执123号", reason="cause ended: no longer on the judgment-debtor list",
        cleared_at=datetime.now(UTC))


def missing(finding_id: str = "f-1", district: str = "d01") -> DepositMissing:
    return DepositMissing(
        finding_id=finding_id, project_id="P-001", project_name="某某小区二期",
        credit_code=CREDIT_CODE, employer_name="某某建筑工程有限公司", district=district,
        reason="no wage guarantee deposit recorded", found_at=datetime.now(UTC))


async def leads(service, headers=OFFICER, query: str = "") -> list[dict]:
    response = await service.client.get(f"/v1/leads{query}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def until_leads(service, count: int, query: str = "", headers=OFFICER) -> list[dict]:
    async def arrived() -> bool:
        return len(await leads(service, headers, query)) >= count

    await eventually(arrived)
    return await leads(service, headers, query)


async def test_r_crd_3_a_warning_opens_one_lead_however_often_announced(cases):
    envelope = await cases.upstream.send(raised(), source=CREDIT, subject=CREDIT_CODE)
    await cases.upstream.resend(envelope)  # redelivered
    await cases.upstream.send(raised(), source=CREDIT, subject=CREDIT_CODE)  # re-announced
    await cases.upstream.send(missing(), source=CREDIT, subject="P-001")  # a marker behind them
    found = await until_leads(cases, 2)
    assert sorted(lead["kind"] for lead in found) == ["deposit", "warning"]
    [lead] = [lead for lead in found if lead["kind"] == "warning"]
    assert (lead["ref"], lead["level"], lead["state"], lead["district"], lead["grid"]) == (
        "w-1", "red", "open", "d01", "d01-s03-g07")
    assert lead["summary"].startswith("red wage warning (judgment_debtor, (2026)闽0102执123号)")


async def test_r_crd_6_a_deposit_finding_opens_a_lead_of_its_district(cases):
    await cases.upstream.send(missing("f-1"), source=CREDIT, subject="P-001")
    await cases.upstream.send(missing("f-2", district="d02"), source=CREDIT, subject="P-002")
    await until_leads(cases, 2, headers=auth("detachment_chief"))
    [lead] = await leads(cases)
    assert (lead["kind"], lead["ref"], lead["level"]) == ("deposit", "f-1", None)
    assert "P-001 (某某小区二期) without a valid wage guarantee deposit" in lead["summary"]


async def test_r_crd_3_a_cleared_warning_dismisses_its_open_lead_only(cases):
    await cases.upstream.send(raised("w-1"), source=CREDIT, subject=CREDIT_CODE)
    await cases.upstream.send(raised("w-2", cause="uninsured_two_months", level="orange",
                                     period="2026-12"), source=CREDIT, subject=CREDIT_CODE)
    [second, first] = await until_leads(cases, 2)
    taken = await cases.client.post(f"/v1/leads/{second['id']}/take", headers=OFFICER,
                                    json={"reason": "纳入本周检查计划"})
    assert taken.status_code == 200 and taken.json()["taken_by"] == "officer-1"
    await cases.upstream.send(cleared("w-1"), source=CREDIT, subject=CREDIT_CODE)
    await cases.upstream.send(cleared("w-2"), source=CREDIT, subject=CREDIT_CODE)
    [dismissed] = await until_leads(cases, 1, "?state=dismissed")
    assert (dismissed["id"], dismissed["dismissed_by"], dismissed["reason"]) == (
        first["id"], "system:cause_ended", "cause ended: no longer on the judgment-debtor list")
    [still_taken] = await leads(cases, query="?state=taken")
    assert still_taken["id"] == second["id"]  # the officer keeps the lead taken up


async def test_r_crd_3_take_and_dismiss_are_the_districts_officers_with_a_reason(cases):
    await cases.upstream.send(missing("f-1"), source=CREDIT, subject="P-001")
    [lead] = await until_leads(cases, 1)
    url = f"/v1/leads/{lead['id']}"
    other = auth("officer_a", district="d02")
    assert (await cases.client.post(f"{url}/take", headers=other,
                                    json={"reason": "x"})).status_code == 404
    assert (await cases.client.post(f"{url}/take", headers=auth("reviewer_b"),
                                    json={"reason": "x"})).status_code == 403
    for reason in ("", "a\u0000"):
        assert (await cases.client.post(f"{url}/dismiss", headers=OFFICER,
                                        json={"reason": reason})).status_code == 422
    assert (await cases.client.post("/v1/leads/x%00/take", headers=OFFICER,
                                    json={"reason": "x"})).status_code == 422
    chief = auth("brigade_chief", district="d01", subject="chief-1")
    done = await cases.client.post(f"{url}/dismiss", headers=chief,
                                   json={"reason": "项目已竣工验收"})
    assert (done.json()["state"], done.json()["dismissed_by"]) == ("dismissed", "chief-1")
    again = await cases.client.post(f"{url}/take", headers=OFFICER, json={"reason": "x"})
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    async with cases.runtime.engine.connect() as conn:
        audited = (await conn.execute(sa.text(
            "SELECT actor, action, reason FROM audit_log WHERE subject = :s"),
            {"s": f"lead:{lead['id']}"})).all()
    assert [tuple(a) for a in audited] == [("chief-1", "dismiss_lead", "项目已竣工验收")]


async def test_r_crd_3_from_credits_evaluator_to_the_lead_and_back(cases, infrastructure,
                                                                   bus_prefix):
    """Edge to edge: credit evaluates shared data, raises, clears; cases opens and dismisses."""
    async with running_service(CreditSettings, create_credit, CREDIT_MIGRATIONS, infrastructure,
                               bus_prefix, warning_poll_seconds=0.2) as credit:
        async def ingest(statement: str) -> None:
            async with credit.runtime.uow() as uow:
                await uow.session.execute(sa.text(statement), {"c": CREDIT_CODE,
                                                               "nov": date(2026, 11, 1)})
                await uow.session.execute(sa.text(
                    "INSERT INTO evaluations_due VALUES (:c, clock_timestamp()) ON CONFLICT "
                    "(credit_code) DO UPDATE SET queued_at = excluded.queued_at"),
                    {"c": CREDIT_CODE})
                created_work(uow.session, "evaluations_due")
                await uow.commit()

        await ingest("INSERT INTO judgment_debtors VALUES (:c, '(2026)闽0102执9号', '某区人民法院', "
                     "80000, :nov, NULL, 'b-court-1')")
        city = auth("detachment_chief")
        [lead] = await until_leads(cases, 1, headers=city)
        assert (lead["kind"], lead["level"], lead["state"]) == ("warning", "red", "open")
        await ingest("UPDATE judgment_debtors SET removed_on = :nov WHERE credit_code = :c")
        [dismissed] = await until_leads(cases, 1, "?state=dismissed", headers=city)
        assert dismissed["reason"] == "cause ended: no longer on the judgment-debtor list"


async def test_r_org_1_r_crd_3_r_crd_1_the_readmes_credit_walk(cases, infrastructure, bus_prefix):
    """The README's credit steps with its example files, over HTTP: the grid tree loads, the
    employer is registered on a village grid, the court's debtor list arrives as a CSV upload, the
    red warning opens a lead in cases and stands in the employer's file."""
    examples = Path(__file__).parents[3] / "docs" / "examples"
    async with running_service(CreditSettings, create_credit, CREDIT_MIGRATIONS, infrastructure,
                               bus_prefix) as credit:
        loaded = await credit.client.post(
            "/v1/grids/load", params={"reason": "the city's tree"},
            content=(examples / "grids.csv").read_bytes(),
            headers=auth("detachment_chief") | {"Content-Type": "text/csv"})
        assert loaded.status_code == 200, loaded.text
        registered = await credit.client.put(f"/v1/employers/{CREDIT_CODE}", headers=OFFICER, json={
            "name": "某某建筑工程有限公司", "grid": "350102001001", "industry": "construction"})
        assert registered.status_code == 201, registered.text
        assert registered.json()["district"] == "d01"  # the grid's
        batch = await credit.client.post(
            "/v1/ingest/judgment_debtors/batches", params={"reason": "the court's monthly list"},
            content=(examples / "judgment_debtors.csv").read_bytes(),
            headers=auth("ops") | {"Content-Type": "text/csv"})
        assert batch.status_code == 201, batch.text
        assert (batch.json()["rows_changed"], batch.json()["rows_rejected"]) == (1, 0)

        [lead] = await until_leads(cases, 1)
        assert (lead["kind"], lead["level"], lead["credit_code"]) == ("warning", "red",
                                                                      CREDIT_CODE)
        file = await credit.client.get(f"/v1/employers/{CREDIT_CODE}/file",
                                       params={"reason": "walk"}, headers=OFFICER)
        assert file.status_code == 200, file.text
        assert file.json()["grid"]["code"] == "350102001001"
        kinds = {line["kind"] for line in file.json()["history"]}
        assert "warning_raised" in kinds, kinds
