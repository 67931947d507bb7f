"""The rectified path of R-CASE-1 on the real database and broker: an order to rectify within a
term (a stored timer), compliance proven by the case's evidence, closing without a penalty."""

from __future__ import annotations

import base64
import hashlib
import io
from datetime import datetime, timedelta

import pypdf
import pytest
import sqlalchemy as sa
from labor_runtime.testing import eventually

from .conftest import BRIGADE_CHIEF, OFFICER, auth, later
from .test_penalty import approved, case, registered_case, serve, timer, until_state

pytestmark = pytest.mark.integration

ORDER = {"items": ["支付拖欠的六名劳动者2025年10月至12月工资", "依法建立工资支付台账"],
         "wages_to_pay": "120000.00"}


async def order(service, case_id: str, body: dict = ORDER, headers=OFFICER):
    return await service.client.post(f"/v1/cases/{case_id}/rectification-order", json=body,
                                     headers=headers)


async def payment_proof(service, case_id: str) -> str:
    response = await service.client.post(f"/v1/cases/{case_id}/evidence", json={
        "kind": "bank_statement", "title": "补发工资银行流水",
        "content_type": "application/pdf",
        "content_b64": base64.b64encode(b"%PDF-1.4 wages paid").decode()}, headers=OFFICER)
    assert response.status_code == 201, response.text
    return response.json()["evidence_id"]


async def comply(service, case_id: str, evidence_ids: list[str], headers=OFFICER):
    return await service.client.post(f"/v1/cases/{case_id}/rectification", json={
        "evidence_ids": evidence_ids, "note": "核对银行流水，六名工人工资已全额补发"}, headers=headers)


async def test_r_case_1_rectified_path_order_compliance_and_close(cases):
    case_id = await registered_case(cases)
    given = await order(cases, case_id)
    assert given.status_code == 201, given.text
    view = given.json()
    ordered_at = datetime.fromisoformat(view["ordered_at"])
    assert view["status"] == "ordered" and view["number"].startswith("某劳监改〔")
    assert datetime.fromisoformat(view["due_at"]) == ordered_at + timedelta(days=15)
    assert (await timer(cases, "cases.rectification_due", case_id)).due_at == ordered_at + timedelta(
        days=15)
    # The order is rendered once and QR-verifiable (its service: test_r_dlv_1_... below).
    pdf = await cases.client.get(f"/v1/documents/{view['document_id']}/pdf", headers=OFFICER)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    text = "".join(text.split())  # lines wrap anywhere in CJK text
    assert "限期整改指令书" in text and "依法建立工资支付台账" in text and "120000.00" in text
    verified = (await cases.client.get(f"/v1/documents/{view['document_id']}/verify")).json()
    assert verified["genuine"] and verified["kind"] == "rectification_order"
    signed = (await cases.client.get(f"/v1/documents/{view['document_id']}/signatures",
                                     headers=OFFICER)).json()
    assert signed["all_valid"] and [(s["signer"], s["purpose"]) for s in signed["signatures"]] == [
        ("officer-zhang", "rectification_order")]
    assert (await order(cases, case_id)).status_code == 409  # one running order per case

    unknown = await comply(cases, case_id, ["no-such-item"])
    assert unknown.status_code == 409 and "no-such-item" in unknown.json()["detail"]
    proof = await payment_proof(cases, case_id)
    complied = await comply(cases, case_id, [proof])
    assert complied.status_code == 200, complied.text
    assert complied.json()["status"] == "complied" and complied.json()["complied_in_time"] is True
    assert complied.json()["evidence_ids"] == [proof]
    await until_state(cases, case_id, "rectified")
    assert (await timer(cases, "cases.rectification_due", case_id)).completed_at is not None
    assert (await comply(cases, case_id, [proof])).status_code == 409

    # R-ORG-2: the officer who recorded the compliance does not also close on it.
    both = auth("officer_a", "brigade_chief", subject="officer-zhang", district="d01")
    body = {"reason": "已按期整改，工资全额补发，结案"}
    own = await cases.client.post(f"/v1/cases/{case_id}/close", json=body, headers=both)
    assert own.status_code == 403 and "R-ORG-2" in own.json()["detail"]
    closed = await cases.client.post(f"/v1/cases/{case_id}/close", json=body, headers=BRIGADE_CHIEF)
    assert closed.status_code == 204, closed.text
    timeline = (await cases.client.get(f"/v1/cases/{case_id}/timeline", headers=OFFICER)).json()
    assert [e["to_state"] for e in timeline][-3:] == ["investigating", "rectified", "closed"]
    assert [e["action"] for e in timeline][-3:] == [
        "order_rectification", "record_rectification", "close"]
    async with cases.runtime.engine.connect() as conn:
        actions = list((await conn.execute(sa.text(
            "SELECT action FROM audit_log WHERE subject = :s ORDER BY seq"),
            {"s": f"case:{case_id}"})).scalars())
    assert [a for a in actions if a.startswith(("rectification.", "case.close"))] == [
        "rectification.order", "rectification.complied", "case.close"]


async def test_r_dlv_1_the_order_to_rectify_is_served_electronically_and_keeps_its_printed_term(
        cases):
    case_id = await registered_case(cases)
    view = (await order(cases, case_id, {**ORDER, "within_days": 5})).json()
    document_id, due_at = view["document_id"], datetime.fromisoformat(view["due_at"])
    [issued] = [e for e in await cases.probe.wait_for("cases.document.issued.v2")
                if e.data["document_id"] == document_id]
    assert (issued.data["kind"], issued.data["title"]) == (
        "rectification_order", "劳动保障监察限期整改指令书")
    assert issued.data["case_id"] == case_id and issued.data["recipient"]["name"] == "某某建筑工程有限公司"
    content = base64.b64decode(issued.data["content_b64"])
    pdf = await cases.client.get(f"/v1/documents/{document_id}/pdf", headers=OFFICER)
    assert pdf.content == content and hashlib.sha256(content).hexdigest() == issued.data["sha256"]
    verified = (await cases.client.get(f"/v1/documents/{document_id}/verify",
                                       params={"sha256": issued.data["sha256"]})).json()
    assert verified["genuine"] and verified["matches"] and verified["served_at"] is None

    # R-DLV-3: served two days later, with notify's proof; the term printed on the order stays.
    served_at = cases.runtime.clock.now() + timedelta(days=2)
    proof = {"proof_id": "proof-order-1", "proof_sha256": "9f" * 32, "chain_sha256": "3c" * 32}
    await serve(cases, case_id, document_id, "rectification_order", served_at, **proof)
    shown: dict = {}

    async def served() -> bool:
        shown.update(next(d for d in (await case(cases, case_id))["documents"]
                          if d["document_id"] == document_id))
        return shown["served_at"] is not None

    await eventually(served)
    assert datetime.fromisoformat(shown["served_at"]) == served_at
    assert {k: shown[k] for k in proof} == proof
    verified = (await cases.client.get(f"/v1/documents/{document_id}/verify")).json()
    assert datetime.fromisoformat(verified["served_at"]) == served_at
    after = (await cases.client.get(f"/v1/cases/{case_id}/rectification", headers=OFFICER)).json()
    assert datetime.fromisoformat(after["due_at"]) == due_at
    assert (await timer(cases, "cases.rectification_due", case_id)).due_at == due_at
    timeline = (await cases.client.get(f"/v1/cases/{case_id}/timeline", headers=OFFICER)).json()
    assert timeline[-1]["action"] == "rectification_order_served"
    assert timeline[-1]["to_state"] == "investigating"
    assert "served by email" in timeline[-1]["reason"]
    assert "term stays as printed" in timeline[-1]["reason"]


async def test_r_case_1_missed_rectification_term_alerts_and_the_penalty_follows(cases):
    case_id = await registered_case(cases)
    assert (await order(cases, case_id, {**ORDER, "within_days": 5})).status_code == 201
    await later(cases, timedelta(days=5) - timedelta(minutes=1))
    assert (await timer(cases, "cases.rectification_due", case_id)).fired_at is None
    await later(cases, timedelta(minutes=2))

    async def alerted() -> bool:
        return any(e.data["kind"] == "cases.rectification_due" and e.data["subject"] == case_id
                   for e in cases.probe.of("runtime.deadline.overdue.v1"))

    await eventually(alerted)
    view = (await cases.client.get(f"/v1/cases/{case_id}/rectification", headers=OFFICER)).json()
    assert view["status"] == "lapsed" and view["lapsed_at"] is not None
    timeline = (await cases.client.get(f"/v1/cases/{case_id}/timeline", headers=OFFICER)).json()
    assert timeline[-1]["action"] == "rectification_lapsed"
    assert timeline[-1]["to_state"] == "investigating"
    # The penalty procedure goes on; no new order alongside a penalty proposal.
    await approved(cases, case_id, fine="5000.00")
    refused = await order(cases, case_id)
    assert refused.status_code == 409 and "penalty" in refused.json()["detail"]


async def test_r_case_1_rectification_needs_an_order_and_the_officer_role(cases):
    case_id = await registered_case(cases)
    proof = await payment_proof(cases, case_id)
    no_order = await comply(cases, case_id, [proof])
    assert no_order.status_code == 409 and no_order.json()["state"] == "registered"
    assert "order_rectification" in no_order.json()["allowed_actions"]
    assert (await order(cases, case_id, headers=BRIGADE_CHIEF)).status_code == 403
    other = auth("officer_a", subject="officer-d02", district="d02")
    assert (await order(cases, case_id, headers=other)).status_code == 404
    assert (await order(cases, case_id, {"items": []})).status_code == 422
