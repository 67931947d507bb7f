"""Finding 5 of issue 10 (R-INT-7): personal data the worker types into free text leaves intake
masked, on the bus and in every answer outside the complainant's readers; handlers read the full
text through an audited route."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from labor_contracts.cases import CaseNotRegistered

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
