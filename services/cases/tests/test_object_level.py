"""Issue 10, the object-level authorization matrix in cases (OWASP API1), generated from
`tests/authz/access.py`: a d01 case (decided, its decision served), its decision document, a d01
major case and a d01 lead; every district route naming one answers d02 with the 404 of a missing
one, and does not refuse d01."""

from __future__ import annotations

import base64

import pytest

from tests.authz.objects import probe

from .conftest import REGISTRATION_FORM
from .test_leads import CREDIT, missing, until_leads
from .test_major import major_of, opened_case
from .test_penalty import decided_and_served, proposal
from .test_rectification import ORDER

pytestmark = pytest.mark.integration

CASE, MAJOR = "/v1/cases/{case_id}", "/v1/major-cases/{major_case_id}"
APPROVE = {"decision": "approve", "reason": "事实清楚"}
BODIES: dict[tuple[str, str], object] = {
    ("POST", f"{CASE}/registration-form"): REGISTRATION_FORM,
    ("POST", f"{CASE}/registration-form/review"): APPROVE,
    ("POST", f"{CASE}/registration"): {"decision": "register", "reason": "符合立案条件"},
    ("POST", f"{CASE}/close"): {"reason": "办结"},
    ("POST", f"{CASE}/rectification-order"): ORDER,
    ("POST", f"{CASE}/rectification"): {"evidence_ids": ["e-1"], "note": "工资已全额补发"},
    ("POST", f"{CASE}/penalty-proposal"): proposal(),
    ("POST", f"{CASE}/penalty-proposal/review"): APPROVE,
    ("POST", f"{CASE}/hearing"): {"note": "当事人书面要求听证"},
    ("POST", f"{CASE}/hearing/record"): {
        "held_at": "2026-01-05T09:00:00+08:00", "presiding": "主持人王某",
        "participants": ["案件承办人张某"], "record": "当事人对事实无异议。"},
    ("POST", f"{CASE}/evidence"): {
        "kind": "bank_statement", "title": "补发工资银行流水", "content_type": "application/pdf",
        "content_b64": base64.b64encode(b"%PDF-1.4 wages paid").decode()},
    ("POST", f"{CASE}/incidents"): {"kind": "online_attention", "views": 10},
    ("PUT", f"{MAJOR}/task-force"): {"members": [
        {"agency": "lead", "name": "联络人", "unit": "某区"}]},
    ("POST", f"{MAJOR}/milestones/{{milestone}}"): {"evidence_note": "现场照片与签到表已上传"},
    ("POST", f"{MAJOR}/sanctions"): {
        "developer": {"name": "某某房地产开发有限公司", "credit_code": "91350100M000100Y43"},
        "general_contractor": {"name": "某某建筑工程有限公司"},
        "individuals": [{"name": "张三", "role": "foreman"}]},
    ("POST", "/v1/leads/{lead_id}/take"): {"reason": "纳入本周检查计划"},
    ("POST", "/v1/leads/{lead_id}/dismiss"): {"reason": "项目已竣工验收"},
}


async def test_issue10_object_level_other_districts_cases_answer_404(cases):
    case_id, decision, _ = await decided_and_served(cases)
    major_case_id = (await major_of(cases, await opened_case(cases, worker_count=30)))[
        "major_case_id"]
    await cases.upstream.send(missing(district="d01"), source=CREDIT)
    [lead] = await until_leads(cases, 1)
    ids = {"case": case_id, "case_document": decision["document_id"],
           "major_case": major_case_id, "lead": lead["id"]}
    wrong = await probe(cases.client, "cases", ids, BODIES)
    assert wrong == [], "\n".join(wrong)
