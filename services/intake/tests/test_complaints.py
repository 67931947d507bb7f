"""Filing and following complaints on the real database and broker."""

from __future__ import annotations

import sqlalchemy as sa

from .conftest import staff_token

pytestmark = __import__("pytest").mark.integration

BODY = {
    "complaint_type": "wage_arrears",
    "complainant": {"name": "张三", "id_number": "11010519491231002X", "phone": "13800138000"},
    "employer": {"credit_code": "91350100M000100Y43", "name": "某某建筑工程有限公司"},
    "district": "d01",
    "worker_count": 6,
    "arrears_amount": "120000.00",
    "materials": [{"kind": "identity_proof"}, {"kind": "payslip"}],
}


def headers(service, key="req-0001"):
    return {"X-API-Key": service.hotline_key, "Idempotency-Key": key}


async def test_r_int_5_same_key_creates_one_complaint(intake):
    first = await intake.client.post("/v1/complaints", json=BODY, headers=headers(intake))
    again = await intake.client.post("/v1/complaints", json=BODY, headers=headers(intake))
    assert first.status_code == 201, first.text
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["complaint_id"] == first.json()["complaint_id"]
    async with intake.runtime.engine.connect() as conn:
        count = (await conn.execute(sa.text("SELECT count(*) FROM complaints"))).scalar_one()
        events = (await conn.execute(sa.text("SELECT count(*) FROM outbox"))).scalar_one()
    assert (count, events) == (1, 1)


async def test_r_int_5_key_reused_for_other_body_is_a_conflict(intake):
    await intake.client.post("/v1/complaints", json=BODY, headers=headers(intake))
    other = {**BODY, "worker_count": 7}
    response = await intake.client.post("/v1/complaints", json=other, headers=headers(intake))
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


async def test_r_crd_1_invalid_credit_code_is_refused_with_reason(intake):
    bad = {**BODY, "employer": {"credit_code": "91350100M000100Y44", "name": "x"}}
    response = await intake.client.post("/v1/complaints", json=bad, headers=headers(intake))
    assert response.status_code == 422
    assert "check character" in response.json()["detail"]


async def test_r_int_2_correction_notice_lists_every_missing_item(intake):
    response = await intake.client.post("/v1/complaints", json={**BODY, "materials": []},
                                        headers=headers(intake))
    receipt = response.json()
    assert response.status_code == 202, response.text
    assert receipt["status"] == "awaiting_materials"
    assert receipt["missing"] == ["identity_proof", "preliminary_evidence"]
    assert "一次性补正告知书" in receipt["correction_notice"]["title"]
    assert len(receipt["correction_notice"]["items"]) == 2


async def test_r_int_7_identity_encrypted_at_rest_and_read_is_audited(intake):
    created = (await intake.client.post("/v1/complaints", json=BODY, headers=headers(intake))).json()
    async with intake.runtime.engine.connect() as conn:
        dump = " ".join(str(v) for v in (await conn.execute(sa.text(
            "SELECT * FROM complaints"))).one())
        outbox = (await conn.execute(sa.text("SELECT body FROM outbox"))).scalar_one()
    for secret in ("张三", "11010519491231002X", "13800138000"):
        assert secret not in dump and secret.encode() not in outbox
    token = staff_token("officer_a", district="d01")
    response = await intake.client.get(
        f"/v1/complaints/by-id/{created['complaint_id']}/complainant",
        params={"reason": "phone confirmation"}, headers={"Authorization": f"Bearer {token}"})
    assert response.json()["phone"] == "13800138000"
    async with intake.runtime.engine.connect() as conn:
        audit = (await conn.execute(sa.text("SELECT actor, action, reason FROM audit_log"))).one()
    assert tuple(audit) == ("officer-1", "read_complainant", "phone confirmation")


async def test_r_int_7_other_district_and_other_roles_cannot_read_identity(intake):
    created = (await intake.client.post("/v1/complaints", json=BODY, headers=headers(intake))).json()
    url = f"/v1/complaints/by-id/{created['complaint_id']}/complainant"
    other = staff_token("officer_a", district="d02")
    grid = staff_token("grid_worker", district="d01")
    for token, status in ((other, 404), (grid, 403)):  # another district's: as unknown
        response = await intake.client.get(url, params={"reason": "curious"},
                                           headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == status


async def test_r_int_8_status_by_tracking_code_reveals_no_personal_data(intake):
    created = (await intake.client.post("/v1/complaints", json=BODY, headers=headers(intake))).json()
    response = await intake.client.get(f"/v1/complaints/{created['tracking_code']}")
    assert response.status_code == 200 and response.json()["status"] == "received"
    assert "张三" not in response.text and "13800138000" not in response.text
    assert (await intake.client.get("/v1/complaints/TS-guess")).status_code == 404


async def test_issue10_finding_7_blank_names_and_booleans_for_counts_are_refused(intake):
    hostile = {
        "body.complainant.name": {**BODY, "complainant": {**BODY["complainant"], "name": " \t "}},
        "body.employer.name": {**BODY, "employer": {**BODY["employer"], "name": "   "}},
        "body.worker_count": {**BODY, "worker_count": True},
        "body.suspected_crime": {**BODY, "suspected_crime": "yes"},
        "body.arrears_amount": {**BODY, "arrears_amount": "1e30"},
        "body.materials.0.kind": {**BODY, "materials": [{"kind": " "}, {"kind": "payslip"}]},
    }
    for n, (location, body) in enumerate(hostile.items()):
        response = await intake.client.post("/v1/complaints", json=body,
                                            headers=headers(intake, f"hostile-{n:04d}"))
        assert response.status_code == 422, (location, response.text)
        assert [e["location"] for e in response.json()["errors"]] == [location]
    batch = await intake.client.post("/v1/complaints/batch", json={"items": [
        {"idempotency_key": "hostile-batch-1", "complaint": hostile["body.worker_count"]}]},
        headers={"X-API-Key": intake.hotline_key})
    assert batch.json()["items"][0]["outcome"] == "rejected", batch.text
    async with intake.runtime.engine.connect() as conn:
        assert (await conn.execute(sa.text("SELECT count(*) FROM complaints"))).scalar_one() == 0


async def test_issue10_finding_7_a_complainants_name_is_kept_without_surrounding_blanks(intake):
    body = {**BODY, "complainant": {**BODY["complainant"], "name": "  张三 "}}
    filed = await intake.client.post("/v1/complaints", json=body, headers=headers(intake))
    assert filed.status_code == 201, filed.text
    staff = {"Authorization": "Bearer " + staff_token("officer_a", district="d01")}
    complainant = await intake.client.get(
        f"/v1/complaints/by-id/{filed.json()['complaint_id']}/complainant",
        params={"reason": "调查取证"}, headers=staff)
    assert complainant.status_code == 200 and complainant.json()["name"] == "张三", complainant.text


async def test_issue10_finding_7_the_complainant_is_not_read_for_a_blank_reason(intake):
    filed = await intake.client.post("/v1/complaints", json=BODY, headers=headers(intake))
    staff = {"Authorization": "Bearer " + staff_token("officer_a", district="d01")}
    response = await intake.client.get(
        f"/v1/complaints/by-id/{filed.json()['complaint_id']}/complainant",
        params={"reason": "   "}, headers=staff)
    assert response.status_code == 422, response.text
    assert [e["location"] for e in response.json()["errors"]] == ["query.reason"]
