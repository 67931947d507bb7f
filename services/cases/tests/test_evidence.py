"""R-CASE-4 evidence list and R-OVS-1 tamper evidence on the real database."""

from __future__ import annotations

import base64
import hashlib
from itertools import pairwise

import pytest
import sqlalchemy as sa

from .conftest import OFFICER, REVIEWER
from .test_penalty import registered_case

pytestmark = pytest.mark.integration

ITEMS = [
    ("labor_contract", "劳动合同（工人甲）", b"%PDF-1.4 contract"),
    ("payroll", "2025年10-12月工资表", b"%PDF-1.4 payroll"),
    ("bank_statement", "代发工资银行流水", b"%PDF-1.4 bank"),
    ("interview_transcript", "询问笔录（法定代表人）", b"transcript text"),
]


async def collect(service, case_id: str) -> list[dict]:
    stored = []
    for kind, title, content in ITEMS:
        response = await service.client.post(f"/v1/cases/{case_id}/evidence", json={
            "kind": kind, "title": title, "content_type": "application/pdf",
            "content_b64": base64.b64encode(content).decode()}, headers=OFFICER)
        assert response.status_code == 201, response.text
        stored.append(response.json())
    return stored


async def verification(service, case_id: str) -> dict:
    response = await service.client.get(f"/v1/cases/{case_id}/evidence/verify", headers=REVIEWER)
    assert response.status_code == 200
    return response.json()


async def tamper(service, statement: str, **params: str) -> None:
    """As a superuser: switch the append-only trigger off, change rows, switch it on again."""
    async with service.runtime.engine.begin() as conn:
        await conn.execute(sa.text(
            "ALTER TABLE evidence_items DISABLE TRIGGER evidence_items_append_only"))
        await conn.execute(sa.text(statement), params)
        await conn.execute(sa.text(
            "ALTER TABLE evidence_items ENABLE TRIGGER evidence_items_append_only"))


async def test_r_case_4_evidence_is_fixed_with_its_hash_and_chained(cases):
    case_id = await registered_case(cases)
    stored = await collect(cases, case_id)
    assert [s["position"] for s in stored] == [1, 2, 3, 4]
    assert stored[0]["content_sha256"] == hashlib.sha256(ITEMS[0][2]).hexdigest()
    assert stored[0]["prev_hash"] == "0" * 64
    assert all(b["prev_hash"] == a["row_hash"] for a, b in pairwise(stored))
    listed = (await cases.client.get(f"/v1/cases/{case_id}/evidence", headers=REVIEWER)).json()
    assert [i["evidence_id"] for i in listed] == [s["evidence_id"] for s in stored]
    assert listed[1]["size"] == len(ITEMS[1][2])
    assert await verification(cases, case_id) == {"case_id": case_id, "intact": True, "items": 4,
                                                  "findings": []}


async def test_r_case_4_only_listed_kinds_and_only_officer_a(cases):
    case_id = await registered_case(cases)
    body = {"kind": "rumour", "title": "x", "content_type": "text/plain", "content_b64": "eA=="}
    assert (await cases.client.post(f"/v1/cases/{case_id}/evidence", json=body,
                                    headers=OFFICER)).status_code == 422
    body["kind"] = "payroll"
    assert (await cases.client.post(f"/v1/cases/{case_id}/evidence", json=body,
                                    headers=REVIEWER)).status_code == 403
    body["content_b64"] = "not base64!"
    assert (await cases.client.post(f"/v1/cases/{case_id}/evidence", json=body,
                                    headers=OFFICER)).status_code == 422


async def test_r_ovs_1_evidence_cannot_be_updated_or_deleted(cases):
    case_id = await registered_case(cases)
    await collect(cases, case_id)
    for statement in ("UPDATE evidence_items SET title = 'x'", "DELETE FROM evidence_items",
                      "TRUNCATE evidence_items"):
        async with cases.runtime.engine.connect() as conn:
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                await conn.execute(sa.text(statement))
    routes = {(m, r.path) for r in cases.app.routes for m in getattr(r, "methods", ())}
    assert not [r for r in routes if r[0] in {"DELETE", "PUT", "PATCH"} and "evidence" in r[1]]


async def test_r_ovs_1_altered_content_is_detected(cases):
    case_id = await registered_case(cases)
    stored = await collect(cases, case_id)
    await tamper(cases, "UPDATE evidence_items SET content = 'forged payroll'::bytea WHERE id = :id",
                 id=stored[1]["evidence_id"])
    result = await verification(cases, case_id)
    assert result["intact"] is False
    assert [(f["position"], f["problem"].split(":")[0]) for f in result["findings"]] == [
        (2, "content altered")]


async def test_r_ovs_1_altered_fields_with_a_recomputed_content_hash_are_detected(cases):
    case_id = await registered_case(cases)
    stored = await collect(cases, case_id)
    forged = b"forged"
    await tamper(cases, "UPDATE evidence_items SET content = convert_to(:content, 'UTF8'), "
                        "content_sha256 = :digest WHERE id = :id",
                 content=forged.decode(), digest=hashlib.sha256(forged).hexdigest(),
                 id=stored[2]["evidence_id"])
    result = await verification(cases, case_id)
    assert result["intact"] is False
    problems = {(f["position"], f["problem"].split(":")[0]) for f in result["findings"]}
    assert (3, "fields altered") in problems


async def test_r_ovs_1_deleted_items_are_detected_in_the_middle_and_at_the_end(cases):
    case_id = await registered_case(cases)
    stored = await collect(cases, case_id)
    await tamper(cases, "DELETE FROM evidence_items WHERE id = :id", id=stored[1]["evidence_id"])
    result = await verification(cases, case_id)
    assert result["intact"] is False and result["items"] == 3
    assert any("missing" in f["problem"] for f in result["findings"])

    other = await registered_case(cases)
    last = (await collect(cases, other))[-1]
    await tamper(cases, "DELETE FROM evidence_items WHERE id = :id", id=last["evidence_id"])
    result = await verification(cases, other)
    # the chain of the 3 left is intact; the audit log still anchors the deleted 4th
    assert result["intact"] is False and result["items"] == 3
    assert [f["position"] for f in result["findings"]] == [4]
