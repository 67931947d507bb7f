"""R-INT-7 privacy and R-INT-8 status: masked lists, no personal data in logs, key rotation, and
object-level authorization across districts."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from intake.privacy.rotate import rotate
from labor_runtime.crypto import FieldCipher
from labor_runtime.testing import swept

from .conftest import start_intake
from .handling_support import bearer, file

pytestmark = pytest.mark.integration

SECRETS = ("张三", "11010519491231002X", "13800138000")
OFFICER = bearer("officer_a")
K1 = base64.b64encode(b"k1-test-field-key-32-bytes-long!").decode()
K2 = base64.b64encode(b"k2-test-field-key-32-bytes-long!").decode()


async def test_r_int_7_staff_list_shows_masked_names_and_phones_only(intake):
    created = await file(intake)
    await file(intake, district="d02")
    response = await intake.client.get("/v1/complaints", headers=OFFICER)
    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    assert item["complaint_id"] == created["complaint_id"]
    assert (item["complainant_name"], item["complainant_phone"]) == ("张*", "138******00")
    for secret in SECRETS:
        assert secret not in response.text
    async with intake.runtime.engine.connect() as conn:
        actions = (await conn.execute(sa.text("SELECT action FROM audit_log"))).scalars().all()
    assert actions == ["list_complaints_masked"]
    city = await intake.client.get("/v1/complaints", params={"limit": 1},
                                   headers=bearer("detachment_chief", district=None))
    assert len(city.json()["items"]) == 1 and city.json()["next_offset"] == 1
    grid = await intake.client.get("/v1/complaints", headers=bearer("grid_worker"))
    assert grid.status_code == 403


async def test_r_int_7_no_log_line_contains_personal_data(intake, caplog):
    caplog.set_level(logging.DEBUG)
    created = await file(intake)
    complaint_id = created["complaint_id"]
    await intake.client.post("/v1/complaints", json={"complainant": {
        "name": "张三", "id_number": "110105194912310021", "phone": "13800138000"}},
        headers={"X-API-Key": intake.hotline_key, "Idempotency-Key": "bad-body-0001"})
    await intake.client.get("/v1/complaints", headers=OFFICER)
    await intake.client.get(f"/v1/complaints/by-id/{complaint_id}/complainant",
                            params={"reason": "phone confirmation"}, headers=OFFICER)
    await intake.client.post(f"/v1/complaints/by-id/{complaint_id}/assignment",
                             json={"handler": "officer-9"}, headers=OFFICER)
    await swept(intake.runtime.sweeper)
    lines = [record.getMessage() for record in caplog.records]
    lines += [str(getattr(record, "data", "")) for record in caplog.records]
    for secret in SECRETS:
        assert not [line for line in lines if secret in line]


async def test_r_int_7_key_rotation_is_resumable_idempotent_and_old_rows_stay_readable(
        infrastructure, bus_prefix, tmp_path):
    keys_old = json.dumps({"k1": K1})
    async with start_intake(infrastructure, bus_prefix, tmp_path, field_encryption_keys=keys_old,
                            field_encryption_active_key="k1") as intake:
        created = [await file(intake, complainant={
            "name": f"工人{n}", "id_number": "11010519491231002X", "phone": f"1380013800{n}"})
            for n in range(3)]
        # the new key is deployed and made active: new rows use k2, old rows are still k1
        keys_both = json.dumps({"k2": K2, "k1": K1})
        intake.runtime.cipher = FieldCipher.from_settings(keys_both, "k2")
        rotated = await rotate(intake.runtime.engine, intake.runtime.cipher, batch_size=1,
                               max_batches=1)  # interrupted after one batch
        assert (rotated.rotated, rotated.remaining) == (1, 2)
        for n, complaint in enumerate(created):  # mixed keys: every row readable meanwhile
            response = await intake.client.get(
                f"/v1/complaints/by-id/{complaint['complaint_id']}/complainant",
                params={"reason": "rotation check"}, headers=OFFICER)
            assert response.json()["phone"] == f"1380013800{n}"

        env = {**os.environ, "DATABASE_URL": intake.database_url,
               "FIELD_ENCRYPTION_KEYS": keys_both, "FIELD_ENCRYPTION_ACTIVE_KEY": "k2",
               "ENVIRONMENT": "test"}
        command = [sys.executable, "-m", "intake.privacy.rotate", "--batch-size", "1"]
        resumed = await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True,
                                          text=True, timeout=120, cwd=Path(__file__).parent)
        assert resumed.returncode == 0, resumed.stderr
        assert json.loads(resumed.stdout) == {"active_key": "k2", "rotated": 2, "batches": 2,
                                              "remaining": 0}
        again = await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True,
                                        text=True, timeout=120)
        assert json.loads(again.stdout)["rotated"] == 0
        for secret in ("工人", "1380013800"):
            assert secret not in resumed.stdout + resumed.stderr

        async with intake.runtime.engine.connect() as conn:
            tokens = (await conn.execute(sa.text(
                "SELECT complainant_name_enc, complainant_id_number_enc, complainant_phone_enc "
                "FROM complaints"))).all()
        assert all(t.startswith("v1.k2.") for row in tokens for t in row)
        intake.runtime.cipher = FieldCipher.from_settings(json.dumps({"k2": K2}), "k2")  # k1 retired
        for n, complaint in enumerate(created):
            response = await intake.client.get(
                f"/v1/complaints/by-id/{complaint['complaint_id']}/complainant",
                params={"reason": "rotation check"}, headers=OFFICER)
            assert response.json()["phone"] == f"1380013800{n}"


async def test_r_int_8_status_answer_reveals_nobody_s_data(intake):
    created = await file(intake)
    await intake.client.post(f"/v1/complaints/by-id/{created['complaint_id']}/assignment",
                             json={"handler": "officer-9"}, headers=OFFICER)
    response = await intake.client.get(f"/v1/complaints/{created['tracking_code']}")
    view = response.json()
    assert view["status"] == "assigned"
    assert set(view) <= {"tracking_code", "status", "status_reason", "channel", "received_at",
                         "updated_at", "missing", "correction_notice"}
    for private in (*SECRETS, "officer-9", created["complaint_id"], "91350100M000100Y43"):
        assert private not in response.text
    # another complaint's code reads only that complaint; a near-miss code reads nothing
    assert (await intake.client.get(f"/v1/complaints/{created['tracking_code'][:-1]}")).status_code == 404


async def test_r_int_8_staff_of_one_district_cannot_read_or_act_on_another_district(intake):
    created = await file(intake)  # district d01
    complaint_id = created["complaint_id"]
    base = f"/v1/complaints/by-id/{complaint_id}"
    await intake.client.post(f"{base}/mediation", json={"result": "failed", "grid": "d01-g1"},
                             headers=bearer("grid_worker"))
    outsiders = [bearer(role, district="d02", subject=f"{role}-d02")
                 for role in ("officer_a", "grid_worker", "brigade_chief", "reviewer_b")]
    actions = [("GET", f"{base}/handling", None), ("POST", f"{base}/assignment", {"handler": "x"}),
               ("POST", f"{base}/phone-confirmation", {}), ("POST", f"{base}/escalation", {}),
               ("POST", f"{base}/registration-answer/told", {"channel": "phone"}),
               ("POST", f"{base}/mediation", {"result": "failed", "grid": "d02-g1"}),
               ("GET", f"{base}/complainant?reason=curious", None)]
    for headers in outsiders:
        for method, url, payload in actions:
            response = await intake.client.request(method, url, json=payload, headers=headers)
            # refused by role, or as unknown as a missing complaint (issue 10, finding 8)
            assert response.status_code in (403, 404), (method, url, response.text)
        listed = await intake.client.get("/v1/complaints", headers=headers)
        assert listed.status_code == 403 or listed.json()["items"] == []
        overdue = await intake.client.get("/v1/deadlines/overdue", headers=headers)
        assert overdue.json()["items"] == []
        rate = (await intake.client.get("/v1/deadlines/on-time-rate", headers=headers)).json()
        assert all(k["pending"] == 0 for k in rate["kinds"])
    handling = (await intake.client.get(f"{base}/handling", headers=OFFICER)).json()
    employer = await intake.client.get(f"/v1/employers/{handling['employer_id']}",
                                       headers=bearer("officer_a", district="d02"))
    assert employer.json()["complaint_ids"] == [] and employer.json()["projects"] == []
    assert handling["handler"] is None and handling["mediation_grid"] == "d01-g1"
