"""Finding 5 of issue 10 (R-INT-7): personal data the worker types into free text leaves intake
masked, on the bus and in every answer outside the complainant's readers; handlers read the full
text through an audited route."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from intake.privacy.rotate import rotate
from labor_contracts.cases import CaseNotRegistered
from labor_runtime.crypto import FieldCipher

from .conftest import start_intake
from .handling_support import accepted_events, bearer, body, consuming, file, outbox_of, send

pytestmark = pytest.mark.integration

NAME, ID_NUMBER, PHONE, EMAIL = "王小明", "350102199003075411", "13912345678", "wxm.wage@example.org"
TEXT = f"我是{NAME}，身份证{ID_NUMBER}，电话139-1234-5678，邮箱{EMAIL}，工资12000.00元未发"
MASKED = "我是王**，身份证[身份证号]，电话139****5678，邮箱[邮箱]，工资12000.00元未发"
SECRETS = (NAME, ID_NUMBER, PHONE, EMAIL, "1234-5678")
COMPLAINANT = {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE}
EMPLOYER = {"credit_code": "91350100M000100Y43", "name": "某某建筑工程有限公司",
            "address": f"某市某区某路1号（联系{NAME} {PHONE}）"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
K1 = base64.b64encode(b"k1-test-field-key-32-bytes-long!").decode()
K2 = base64.b64encode(b"k2-test-field-key-32-bytes-long!").decode()


def _free_text(**changes: object) -> dict[str, object]:
    return {"complainant": COMPLAINANT, "employer": EMPLOYER, "summary": TEXT,
            "project": f"{NAME}所在的某某工地", **changes}


def _clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} in {text}"


async def test_issue10_finding_5_accepted_event_carries_the_free_text_masked(intake):
    await file(intake, **_free_text())
    [event] = await accepted_events(intake)
    assert event["summary"] == MASKED
    assert event["project"] == "王**所在的某某工地"
    assert event["employer"]["address"] == "某市某区某路1号（联系王** 139****5678）"
    _clean(json.dumps(event, ensure_ascii=False))


async def test_issue10_finding_5_complaint_completed_by_an_upload_is_masked_too(intake):
    filed = await intake.client.post(
        "/v1/complaints", json=body(**_free_text(materials=[])),
        headers={"X-API-Key": intake.hotline_key, "Idempotency-Key": "upload-completes-1"})
    assert filed.status_code == 202, filed.text
    filed = filed.json()
    for kind in ("identity_proof", "payslip"):
        uploaded = await intake.client.post(
            f"/v1/complaints/{filed['tracking_code']}/materials",
            json={"kind": kind, "content_type": "image/png",
                  "content_base64": base64.b64encode(PNG + kind.encode()).decode()})
        assert uploaded.status_code == 201, uploaded.text
    [event] = await accepted_events(intake)
    assert event["summary"] == MASKED
    _clean(json.dumps(event, ensure_ascii=False))


async def test_issue10_finding_5_staff_list_masks_the_project(intake):
    await file(intake, **_free_text())
    listed = await intake.client.get("/v1/complaints", headers=bearer("officer_a"))
    assert listed.status_code == 200, listed.text
    assert [i["project"] for i in listed.json()["items"]] == ["王**所在的某某工地"]
    _clean(listed.text)


async def test_issue10_finding_5_handlers_read_the_full_text_audited(intake):
    filed = await file(intake, **_free_text())
    url = f"/v1/complaints/by-id/{filed['complaint_id']}/text"
    read = await intake.client.get(url, params={"reason": "核实投诉事实"}, headers=bearer("officer_a"))
    assert read.status_code == 200, read.text
    assert (read.json()["summary"], read.json()["employer_address"]) == (TEXT, EMPLOYER["address"])
    async with intake.runtime.engine.connect() as conn:
        audited = (await conn.execute(sa.text("SELECT action, subject, reason FROM audit_log"))).all()
    assert [tuple(a) for a in audited] == [
        ("read_complaint_text", f"complaint:{filed['complaint_id']}", "核实投诉事实")]
    for headers in ({}, bearer("grid_worker"), bearer("officer_a", district="d02")):
        refused = await intake.client.get(url, params={"reason": "核实投诉事实"}, headers=headers)
        assert refused.status_code in (401, 403, 404), refused.text
        _clean(refused.text)
    no_reason = await intake.client.get(url, headers=bearer("officer_a"))
    assert no_reason.status_code == 422


async def test_issue10_finding_5_reason_sent_to_notify_and_shown_to_the_public_is_masked(
        intake, cases_bus):
    await consuming(intake)
    filed = await file(intake, **_free_text())
    reason = f"{NAME}（{PHONE}）所述事项不属于监察管辖"
    await send(cases_bus, CaseNotRegistered(case_id="case-5", complaint_ids=[filed["complaint_id"]],
                                            reason=reason, decided_at=datetime.now(UTC)))
    [answer] = await intake.probe.wait_for("intake.registration_answer.issued.v1")
    assert answer.data["reason"] == "王**（139****5678）所述事项不属于监察管辖"
    [outboxed] = await outbox_of(intake, "intake.registration_answer.issued.v1")
    _clean(json.dumps(outboxed, ensure_ascii=False))
    status = await intake.client.get(f"/v1/complaints/{filed['tracking_code']}")
    assert status.json()["status_reason"] == "王**（139****5678）所述事项不属于监察管辖"


async def test_issue10_finding_5_escalated_mediation_carries_the_address_masked(intake):
    filed = await file(intake, **_free_text())
    url = f"/v1/complaints/by-id/{filed['complaint_id']}"
    grid = bearer("grid_worker", subject="grid-7")
    recorded = await intake.client.post(f"{url}/mediation", headers=grid,
                                        json={"result": "failed", "grid": "d01-s03-g07"})
    assert recorded.status_code == 200, recorded.text
    escalated = await intake.client.post(f"{url}/escalation", json={}, headers=grid)
    assert escalated.status_code == 200, escalated.text
    [event] = await outbox_of(intake, "intake.mediation.escalated.v1")
    assert event["employer"]["address"] == "某市某区某路1号（联系王** 139****5678）"


async def test_issue10_finding_5_employer_view_masks_projects_and_the_address_for_grid_workers(
        intake):
    await file(intake, **_free_text())
    [event] = await accepted_events(intake)
    view = await intake.client.get(f"/v1/employers/{event['employer_id']}",
                                   headers=bearer("grid_worker", subject="grid-7"))
    assert view.status_code == 200, view.text
    assert [p["project"] for p in view.json()["projects"]] == ["王**所在的某某工地"]
    assert view.json()["address"] == "某市某区某路1号（联系王** 139****5678）"
    _clean(view.text)


async def _plain_hits(intake) -> list[str]:
    """Where intake's database holds a secret readably: every text, JSON, array and bytea column
    of every row, as raw SQL reads it."""
    hits = []
    async with intake.runtime.engine.connect() as conn:
        columns = (await conn.execute(sa.text(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN "
            "('text', 'character varying', 'jsonb', 'json', 'bytea', 'ARRAY')"))).all()
        for table, column, data_type in columns:
            cast = f'"{column}"' if data_type == "bytea" else f'"{column}"::text'
            values = (await conn.execute(sa.text(f'SELECT {cast} FROM "{table}"'))).scalars()  # noqa: S608
            for value in values:
                text = value.decode(errors="replace") if isinstance(value, bytes) else value or ""
                squeezed = text.replace("-", "").replace(" ", "")
                hits += [f"{table}.{column}: {secret}" for secret in SECRETS
                         if secret in text or secret in squeezed]
    return hits


async def test_issue10_finding_5_free_text_is_encrypted_at_rest_in_intake(intake):
    """Summary, project, employer address, a material's description, an offline batch's summary,
    handling notes and a read's reason: raw SQL over intake's own database finds none of the
    complainant's data; the free text as filed is only in the `*_enc` ciphertexts."""
    filed = await file(intake, **_free_text())
    batch = await intake.client.post("/v1/complaints/batch", headers={"X-API-Key": intake.hotline_key},
                                     json={"items": [{"idempotency_key": "offline-free-text-1",
                                                      "complaint": body(**_free_text())}]})
    assert batch.status_code == 200 and batch.json()["accepted"] == 1, batch.text
    uploaded = await intake.client.post(
        f"/v1/complaints/{filed['tracking_code']}/materials",
        json={"kind": "chat_record", "content_type": "image/png", "description": TEXT,
              "content_base64": base64.b64encode(PNG + b"chat").decode()})
    assert uploaded.status_code == 201, uploaded.text
    url = f"/v1/complaints/by-id/{filed['complaint_id']}"
    noted = await intake.client.post(f"{url}/phone-confirmation", json={"note": TEXT},
                                     headers=bearer("officer_a"))
    assert noted.status_code == 200, noted.text
    read = await intake.client.get(f"{url}/text", params={"reason": f"核实{NAME}的来电 {PHONE}"},
                                   headers=bearer("officer_a"))
    assert read.status_code == 200, read.text

    assert await _plain_hits(intake) == []
    async with intake.runtime.engine.connect() as conn:
        stored = (await conn.execute(sa.text(
            "SELECT summary, project, employer_address, summary_enc, project_enc, "
            "employer_address_enc FROM complaints"))).all()
        described = (await conn.execute(sa.text(
            "SELECT description, description_enc FROM materials"))).one()
        reasons = (await conn.execute(sa.text(
            "SELECT reason FROM audit_log WHERE action IN ('confirm_phone', 'read_complaint_text') "
            "ORDER BY seq"))).scalars().all()
    assert [tuple(row[:3]) for row in stored] == [
        (MASKED, "王**所在的某某工地", "某市某区某路1号（联系王** 139****5678）")] * 2
    assert all(token.startswith("v1.") for row in stored for token in row[3:])
    assert described.description == MASKED and described.description_enc.startswith("v1.")
    assert reasons == [MASKED, "核实王**的来电 139****5678"]


async def test_issue10_finding_5_full_text_route_decrypts_the_original(intake):
    """The stored columns hold the text masked; the audited route answers it as filed, from the
    ciphertext, also for a complaint that waited for its materials."""
    filed = await file(intake, **_free_text())
    waiting = await intake.client.post(
        "/v1/complaints", json=body(**_free_text(materials=[])),
        headers={"X-API-Key": intake.hotline_key, "Idempotency-Key": "full-text-waiting-1"})
    assert waiting.status_code == 202, waiting.text
    for complaint_id in (filed["complaint_id"], waiting.json()["complaint_id"]):
        read = await intake.client.get(f"/v1/complaints/by-id/{complaint_id}/text",
                                       params={"reason": "核实投诉事实"}, headers=bearer("officer_a"))
        assert read.status_code == 200, read.text
        assert read.json() == {"complaint_id": complaint_id, "summary": TEXT,
                               "project": f"{NAME}所在的某某工地",
                               "employer_address": EMPLOYER["address"]}
    async with intake.runtime.engine.connect() as conn:
        summaries = (await conn.execute(sa.text("SELECT summary FROM complaints"))).scalars().all()
    assert summaries == [MASKED, MASKED]


async def test_issue10_finding_5_key_rotation_re_encrypts_the_free_text_and_seals_older_rows(
        infrastructure, bus_prefix, tmp_path):
    """The rotator re-encrypts the free text's ciphertexts under the new key, and seals a complaint
    and a material stored before migration 0010 (plain text, no ciphertext): encrypted as filed,
    the plain column masked. Meanwhile the route reads the older row's plain text."""
    async with start_intake(infrastructure, bus_prefix, tmp_path,
                            field_encryption_keys=json.dumps({"k1": K1}),
                            field_encryption_active_key="k1") as intake:
        sealed, older = [await file(intake, **_free_text()) for _ in range(2)]
        for complaint in (sealed, older):
            uploaded = await intake.client.post(
                f"/v1/complaints/{complaint['tracking_code']}/materials",
                json={"kind": "chat_record", "content_type": "image/png", "description": TEXT,
                      "content_base64": base64.b64encode(PNG + complaint["tracking_code"].encode())
                      .decode()})
            assert uploaded.status_code == 201, uploaded.text
        async with intake.runtime.engine.begin() as conn:  # as stored before migration 0010
            await conn.execute(sa.text(
                "UPDATE complaints SET summary = :text, project = :project, employer_address = "
                ":address, summary_enc = NULL, project_enc = NULL, employer_address_enc = NULL "
                "WHERE id = :id"), {"text": TEXT, "project": f"{NAME}所在的某某工地",
                                    "address": EMPLOYER["address"], "id": older["complaint_id"]})
            await conn.execute(sa.text(
                "UPDATE materials SET description = :text, description_enc = NULL "
                "WHERE complaint_id = :id"), {"text": TEXT, "id": older["complaint_id"]})
        url = f"/v1/complaints/by-id/{older['complaint_id']}/text"
        before = await intake.client.get(url, params={"reason": "核实投诉事实"},
                                         headers=bearer("officer_a"))
        assert before.json()["summary"] == TEXT

        intake.runtime.cipher = FieldCipher.from_settings(json.dumps({"k2": K2, "k1": K1}), "k2")
        report = await rotate(intake.runtime.engine, intake.runtime.cipher, batch_size=1)
        assert (report.rotated, report.remaining) == (4, 0)
        assert (await rotate(intake.runtime.engine, intake.runtime.cipher)).rotated == 0

        intake.runtime.cipher = FieldCipher.from_settings(json.dumps({"k2": K2}), "k2")  # k1 retired
        async with intake.runtime.engine.connect() as conn:
            complaints = (await conn.execute(sa.text(
                "SELECT summary, summary_enc, project_enc, employer_address_enc FROM complaints"))).all()
            materials = (await conn.execute(sa.text(
                "SELECT description, description_enc FROM materials"))).all()
        assert [row[0] for row in complaints + materials] == [MASKED] * 4
        assert all(token.startswith("v1.k2.") for row in complaints + materials for token in row[1:])
        for complaint in (sealed, older):
            read = await intake.client.get(f"/v1/complaints/by-id/{complaint['complaint_id']}/text",
                                           params={"reason": "核实投诉事实"}, headers=bearer("officer_a"))
            assert read.json()["summary"] == TEXT
            assert read.json()["employer_address"] == EMPLOYER["address"]
