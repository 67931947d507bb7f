"""Shared-data ingestion on the real database, through the running app (R-CRD-3 sources)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from credit.early_warnings.flows import Evaluator
from credit.ingestion.watch import DirectoryWatch
from labor_runtime.security import issue_api_key
from labor_runtime.testing import eventually

from .conftest import bearer, credit_code, start_credit

pytestmark = pytest.mark.integration

OPS = bearer("ops", subject="ops-1")
CSV = {"Content-Type": "text/csv"}
JSONL = {"Content-Type": "application/x-ndjson"}
A, B, C = (credit_code(f"91350100MA{n:07d}") for n in (1, 2, 3))


@pytest.fixture
async def credit(infrastructure, bus_prefix, tmp_path):
    async with start_credit(infrastructure, bus_prefix, ingest_watch_dir=tmp_path / "inbox",
                            ingest_watch_poll_seconds=0.1) as service:
        # These tests read the queue ingestion leaves for early warnings: stop its consumer.
        for worker in service.runtime.workers:
            if isinstance(worker, Evaluator):
                await worker.stop()
        yield service


def csv_of(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def jsonl_of(*records: dict) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


async def upload(credit, source: str, body: bytes, headers=CSV, auth=OPS, **params):
    params.setdefault("reason", "monthly file")
    return await credit.client.post(f"/v1/ingest/{source}/batches", content=body,
                                    headers=headers | auth, params=params)


async def rows(credit, table: str) -> int:
    async with credit.runtime.engine.connect() as conn:
        return (await conn.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar_one()  # noqa: S608


async def due(credit) -> dict[str, object]:
    async with credit.runtime.engine.connect() as conn:
        result = await conn.execute(sa.text("SELECT credit_code, queued_at FROM evaluations_due"))
        return dict(result.all())


SAMPLES = {
    "attendance": (CSV, csv_of(
        "project_id,month,credit_code,project_name,district,workers_registered,workers_attended,"
        "wages_payable,wages_paid",
        f"P-001,2026-10,{A},某某小区1号楼,d01,120,98,960000.00,900000",
        f"P-001,2026-11,{A},某某小区1号楼,d01,118,101,970000.50,970000.50",
        f"P-002,2026-11,{B},某某道路改造,,40,40,320000,0")),
    "insurance": (JSONL, jsonl_of(
        {"credit_code": A, "month": "2026-10", "employees": 50, "insured": 48},
        {"credit_code": B, "month": "2026-10", "employees": 12, "insured": 12})),
    "payroll": (CSV, csv_of(
        "credit_code,account,month,project_id,balance,wages_payable",
        f"{A},6222000000000001,2026-11,P-001,1000000.00,970000.50",
        f"{B},6222000000000002,2026-11,,15000,320000")),
    "utility": (JSONL, jsonl_of(
        {"credit_code": A, "month": "2026-11", "water_m3": 320.5, "electricity_kwh": "18000"},
        {"credit_code": B, "month": "2026-11", "water_m3": 0, "electricity_kwh": 12.25})),
    "judgment_debtors": (CSV, csv_of(
        "credit_code,court_case_number,court,amount,listed_on,removed_on",
        f"{B},(2026)闽0102执123号,某市某区人民法院,86000,2026-09-01,",
        f"{A},(2025)闽0102执77号,某市某区人民法院,12000,2025-03-02,2025-06-30")),
}
TABLES = {"attendance": "attendance_months", "insurance": "insurance_months",
          "payroll": "payroll_months", "utility": "utility_months",
          "judgment_debtors": "judgment_debtors"}


@pytest.mark.parametrize("source", sorted(TABLES))
async def test_r_crd_3_each_source_loads_and_queues_its_employers(credit, source):
    headers, body = SAMPLES[source][:2]
    response = await upload(credit, source, body, headers, filename=f"{source}.x")
    assert response.status_code == 201, response.text
    batch = response.json()
    expected = 3 if source == "attendance" else 2
    assert (batch["status"], batch["rows_total"], batch["rows_changed"],
            batch["rows_rejected"], batch["replay"]) == ("done", expected, expected, 0, False)
    assert await rows(credit, TABLES[source]) == expected
    assert set(await due(credit)) == {A, B}
    if source == "attendance":
        async with credit.runtime.engine.connect() as conn:
            projects = (await conn.execute(sa.text(
                "SELECT project_id, name, credit_code, district FROM projects "
                "ORDER BY project_id"))).all()
        assert [tuple(p) for p in projects] == [("P-001", "某某小区1号楼", A, "d01"),
                                                ("P-002", "某某道路改造", B, None)]
    read = await credit.client.get(f"/v1/ingest/batches/{batch['id']}", headers=OPS)
    assert read.status_code == 200 and read.json() == batch


async def test_r_crd_3_bad_rows_are_rejected_with_row_numbers_while_good_rows_load(credit):
    bad_code = A[:17] + ("0" if A[17] != "0" else "1")
    body = csv_of(
        "credit_code,month,employees,insured",
        f"{A},2026-10,50,48",
        f"{bad_code},2026-10,5,5",
        f"{B},2026-13,5,5",
        "",
        f"{B},2026-10,5,6",
        f"{C},2026-10,-1,0",
        f"{C},2026-10,7",
        f"{C},2026-10,7,7",
        f"{A},2026-10,51,48")
    response = await upload(credit, "insurance", body)
    batch = response.json()
    assert (batch["rows_total"], batch["rows_changed"], batch["rows_rejected"]) == (8, 2, 6)
    assert await rows(credit, "insurance_months") == 2
    assert set(await due(credit)) == {A, C}

    pages, after = [], 0
    while after is not None:
        page = (await credit.client.get(f"/v1/ingest/batches/{batch['id']}/rejections",
                                        params={"after": after, "limit": 4}, headers=OPS)).json()
        pages.append(page["items"])
        after = page["next_after"]
    rejected = {r["row_number"]: r["reason"] for page in pages for r in page}
    assert sorted(rejected) == [2, 3, 4, 5, 6, 8]
    assert "check character" in rejected[2]
    assert "YYYY-MM" in rejected[3]
    assert "insured (6) exceeds employees (5)" in rejected[4]
    assert "non-negative" in rejected[5]
    assert "3 fields" in rejected[6]
    assert "repeats the key (credit_code, month) of row 1" in rejected[8]


async def test_r_crd_3_resent_batch_and_resent_row_change_nothing(credit):
    body = SAMPLES["payroll"][1]
    first = (await upload(credit, "payroll", body)).json()
    before = await due(credit)
    again = await upload(credit, "payroll", body)
    assert again.status_code == 200
    assert again.json() == first | {"replay": True}
    assert await rows(credit, "payroll_months") == 2
    assert await rows(credit, "ingest_batches") == 1
    assert await due(credit) == before

    async with credit.runtime.engine.begin() as conn:  # early warnings have evaluated them
        await conn.execute(sa.text("DELETE FROM evaluations_due"))
    changed = csv_of("credit_code,account,month,project_id,balance,wages_payable",
                     f"{A},6222000000000001,2026-11,P-001,1000000,970000.5",  # the same row
                     f"{B},6222000000000002,2026-11,,14000,320000")  # its balance changed
    second = (await upload(credit, "payroll", changed)).json()
    assert (second["rows_changed"], second["rows_unchanged"]) == (1, 1)
    assert set(await due(credit)) == {B}
    async with credit.runtime.engine.connect() as conn:
        kept = dict((await conn.execute(sa.text(
            "SELECT credit_code, batch_id FROM payroll_months"))).all())
    assert kept == {A: first["id"], B: second["id"]}


async def test_r_crd_3_single_record_is_validated_like_a_row_and_idempotent(credit):
    record = {"credit_code": C, "month": "2026-11", "employees": 9, "insured": 7}
    sent = await credit.client.post("/v1/ingest/insurance/records", json=record,
                                    headers=OPS, params={"reason": "phoned in"})
    assert sent.status_code == 201, sent.text
    assert (sent.json()["via"], sent.json()["rows_changed"]) == ("record", 1)
    again = await credit.client.post("/v1/ingest/insurance/records", json=record,
                                     headers=OPS, params={"reason": "phoned in"})
    assert again.status_code == 200 and again.json()["id"] == sent.json()["id"]
    refused = await credit.client.post("/v1/ingest/insurance/records",
                                       json=record | {"insured": 10}, headers=OPS,
                                       params={"reason": "phoned in"})
    assert refused.status_code == 422
    assert "insured (10) exceeds employees (9)" in refused.json()["detail"]
    assert await rows(credit, "insurance_months") == 1


async def test_r_crd_3_unreadable_file_is_a_failed_batch_with_its_reason(credit):
    response = await upload(credit, "utility", csv_of("credit_code,month", f"{A},2026-11"))
    batch = response.json()
    assert (response.status_code, batch["status"]) == (201, "failed")
    assert "water_m3, electricity_kwh" in batch["error"]
    assert (await upload(credit, "utility", csv_of("credit_code,month", f"{A},2026-11"))
            ).json()["replay"] is True
    not_utf8 = await upload(credit, "utility", b"credit_code,month,water_m3,electricity_kwh\n\xff\n")
    assert "not UTF-8" in not_utf8.json()["error"]
    assert await rows(credit, "utility_months") == 0


async def test_r_crd_3_upload_refusals_are_problems(credit):
    wrong_type = await upload(credit, "insurance", b"{}", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    unknown = await upload(credit, "tax", b"a\n")
    assert unknown.status_code == 404
    no_reason = await upload(credit, "insurance", SAMPLES["insurance"][1], JSONL, reason=" ")
    assert no_reason.status_code == 422
    grid_worker = await upload(credit, "insurance", SAMPLES["insurance"][1], JSONL,
                               auth=bearer("grid_worker"))
    assert grid_worker.status_code == 403
    assert wrong_type.headers["content-type"].startswith("application/problem+json")
    nul_name = await upload(credit, "insurance", SAMPLES["insurance"][1], JSONL, filename="a\x00")
    assert nul_name.status_code == 422
    nul_row = await upload(credit, "judgment_debtors", csv_of(
        "credit_code,court_case_number,court,amount,listed_on",
        f"{A},(2026)闽0102执1号,某\x00法院,1,2026-01-02", f"{A}\x00,x,y,1,2026-01-02"))
    assert nul_row.status_code == 201 and nul_row.json()["rows_rejected"] == 2


async def test_r_crd_3_large_batch_over_the_limit_is_refused(infrastructure, bus_prefix):
    async with start_credit(infrastructure, bus_prefix, ingest_max_batch_bytes=100) as credit:
        response = await upload(credit, "insurance", SAMPLES["insurance"][1] * 3, JSONL)
        assert response.status_code == 413


async def test_r_crd_3_key_for_one_source_cannot_upload_another(credit):
    async with credit.runtime.session() as session:
        key = await issue_api_key(session, client="social-insurance", kind="partner",
                                  scopes=["ingest:insurance"])
        await session.commit()
    auth = {"X-API-Key": key}
    mine = await upload(credit, "insurance", SAMPLES["insurance"][1], JSONL, auth=auth)
    assert mine.status_code == 201
    theirs = await upload(credit, "payroll", SAMPLES["payroll"][1], auth=auth)
    assert theirs.status_code == 403 and "ingest:payroll" in theirs.json()["detail"]
    record = await credit.client.post("/v1/ingest/payroll/records", headers=auth, json={})
    assert record.status_code == 403
    staff_batch = (await upload(credit, "payroll", SAMPLES["payroll"][1])).json()
    assert (await credit.client.get(f"/v1/ingest/batches/{staff_batch['id']}",
                                    headers=auth)).status_code == 404
    listed = (await credit.client.get("/v1/ingest/batches", headers=auth)).json()["items"]
    assert [b["source"] for b in listed] == ["insurance"]
    everything = (await credit.client.get("/v1/ingest/batches", headers=OPS)).json()["items"]
    assert [b["source"] for b in everything] == ["payroll", "insurance"]
    assert await rows(credit, "payroll_months") == 2


async def test_r_crd_3_watched_directory_loads_dropped_files(credit, tmp_path):
    inbox: Path = tmp_path / "inbox"
    (inbox / "insurance__2026-11.jsonl").write_bytes(SAMPLES["insurance"][1])
    (inbox / "payroll__bank1.csv.part").write_bytes(b"half written")
    (inbox / "salaries.csv").write_bytes(b"a,b\n")
    (inbox / "utility__broken.csv").write_bytes(csv_of("credit_code", A))

    async def settled() -> bool:
        return (inbox / "done" / "insurance__2026-11.jsonl").exists() and \
            (inbox / "failed" / "salaries.csv.reason").exists() and \
            (inbox / "failed" / "utility__broken.csv.reason").exists()

    await eventually(settled)
    assert await rows(credit, "insurance_months") == 2
    assert "<source>__<anything>" in (inbox / "failed" / "salaries.csv.reason").read_text()
    assert "lacks the columns month" in (inbox / "failed" / "utility__broken.csv.reason").read_text()
    assert (inbox / "payroll__bank1.csv.part").exists()  # still being written: left alone
    listed = (await credit.client.get("/v1/ingest/batches", headers=OPS,
                                      params={"source": "insurance"})).json()["items"]
    assert [(b["via"], b["filename"], b["rows_changed"]) for b in listed] == [
        ("directory", "insurance__2026-11.jsonl", 2)]

    (inbox / "payroll__bank1.csv.part").write_bytes(SAMPLES["payroll"][1])  # written out,
    (inbox / "payroll__bank1.csv.part").rename(inbox / "payroll__bank1.csv")  # then renamed in

    async def renamed_in() -> bool:
        return (inbox / "done" / "payroll__bank1.csv").exists()

    await eventually(renamed_in)
    assert await rows(credit, "payroll_months") == 2


async def test_r_crd_3_a_file_still_growing_is_not_taken_and_left_work_goes_back(credit, tmp_path):
    inbox = tmp_path / "other"
    inbox.mkdir()
    watch = DirectoryWatch(credit.runtime, inbox, poll_seconds=60)
    dropped = inbox / "insurance__growing.jsonl"
    body = SAMPLES["insurance"][1]
    dropped.write_bytes(body[:30])
    (inbox / "work" / "utility__left.jsonl").write_bytes(SAMPLES["utility"][1])  # a crash's
    await watch.cycle()  # first seen
    assert (inbox / "utility__left.jsonl").exists()  # put back, taken like any other
    with dropped.open("ab") as file:
        file.write(body[30:])
    await watch.cycle()  # changed since: still being written
    assert dropped.exists()
    await watch.cycle()  # unchanged over one listing: taken
    assert not dropped.exists() and (inbox / "done" / dropped.name).exists()
    assert await rows(credit, "insurance_months") == 2
    assert (inbox / "done" / "utility__left.jsonl").exists()
    assert await rows(credit, "utility_months") == 2


async def test_r_crd_3_the_same_file_sent_twice_at_once_is_one_batch(credit):
    body = SAMPLES["utility"][1]
    first, second = await asyncio.gather(upload(credit, "utility", body, JSONL),
                                         upload(credit, "utility", body, JSONL))
    assert sorted([first.status_code, second.status_code]) == [200, 201]
    assert first.json()["id"] == second.json()["id"]
    assert await rows(credit, "ingest_batches") == 1
    async with credit.runtime.engine.connect() as conn:
        audited = (await conn.execute(sa.text(
            "SELECT actor, reason FROM audit_log WHERE action = 'ingest.utility.batch'"))).all()
    assert [tuple(a) for a in audited] == [("ops-1", "monthly file")]


async def test_r_crd_3_a_project_month_moving_to_another_contractor_queues_both(credit):
    await upload(credit, "attendance", SAMPLES["attendance"][1])
    async with credit.runtime.engine.begin() as conn:
        await conn.execute(sa.text("DELETE FROM evaluations_due"))
    moved = csv_of("project_id,month,credit_code,project_name,workers_registered,"
                   "workers_attended,wages_payable,wages_paid",
                   f"P-002,2026-11,{C},某某道路改造,40,40,320000,0")
    batch = (await upload(credit, "attendance", moved)).json()
    assert batch["rows_changed"] == 1
    assert set(await due(credit)) == {B, C}


async def test_issue10_finding_2_a_rejections_page_after_a_row_beyond_any_row_number_is_a_422(credit):
    response = await credit.client.get("/v1/ingest/batches/any/rejections",
                                       params={"after": 2**31}, headers=OPS)
    assert response.status_code == 422, response.text
    assert [e["location"] for e in response.json()["errors"]] == ["query.after"]
