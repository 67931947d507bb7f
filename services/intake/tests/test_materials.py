"""R-INT-2 materials: the one-time correction notice to the worker, uploads that complete it."""

from __future__ import annotations

import base64
import hashlib

import sqlalchemy as sa
from intake.complaints.rules import still_missing
from intake.materials.rules import matches_content_type

from .conftest import start_intake
from .test_complaints import BODY

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64 + b"identity card scan"
PDF = b"%PDF-1.7\n" + b"payslip for September" * 10


def upload(kind: str, data: bytes, content_type: str, **extra):
    return {"kind": kind, "content_type": content_type,
            "content_base64": base64.b64encode(data).decode(), **extra}


def test_r_int_2_still_missing_after_uploads():
    missing = ["identity_proof", "preliminary_evidence"]
    assert still_missing(missing, ["payslip"]) == ["identity_proof"]
    assert still_missing(missing, ["identity_proof", "chat_record"]) == []
    assert still_missing(["identity_proof"], ["bank_statement"]) == ["identity_proof"]


def test_r_int_2_content_type_is_checked_against_the_bytes():
    assert matches_content_type(PNG, "image/png") and matches_content_type(PDF, "application/pdf")
    assert not matches_content_type(PDF, "image/jpeg")


async def _incomplete(intake) -> dict:
    response = await intake.client.post(
        "/v1/complaints", json={**BODY, "materials": []},
        headers={"X-API-Key": intake.hotline_key, "Idempotency-Key": "mat-00001"})
    assert response.status_code == 202, response.text
    return response.json()


async def test_r_int_2_correction_notice_goes_to_the_worker_as_an_event(intake):
    receipt = await _incomplete(intake)
    notice = (await intake.probe.wait_for("intake.correction_notice.issued.v1"))[0]
    assert notice.data["tracking_code"] == receipt["tracking_code"]
    assert notice.data["channel"] == "hotline_12333"
    assert notice.data["missing"] == ["identity_proof", "preliminary_evidence"]
    assert len(notice.data["items"]) == 2
    body = notice.model_dump_json()
    for secret in ("张三", "11010519491231002X", "13800138000"):  # R-INT-7
        assert secret not in body
    async with intake.runtime.engine.connect() as conn:
        timers = (await conn.execute(sa.text("SELECT count(*) FROM timers"))).scalar_one()
    assert timers == 0  # not accepted yet: the R-INT-3 clocks start with complete materials
    assert intake.probe.of("intake.complaint.accepted.v1") == []
    status = (await intake.client.get(f"/v1/complaints/{receipt['tracking_code']}")).json()
    assert status["status"] == "awaiting_materials"


async def test_r_int_2_uploads_by_tracking_code_complete_the_complaint(intake, tmp_path):
    receipt = await _incomplete(intake)
    url = f"/v1/complaints/{receipt['tracking_code']}/materials"
    first = await intake.client.post(url, json=upload("identity_proof", PNG, "image/png"))
    assert first.status_code == 201, first.text
    assert first.json()["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert first.json()["complaint_status"] == "awaiting_materials"
    assert first.json()["missing"] == ["preliminary_evidence"]
    again = await intake.client.post(url, json=upload("identity_proof", PNG, "image/png"))
    assert again.status_code == 200 and again.json()["material_id"] == first.json()["material_id"]

    last = await intake.client.post(url, json=upload(
        "payslip", PDF, "application/pdf", sha256=hashlib.sha256(PDF).hexdigest()))
    assert last.status_code == 201, last.text
    assert (last.json()["complaint_status"], last.json()["missing"]) == ("received", [])
    accepted = (await intake.probe.wait_for("intake.complaint.accepted.v1"))[0]
    assert accepted.data["complaint_id"] == receipt["complaint_id"]
    assert accepted.data["worker_count"] == BODY["worker_count"]
    status = (await intake.client.get(f"/v1/complaints/{receipt['tracking_code']}")).json()
    assert status["status"] == "received"

    stored = tmp_path / "materials" / receipt["complaint_id"]
    assert sorted(p.read_bytes() for p in stored.iterdir()) == sorted([PNG, PDF])
    async with intake.runtime.engine.connect() as conn:
        timers = (await conn.execute(sa.text("SELECT kind FROM timers ORDER BY kind"))).scalars().all()
        rows = (await conn.execute(sa.text("SELECT kind, sha256, size_bytes FROM materials "
                                           "ORDER BY kind"))).all()
    assert timers == ["intake.assignment", "intake.phone_confirmation", "intake.registration_answer"]
    assert [tuple(r) for r in rows] == [("identity_proof", hashlib.sha256(PNG).hexdigest(), len(PNG)),
                                        ("payslip", hashlib.sha256(PDF).hexdigest(), len(PDF))]
    # evidence after acceptance is kept, and accepts nothing twice
    more = await intake.client.post(url, json=upload("chat_record", PNG, "image/png"))
    assert more.status_code == 201 and more.json()["complaint_status"] == "received"
    async with intake.runtime.engine.connect() as conn:
        events = (await conn.execute(sa.text("SELECT routing_key FROM outbox ORDER BY id"))).scalars().all()
    assert events == ["intake.correction_notice.issued.v1", "intake.complaint.accepted.v1"]


async def test_r_int_2_replayed_incomplete_complaint_keeps_its_notice(intake):
    receipt = await _incomplete(intake)
    again = await intake.client.post(
        "/v1/complaints", json={**BODY, "materials": []},
        headers={"X-API-Key": intake.hotline_key, "Idempotency-Key": "mat-00001"})
    assert again.status_code == 200 and again.json()["complaint_id"] == receipt["complaint_id"]
    assert again.json()["correction_notice"]["missing"] == ["identity_proof", "preliminary_evidence"]


async def test_r_int_2_upload_limits_and_checks(infrastructure, bus_prefix, tmp_path):
    async with start_intake(infrastructure, bus_prefix, tmp_path, material_max_bytes=1024,
                            material_max_per_complaint=2) as intake:
        receipt = await _incomplete(intake)
        url = f"/v1/complaints/{receipt['tracking_code']}/materials"

        async def problem(body, expected: int) -> dict:
            response = await intake.client.post(url, json=body)
            assert response.status_code == expected, response.text
            assert response.headers["content-type"] == "application/problem+json"
            return response.json()

        await problem(upload("payslip", b"GIF89a...", "image/gif"), 415)
        await problem(upload("payslip", PDF, "image/png"), 415)  # bytes are not a PNG
        await problem(upload("payslip", PDF + b"x" * 2048, "application/pdf"), 413)
        await problem(upload("selfie", PNG, "image/png"), 422)
        await problem({**upload("payslip", PDF, "application/pdf"), "content_base64": "%%%"}, 422)
        wrong = await problem(upload("payslip", PDF, "application/pdf", sha256="0" * 64), 422)
        assert wrong["sha256"] == hashlib.sha256(PDF).hexdigest()
        response = await intake.client.post("/v1/complaints/TS-guess/materials",
                                            json=upload("payslip", PDF, "application/pdf"))
        assert response.status_code == 404
        async with intake.runtime.engine.connect() as conn:
            assert (await conn.execute(sa.text("SELECT count(*) FROM materials"))).scalar_one() == 0
        assert not (tmp_path / "materials").exists()
        for n in range(2):
            ok = await intake.client.post(url, json=upload("other", PDF + bytes([n]), "application/pdf"))
            assert ok.status_code == 201
        await problem(upload("other", PDF + b"z", "application/pdf"), 409)


async def test_r_int_2_ten_mebibyte_upload_passes_the_body_limit(intake):
    receipt = await _incomplete(intake)
    data = b"%PDF-1.7\n" + b"\x00" * (10 * 1024 * 1024 - 9)
    response = await intake.client.post(f"/v1/complaints/{receipt['tracking_code']}/materials",
                                        json=upload("payslip", data, "application/pdf"))
    assert response.status_code == 201, response.text
    assert response.json()["size_bytes"] == 10 * 1024 * 1024
    too_big = await intake.client.post(f"/v1/complaints/{receipt['tracking_code']}/materials",
                                       json=upload("payslip", data + b"x", "application/pdf"))
    assert too_big.status_code == 413
