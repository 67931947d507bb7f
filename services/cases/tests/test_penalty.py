"""Penalty proposal, review, notice, decision, service and publication on the real database and
broker; notify and publish are stood in for by events on the run's exchange. The issued PDFs are
read with pypdf (https://pypdf.readthedocs.io/en/stable/user/extract-text.html and
user/extract-images.html)."""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlparse

import pypdf
import pytest
import sqlalchemy as sa
from cases.documents.render import qr_png
from labor_contracts.notify import DocumentServed
from labor_contracts.publish import DisclosurePublished
from labor_runtime.audit import verify_chain
from labor_runtime.clock import BUREAU_TZ
from labor_runtime.testing import eventually
from PIL import Image

from .conftest import BRIGADE_CHIEF, CREDIT_CODE, DETACHMENT_CHIEF, OFFICER, REVIEWER, auth, complaint

pytestmark = pytest.mark.integration

INTAKE, NOTIFY, PUBLISH = "/services/intake", "/services/notify", "/services/publish"
DAY = 86400


def proposal(fine: str = "30000.00", **changes) -> dict:
    return {
        "violation": "拖欠六名劳动者2025年10月至12月工资共计人民币120000元",
        "legal_basis": "《保障农民工工资支付条例》第五十七条",
        "fine_amount": fine,
        "measures": ["责令于十五日内支付拖欠的劳动者工资"],
        "party": {"name": "某某建筑工程有限公司", "credit_code": CREDIT_CODE,
                  "legal_representative": "李四", "email": "legal@builder.example.cn",
                  "address": "某市某区某路1号"},
        **changes,
    }


async def registered_case(service) -> str:
    accepted = complaint(worker_count=6)
    await service.upstream.send(accepted, source=INTAKE)
    found: list[dict] = []

    async def opened() -> bool:
        found[:] = (await service.client.get("/v1/cases", params={"complaint_id": accepted.complaint_id},
                                             headers=OFFICER)).json()
        return bool(found) and found[0]["state"] == "registered"

    await eventually(opened)
    return found[0]["case_id"]


async def approved(service, case_id: str, fine: str = "30000.00", **changes) -> dict:
    response = await service.client.post(f"/v1/cases/{case_id}/penalty-proposal",
                                         json=proposal(fine, **changes), headers=OFFICER)
    assert response.status_code == 201, response.text
    response = await service.client.post(f"/v1/cases/{case_id}/penalty-proposal/review",
                                         json={"decision": "approve", "reason": "事实清楚，量罚适当"},
                                         headers=REVIEWER)
    assert response.status_code == 200, response.text
    return response.json()


async def case(service, case_id: str) -> dict:
    return (await service.client.get(f"/v1/cases/{case_id}", headers=OFFICER)).json()


async def serve(service, case_id: str, document_id: str, kind: str, served_at: datetime,
                **proof: str):
    """notify's proof of service; `proof` adds its stored artefact (proof_id, proof_sha256,
    chain_sha256)."""
    return await service.upstream.send(DocumentServed(
        document_id=document_id, case_id=case_id, kind=kind, channel="email", served_at=served_at,
        proof="250 2.0.0 Ok: queued as 4F2A1", **proof), source=NOTIFY, subject=document_id)


async def until_state(service, case_id: str, state: str) -> dict:
    seen: dict = {}

    async def reached() -> bool:
        seen.update(await case(service, case_id))
        return seen["state"] == state

    await eventually(reached)
    return seen


async def decide(service, case_id: str, headers=DETACHMENT_CHIEF):
    return await service.client.post(f"/v1/cases/{case_id}/decision", headers=headers)


async def advance(service, seconds: float) -> None:
    response = await service.client.post("/v1/ops/clock", json={"advance_seconds": seconds})
    assert response.status_code == 200


async def timer(service, kind: str, subject: str):
    async with service.runtime.engine.connect() as conn:
        return (await conn.execute(sa.text(
            "SELECT due_at, completed_at, fired_at, cancelled_at FROM timers "
            "WHERE kind = :k AND subject = :s"),
            {"k": kind, "s": subject})).one()


async def decided_and_served(service, served_after: timedelta = timedelta(0)):
    """A small fine (no notice) decided at once and its decision served `served_after` later."""
    case_id = await registered_case(service)
    await approved(service, case_id, fine="5000.00")
    decision = (await decide(service, case_id)).json()
    served_at = service.runtime.clock.now() + served_after
    await serve(service, case_id, decision["document_id"], "penalty_decision", served_at)
    await until_state(service, case_id, "executing")
    return case_id, decision, served_at


# R-ORG-2 -------------------------------------------------------------------------------------


async def test_r_org_2_the_proposer_may_not_review_or_sign(cases):
    case_id = await registered_case(cases)
    both = auth("officer_a", "reviewer_b", "detachment_chief", subject="officer-zhang", district="d01")
    await cases.client.post(f"/v1/cases/{case_id}/penalty-proposal", json=proposal(), headers=both)
    response = await cases.client.post(f"/v1/cases/{case_id}/penalty-proposal/review",
                                       json={"decision": "approve", "reason": "looks fine"},
                                       headers=both)
    problem = response.json()
    assert response.status_code == 403 and problem["type"].endswith("/separation-of-duties")
    assert "officer-zhang submitted this penalty proposal" in problem["detail"]
    assert "R-ORG-2" in problem["detail"]

    reviewed = await cases.client.post(f"/v1/cases/{case_id}/penalty-proposal/review",
                                       json={"decision": "approve", "reason": "事实清楚"},
                                       headers=REVIEWER)
    assert reviewed.json()["status"] == "approved" and reviewed.json()["reviewed_by"] == "reviewer-wang"
    signer = await decide(cases, case_id, headers=both)
    assert signer.status_code == 403 and "R-ORG-2" in signer.json()["detail"]


async def test_roles_are_checked_on_every_step(cases):
    case_id = await registered_case(cases)
    wrong = await cases.client.post(f"/v1/cases/{case_id}/penalty-proposal", json=proposal(),
                                    headers=REVIEWER)
    assert wrong.status_code == 403
    await cases.client.post(f"/v1/cases/{case_id}/penalty-proposal", json=proposal(), headers=OFFICER)
    wrong = await cases.client.post(f"/v1/cases/{case_id}/penalty-proposal/review",
                                    json={"decision": "approve", "reason": "ok ok"}, headers=OFFICER)
    assert wrong.status_code == 403
    assert (await decide(cases, case_id, headers=BRIGADE_CHIEF)).status_code == 403


async def test_rejected_proposal_can_be_proposed_again_and_double_proposals_are_refused(cases):
    case_id = await registered_case(cases)
    await cases.client.post(f"/v1/cases/{case_id}/penalty-proposal", json=proposal(), headers=OFFICER)
    again = await cases.client.post(f"/v1/cases/{case_id}/penalty-proposal", json=proposal(),
                                    headers=OFFICER)
    assert again.status_code == 409 and again.json()["type"].endswith("/proposal-proposed")
    rejected = await cases.client.post(f"/v1/cases/{case_id}/penalty-proposal/review",
                                       json={"decision": "reject", "reason": "补充银行流水"},
                                       headers=REVIEWER)
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["notice_document_id"] is None
    assert (await decide(cases, case_id)).json()["type"].endswith("/no-approved-proposal")
    resubmitted = await cases.client.post(f"/v1/cases/{case_id}/penalty-proposal",
                                          json=proposal(), headers=OFFICER)
    assert resubmitted.status_code == 201 and resubmitted.json()["status"] == "proposed"


async def test_invalid_party_credit_code_is_a_422_with_reason(cases):
    case_id = await registered_case(cases)
    bad = proposal()
    bad["party"]["credit_code"] = "91350100M000100Y44"
    response = await cases.client.post(f"/v1/cases/{case_id}/penalty-proposal", json=bad,
                                       headers=OFFICER)
    assert response.status_code == 422 and "check character" in response.json()["detail"]


# R-CASE-5 ------------------------------------------------------------------------------------


async def test_r_case_5_decision_refused_before_the_notice_period_and_signed_after(cases):
    case_id = await registered_case(cases)
    reviewed = await approved(cases, case_id, fine="30000.00")
    assert reviewed["notice_required"] is True
    notice_id = reviewed["notice_document_id"]
    [issued] = await cases.probe.wait_for("cases.document.issued.v2")
    assert issued.data["document_id"] == notice_id and issued.data["kind"] == "penalty_notice"
    assert issued.data["recipient"]["email"] == "legal@builder.example.cn"
    assert issued.data["recipient"]["legal_representative"] == "李四"
    content = base64.b64decode(issued.data["content_b64"])
    assert hashlib.sha256(content).hexdigest() == issued.data["sha256"]
    assert issued.data["verify_url"] == f"https://cases.example.gov.cn/v1/documents/{notice_id}/verify"
    assert "行政处罚告知书" in pypdf.PdfReader(io.BytesIO(content)).pages[0].extract_text()

    not_served = await decide(cases, case_id)
    assert not_served.status_code == 409 and not_served.json()["type"].endswith("/notice-not-served")

    served_at = cases.runtime.clock.now()
    await serve(cases, case_id, notice_id, "penalty_notice", served_at)
    view = await until_state(cases, case_id, "notice_served")
    ends = served_at + timedelta(days=3)
    assert datetime.fromisoformat(view["notice_period_ends_at"]) == ends
    assert (await timer(cases, "cases.notice_period", case_id)).due_at == ends

    early = await decide(cases, case_id)
    problem = early.json()
    assert early.status_code == 409 and problem["type"].endswith("/notice-period-running")
    assert datetime.fromisoformat(problem["decision_allowed_from"]) == ends

    await advance(cases, 3 * DAY - 120)
    assert (await decide(cases, case_id)).status_code == 409  # still two minutes short
    await advance(cases, 120)
    signed = await decide(cases, case_id)
    assert signed.status_code == 201, signed.text
    decision = signed.json()
    assert (await case(cases, case_id))["state"] == "decided"

    [decided] = await cases.probe.wait_for("cases.penalty.decided.v1")
    decided_at = datetime.fromisoformat(decided.data["decided_at"])
    assert decided.data["decision_number"] == decision["decision_number"]
    assert decided.data["fine_amount"] == "30000.00"
    assert decided.data["employer"]["credit_code"] == CREDIT_CODE
    assert decided.data["authority"] == "某市人力资源和社会保障局"
    assert decided.data["worker_count"] == 6 and decided.data["district"] == "d01"
    assert decided.data["publish_by"] == str(decided_at.astimezone(BUREAU_TZ).date() + timedelta(days=7))
    issued = {e.data["kind"]: e for e in await cases.probe.wait_for("cases.document.issued.v2",
                                                                    count=3)}
    assert issued["penalty_decision"].data["document_id"] == decision["document_id"]
    assert "credit_repair_notice" in issued  # R-CASE-6: served with the decision
    publication = await timer(cases, "cases.publication_due", case_id)
    assert publication.completed_at is None
    notice_period = await timer(cases, "cases.notice_period", case_id)
    assert notice_period.fired_at is not None or notice_period.completed_at is not None

    text = pypdf.PdfReader(io.BytesIO(base64.b64decode(
        issued["penalty_decision"].data["content_b64"]))).pages[0]
    assert "《行政处罚告知书》" in text.extract_text()  # the decision cites the notice served


async def test_r_case_5_small_fine_is_decided_directly_after_approval(cases):
    case_id = await registered_case(cases)
    reviewed = await approved(cases, case_id, fine="5000.00")
    assert reviewed["notice_required"] is False and reviewed["notice_document_id"] is None
    signed = await decide(cases, case_id)
    assert signed.status_code == 201, signed.text
    assert (await case(cases, case_id))["state"] == "decided"


async def test_r_case_5_stop_production_order_needs_notice_whatever_the_fine(cases):
    case_id = await registered_case(cases)
    reviewed = await approved(cases, case_id, fine="0.00", stop_production=True,
                              measures=["责令停产停业"])
    assert reviewed["notice_required"] is True and reviewed["notice_document_id"]
    assert (await decide(cases, case_id)).status_code == 409


# R-CASE-6 / R-DLV-3 ---------------------------------------------------------------------------


async def test_r_case_6_payment_due_fifteen_days_from_the_proven_time_of_service(cases):
    case_id, decision, served_at = await decided_and_served(cases, served_after=timedelta(days=2))
    due = served_at + timedelta(days=15)
    view = await case(cases, case_id)
    assert datetime.fromisoformat(view["payment_due_at"]) == due  # not decision time + 15 days
    assert datetime.fromisoformat(view["decided_at"]) + timedelta(days=15) != due
    payment = await timer(cases, "cases.payment_due", case_id)
    assert payment.due_at == due and payment.completed_at is None
    read = (await cases.client.get(f"/v1/cases/{case_id}/decision", headers=OFFICER)).json()
    assert datetime.fromisoformat(read["served_at"]) == served_at
    assert datetime.fromisoformat(read["payment_due_at"]) == due
    served_doc = next(d for d in view["documents"] if d["document_id"] == decision["document_id"])
    assert served_doc["served_channel"] == "email"


def pdf_text(content: bytes) -> str:
    """The PDF's text without whitespace (CJK lines wrap anywhere)."""
    return "".join("".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages)
                   .split())


async def test_r_case_6_credit_repair_notice_issued_with_the_decision(cases):
    case_id = await registered_case(cases)
    await approved(cases, case_id, fine="5000.00")
    decision = (await decide(cases, case_id)).json()
    issued = {e.data["kind"]: e for e in await cases.probe.wait_for("cases.document.issued.v2",
                                                                    count=2)}
    assert set(issued) == {"penalty_decision", "credit_repair_notice"}
    notice = issued["credit_repair_notice"].data
    assert (notice["case_id"], notice["title"]) == (case_id, "信用修复告知书")
    assert notice["recipient"]["email"] == "legal@builder.example.cn"
    content = base64.b64decode(notice["content_b64"])
    assert hashlib.sha256(content).hexdigest() == notice["sha256"]
    document_id = notice["document_id"]
    assert notice["verify_url"] == f"https://cases.example.gov.cn/v1/documents/{document_id}/verify"

    # The stored PDF is the one served; it states the minimum publicity period and R-CRD-5.
    stored = await cases.client.get(f"/v1/documents/{document_id}/pdf", headers=OFFICER)
    assert stored.content == content
    text = pdf_text(content)
    assert "信用修复告知书" in text and f"《行政处罚决定书》（{decision['decision_number']}）" in text
    assert "最短公示期为1年" in text and "已公示满1年" in text
    for condition in ("已全额缴纳罚款", "已改正违法行为", "作出书面信用承诺",
                      "大队初审、支队复审", "网站公示7日", "公示期满无异议的，予以信用修复"):
        assert condition in text
    [qr] = pypdf.PdfReader(io.BytesIO(content)).pages[0].images
    expected = Image.open(io.BytesIO(qr_png(notice["verify_url"])))
    assert qr.image.convert("1").tobytes() == expected.convert("1").tobytes()

    # R-DLV-4: verifiable by its QR code; numbered in its own gap-free series.
    link = urlparse(notice["verify_url"]).path
    view = (await cases.client.get(link, params={"sha256": notice["sha256"]})).json()
    assert view["genuine"] and view["kind"] == "credit_repair_notice" and view["matches"] is True
    assert view["number"] == f"某劳监信修〔{view['issued_on'][:4]}〕0001"
    [listed] = [d for d in (await case(cases, case_id))["documents"]
                if d["kind"] == "credit_repair_notice"]
    assert (listed["document_id"], listed["number"]) == (document_id, view["number"])
    assert listed["issued_at"] == decision["decided_at"]  # issued together with the decision
    assert listed["served_at"] is None  # until notify proves it
    signed = (await cases.client.get(f"/v1/documents/{document_id}/signatures",
                                     headers=OFFICER)).json()
    assert signed["all_valid"] and [(s["signer"], s["purpose"]) for s in signed["signatures"]] == [
        ("chief-zhao", "credit_repair_notice")]
    timeline = (await cases.client.get(f"/v1/cases/{case_id}/timeline", headers=OFFICER)).json()
    assert f"credit-repair notice {view['number']} issued with it for service" in timeline[-1]["reason"]


async def test_r_dlv_3_proof_of_service_is_recorded_with_the_case_documents(cases):
    case_id = await registered_case(cases)
    await approved(cases, case_id, fine="5000.00")
    decision = (await decide(cases, case_id)).json()
    issued = await cases.probe.wait_for("cases.document.issued.v2", count=2)
    [repair_id] = [e.data["document_id"] for e in issued if e.data["kind"] == "credit_repair_notice"]
    served_at = cases.runtime.clock.now() + timedelta(hours=3)
    decision_proof = {"proof_id": "proof-decision-1", "proof_sha256": "ab" * 32,
                      "chain_sha256": "cd" * 32}
    repair_proof = {"proof_id": "proof-repair-1", "proof_sha256": "ef" * 32,
                    "chain_sha256": "01" * 32}
    await serve(cases, case_id, decision["document_id"], "penalty_decision", served_at,
                **decision_proof)
    await serve(cases, case_id, repair_id, "credit_repair_notice", served_at + timedelta(minutes=5),
                **repair_proof)
    documents: dict[str, dict] = {}

    async def both_served() -> bool:
        documents.update({d["document_id"]: d for d in (await case(cases, case_id))["documents"]})
        return all(documents[i]["served_at"] for i in (decision["document_id"], repair_id))

    await eventually(both_served)
    for document_id, proof, at in ((decision["document_id"], decision_proof, served_at),
                                   (repair_id, repair_proof, served_at + timedelta(minutes=5))):
        shown = documents[document_id]
        assert datetime.fromisoformat(shown["served_at"]) == at
        assert {k: shown[k] for k in proof} == proof
    # The payment term runs from the decision's service only (R-CASE-6).
    view = await until_state(cases, case_id, "executing")
    assert datetime.fromisoformat(view["payment_due_at"]) == served_at + timedelta(days=15)
    async with cases.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.text(
            "SELECT document_id, proof, proof_id, proof_sha256, chain_sha256 "
            "FROM document_services ORDER BY served_at"))).all()
    assert [tuple(r) for r in rows] == [
        (decision["document_id"], "250 2.0.0 Ok: queued as 4F2A1", *decision_proof.values()),
        (repair_id, "250 2.0.0 Ok: queued as 4F2A1", *repair_proof.values())]


async def test_r_dlv_3_a_proof_without_its_artefact_is_recorded_with_empty_proof_fields(cases):
    case_id, decision, _ = await decided_and_served(cases)
    shown = next(d for d in (await case(cases, case_id))["documents"]
                 if d["document_id"] == decision["document_id"])
    assert shown["served_at"] is not None
    assert (shown["proof_id"], shown["proof_sha256"], shown["chain_sha256"]) == (None, None, None)


async def test_r_case_6_missed_payment_deadline_raises_an_overdue_event(cases):
    case_id, _, _ = await decided_and_served(cases)
    await advance(cases, 15 * DAY + 60)

    async def payment_overdue() -> bool:
        return any(e.data["kind"] == "cases.payment_due" and e.data["subject"] == case_id
                   for e in cases.probe.of("runtime.deadline.overdue.v1"))

    await eventually(payment_overdue)
    assert (await timer(cases, "cases.payment_due", case_id)).fired_at is not None


async def test_redelivered_service_events_change_nothing(cases):
    case_id, decision, served_at = await decided_and_served(cases)
    original = await case(cases, case_id)
    envelope = await serve(cases, case_id, decision["document_id"], "penalty_decision",
                           served_at + timedelta(days=1))  # a second proof, another event id
    await cases.upstream.resend(envelope)  # and that event delivered twice

    async def handled() -> bool:
        async with cases.runtime.engine.connect() as conn:
            return (await conn.execute(sa.text(
                "SELECT count(*) FROM inbox WHERE event_type = 'notify.document.served.v1'"
            ))).scalar_one() == 2

    await eventually(handled)
    assert await case(cases, case_id) == original
    async with cases.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM document_services), "
            "(SELECT count(*) FROM timers WHERE kind = 'cases.payment_due'), "
            "(SELECT count(*) FROM case_timeline WHERE action = 'serve_decision')"))).one()
    assert tuple(rows) == (1, 1, 1)


async def test_served_event_for_a_document_of_another_service_is_ignored(cases):
    case_id = await registered_case(cases)
    await serve(cases, case_id, str(uuid.uuid4()), "correction_notice", cases.runtime.clock.now())

    async def handled() -> bool:
        async with cases.runtime.engine.connect() as conn:
            return (await conn.execute(sa.text(
                "SELECT count(*) FROM inbox WHERE event_type = 'notify.document.served.v1'"
            ))).scalar_one() == 1

    await eventually(handled)
    assert (await case(cases, case_id))["state"] == "registered"


# R-CASE-8 ------------------------------------------------------------------------------------


async def published(service, case_id: str, at: datetime):
    return await service.upstream.send(DisclosurePublished(
        disclosure_id=str(uuid.uuid4()), case_id=case_id, category="penalty", published_at=at,
        publicity_ends_on=(at + timedelta(days=365 * 3)).date()), source=PUBLISH, subject=case_id)


async def test_r_case_8_publication_meets_the_deadline_and_moves_an_executing_case(cases):
    case_id, _, _ = await decided_and_served(cases)
    at = cases.runtime.clock.now()
    await published(cases, case_id, at)
    view = await until_state(cases, case_id, "published")
    assert datetime.fromisoformat(view["published_at"]) == at
    publication = await timer(cases, "cases.publication_due", case_id)
    assert publication.completed_at is not None and publication.fired_at is None
    timeline = (await cases.client.get(f"/v1/cases/{case_id}/timeline", headers=OFFICER)).json()
    assert [e["to_state"] for e in timeline][-3:] == ["decided", "executing", "published"]


async def test_r_case_8_publication_before_the_decision_is_served_is_kept_for_later(cases):
    case_id = await registered_case(cases)
    await approved(cases, case_id, fine="5000.00")
    decision = (await decide(cases, case_id)).json()
    at = cases.runtime.clock.now()
    await published(cases, case_id, at)

    async def recorded() -> bool:
        return (await case(cases, case_id))["published_at"] is not None

    await eventually(recorded)
    assert (await case(cases, case_id))["state"] == "decided"  # publish needs execution first
    await serve(cases, case_id, decision["document_id"], "penalty_decision", at)
    await until_state(cases, case_id, "published")
    assert (await case(cases, case_id))["payment_due_at"] is not None


# R-DLV-4 -------------------------------------------------------------------------------------


async def test_r_org_2_documents_are_read_by_staff_of_the_cases_district_only(cases):
    case_id = await registered_case(cases)
    await approved(cases, case_id, fine="5000.00")
    document_id = (await decide(cases, case_id)).json()["document_id"]
    other = auth("officer_a", subject="officer-d02", district="d02")
    for path in ("pdf", "signatures"):
        url = f"/v1/documents/{document_id}/{path}"
        assert (await cases.client.get(url, headers=OFFICER)).status_code == 200
        refused = await cases.client.get(url, headers=other)
        # another district's document is as unknown as a missing one (issue 10, finding 8)
        assert refused.status_code == 404 and refused.json()["type"].endswith("not-found")
        missing = await cases.client.get(f"/v1/documents/no-such-document/{path}", headers=OFFICER)
        assert missing.status_code == 404, missing.text


async def test_r_dlv_4_the_pdf_qr_code_verifies_the_document(cases):
    case_id = await registered_case(cases)
    await approved(cases, case_id, fine="5000.00")
    decision = (await decide(cases, case_id)).json()
    response = await cases.client.get(f"/v1/documents/{decision['document_id']}/pdf",
                                      headers=OFFICER)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    pdf = response.content
    assert hashlib.sha256(pdf).hexdigest() == decision["sha256"]

    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    text = page.extract_text()
    assert "行政处罚决定书" in text and decision["decision_number"] in text
    assert "不得超出罚款的数额" in text  # the surcharge cap is stated on the decision
    [qr] = page.images
    expected = Image.open(io.BytesIO(qr_png(decision["verify_url"])))
    assert qr.image.convert("1").tobytes() == expected.convert("1").tobytes()

    link = urlparse(decision["verify_url"])
    answer = await cases.client.get(link.path)  # public: no token
    view = answer.json()
    assert answer.status_code == 200 and view["genuine"] is True
    assert view["kind"] == "penalty_decision" and view["number"] == decision["decision_number"]
    assert view["case_number"] == (await case(cases, case_id))["case_number"]
    assert view["sha256"] == decision["sha256"]
    assert view["issued_on"] == str(datetime.fromisoformat(decision["decided_at"])
                                    .astimezone(BUREAU_TZ).date())
    same = (await cases.client.get(link.path, params={"sha256": decision["sha256"].upper()})).json()
    assert same["matches"] is True
    forged = (await cases.client.get(link.path, params={
        "sha256": hashlib.sha256(pdf + b"x").hexdigest()})).json()
    assert forged["matches"] is False
    unknown = await cases.client.get(f"/v1/documents/{uuid.uuid4()}/verify")
    assert unknown.status_code == 404 and unknown.json()["type"].endswith("/document-unknown")
    assert (await cases.client.get(f"/v1/documents/{decision['document_id']}/pdf")).status_code == 401


async def test_r_ovs_1_documents_and_timeline_are_append_only(cases):
    case_id = await registered_case(cases)
    await approved(cases, case_id, fine="5000.00")
    await decide(cases, case_id)
    for statement in ("UPDATE documents SET sha256 = 'x'", "DELETE FROM case_timeline"):
        async with cases.runtime.engine.connect() as conn:
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                await conn.execute(sa.text(statement))


# R-OVS-2 -------------------------------------------------------------------------------------


async def test_r_ovs_2_every_review_and_signature_is_audited(cases):
    case_id = await registered_case(cases)
    await approved(cases, case_id, fine="5000.00")
    await decide(cases, case_id)
    async with cases.runtime.engine.connect() as conn:
        entries = (await conn.execute(sa.text(
            "SELECT actor, role, action, subject FROM audit_log ORDER BY seq"))).all()
    async with cases.runtime.session() as session:
        assert await verify_chain(session) == []
    subject = f"case:{case_id}"
    assert [tuple(e) for e in entries if e.subject == subject] == [
        (INTAKE, "system", "case.register", subject),
        ("officer-zhang", "officer_a", "penalty.propose", subject),
        ("reviewer-wang", "reviewer_b", "penalty.review.approve", subject),
        ("chief-zhao", "detachment_chief", "penalty.decision.sign", subject),
    ]


async def test_issue10_finding_7_required_text_blank_after_stripping_is_refused(cases):
    case_id = await registered_case(cases)
    blank = " \u3000\t"  # an ideographic space is blank too
    hostile = [
        ("penalty-proposal", proposal(violation=blank), "body.violation"),
        ("penalty-proposal", proposal(party={**proposal()["party"], "name": blank}),
         "body.party.name"),
        ("penalty-proposal", proposal(stop_production=1), "body.stop_production"),
        ("penalty-proposal", proposal(measures=["责令改正", blank]), "body.measures.1"),
        ("close", {"reason": blank}, "body.reason"),
        ("rectification-order", {"items": [blank]}, "body.items.0"),
        ("rectification-order", {"items": ["支付工资"], "within_days": True}, "body.within_days"),
        ("evidence", {"kind": "payroll", "title": blank, "content_type": "text/plain",
                      "content_b64": "YQ=="}, "body.title"),
    ]
    staff = auth("officer_a", "brigade_chief", subject="officer-1", district="d01")
    for route, body, location in hostile:
        refused = await cases.client.post(f"/v1/cases/{case_id}/{route}", json=body, headers=staff)
        assert refused.status_code == 422, (route, refused.text)
        assert [e["location"] for e in refused.json()["errors"]] == [location], route
    assert (await case(cases, case_id))["state"] == "registered"
    schema = cases.app.openapi()["components"]["schemas"]["PenaltyProposalCreate"]
    assert schema["properties"]["violation"]["pattern"] == r"\S"
