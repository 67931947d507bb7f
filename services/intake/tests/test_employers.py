"""R-INT-6 employer matching and linking: complaints against one employer add up."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from intake.employers.flows import match
from intake.employers.rules import address_key, employer_key, grid_conflict, normalized
from labor_contracts.cases import CaseRegistered
from labor_contracts.envelope import Envelope
from labor_runtime.testing import plan_of, statements_sent

from .handling_support import accepted_events, bearer, file

pytestmark = pytest.mark.integration

CODE = "91350100M000100Y43"
OFFICER = bearer("officer_a")


def test_r_int_6_names_normalize_across_widths_brackets_and_spaces():
    assert normalized("某某建筑（福州） 有限公司") == normalized("某某建筑(福州)有限公司")
    assert normalized("ＡＢＣ Ｌｔｄ.") == normalized("abc ltd")
    assert normalized(None) == ""
    assert employer_key(CODE, "x", "y") == f"cc:{CODE}"
    assert employer_key(None, "x", "y") == employer_key(None, "x", "y") != employer_key(None, "x", "z")
    assert grid_conflict("g1", "g2") and not grid_conflict(None, "g2") and not grid_conflict("g1", "g1")


async def test_r_int_6_complaints_against_one_employer_add_up_on_the_accepted_event(intake):
    employer = {"credit_code": CODE, "name": "某某建筑工程有限公司", "address": "某市某区某路1号"}
    await file(intake, employer=employer, worker_count=3, arrears_amount="30000.00", project="一号楼")
    await file(intake, employer={**employer, "name": "某某建筑工程 有限公司", "address": None},
               worker_count=3, arrears_amount="80000.00", project="一号楼")
    # named without a code: matched by normalized name and address
    await file(intake, employer={"name": "某某建筑工程有限公司 ", "address": "某市某区某路１号"},
               worker_count=1, arrears_amount="5000.50", project="二号楼")
    await file(intake, employer={"name": "另一家公司"}, worker_count=2, arrears_amount="100.00")
    events = await accepted_events(intake)
    linked = [(e["linked_complaints"], e["total_worker_count"], e["total_arrears_amount"])
              for e in events]
    assert linked == [(1, 3, "30000.00"), (2, 6, "110000.00"), (3, 7, "115000.50"), (1, 2, "100.00")]
    assert len({e["employer_id"] for e in events[:3]}) == 1
    assert events[3]["employer_id"] != events[0]["employer_id"]
    assert [e["project"] for e in events] == ["一号楼", "一号楼", "二号楼", None]

    view = (await intake.client.get(f"/v1/employers/{events[0]['employer_id']}", headers=OFFICER)).json()
    assert (view["credit_code"], view["open_complaints"], view["open_worker_count"]) == (CODE, 3, 7)
    assert Decimal(view["open_arrears_amount"]) == Decimal("115000.50")
    by_project = {p["project"]: (p["complaints"], p["worker_count"]) for p in view["projects"]}
    assert by_project == {"一号楼": (2, 6), "二号楼": (1, 1)}
    found = await intake.client.get("/v1/employers", params={"credit_code": CODE.lower()},
                                    headers=OFFICER)
    assert found.json() == {"employer_ids": [events[0]["employer_id"]]}
    bad = await intake.client.get("/v1/employers", params={"credit_code": CODE[:-1] + "4"},
                                  headers=OFFICER)
    assert bad.status_code == 422


async def test_r_int_6_a_name_only_employer_adopts_the_credit_code_when_it_comes(intake):
    await file(intake, employer={"name": "无名劳务公司", "address": "某路2号"}, worker_count=2)
    await file(intake, employer={"credit_code": CODE, "name": "无名劳务公司", "address": "某路2号"},
               worker_count=4)
    first, second = await accepted_events(intake)
    assert first["employer_id"] == second["employer_id"]
    assert (second["linked_complaints"], second["total_worker_count"]) == (2, 6)
    view = (await intake.client.get(f"/v1/employers/{first['employer_id']}", headers=OFFICER)).json()
    assert view["credit_code"] == CODE


async def test_r_int_6_answered_complaints_no_longer_add_up(intake):
    one = await file(intake, worker_count=3, arrears_amount="1000.00")
    await file(intake, worker_count=1, arrears_amount="500.00")
    data = CaseRegistered(case_id="case-1", case_number="某劳监立〔2026〕1",
                          complaint_ids=[one["complaint_id"]], registered_at=datetime.now(UTC),
                          immediate=False)
    for _ in range(2):  # a redelivered event is answered by the inbox, but even the handler is safe
        async with intake.runtime.uow() as uow:
            envelope = Envelope(source="/services/cases", type=data.event_type,
                                data=data.model_dump(mode="json"))
            await intake.runtime.handlers[data.event_type](uow, envelope, data)
            await uow.commit()
    third = await file(intake, worker_count=2, arrears_amount="10.00")
    events = await accepted_events(intake)
    assert (events[-1]["linked_complaints"], events[-1]["total_worker_count"],
            events[-1]["total_arrears_amount"]) == (2, 3, "510.00")
    assert third["status"] == "received"


@pytest.mark.parametrize("credit_code", ["91350100M000100Y43", None])
async def test_r_int_6_matching_an_employer_reads_an_index_whatever_is_stored(intake, credit_code):
    """Cost flat with data: with 100,000 employers stored, matching one (by credit code, else by
    name and address, in one statement) reads through indexes, not every employer."""
    engine = intake.runtime.engine
    async with engine.begin() as conn:
        await conn.execute(sa.text(
            "INSERT INTO employers (id, credit_code, name, name_key, address_key, first_seen_at, "
            "updated_at) SELECT 'e' || i, CASE WHEN i % 2 = 0 THEN 'C' || i END, 'n' || i, "
            "'n' || i, 'a' || i, now(), now() FROM generate_series(1, 100000) AS i"))
        await conn.execute(sa.text("ANALYZE employers"))
    async with engine.connect() as conn, statements_sent(conn) as sent:
        found = await match(conn, credit_code=credit_code, name="某某建筑工程有限公司",
                            address="某市某区某路1号")
    assert found.id == employer_key(credit_code, normalized("某某建筑工程有限公司"),
                                    address_key("某市某区某路1号"))  # none stored: a new key
    [(statement, parameters)] = sent
    plan = await plan_of(engine, statement, parameters)
    assert "Seq Scan on employers" not in plan, plan
