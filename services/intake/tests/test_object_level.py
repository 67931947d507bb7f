"""Issue 10, the object-level authorization matrix in intake (OWASP API1), generated from
`tests/authz/access.py`: every district route naming a complaint answers d02 on a d01 complaint
with the 404 of a missing one, and serves d01."""

from __future__ import annotations

import pytest

from tests.authz.objects import probe

from .handling_support import file

pytestmark = pytest.mark.integration

BASE = "/v1/complaints/by-id/{complaint_id}"
BODIES: dict[tuple[str, str], object] = {
    ("POST", f"{BASE}/assignment"): {"handler": "officer-d01"},
    ("POST", f"{BASE}/phone-confirmation"): {"note": "已电话联系投诉人"},
    ("POST", f"{BASE}/registration-answer/told"): {"channel": "phone"},
    ("POST", f"{BASE}/correction-notice/told"): {"channel": "phone"},
    ("POST", f"{BASE}/mediation"): {"result": "failed", "grid": "d01-s03-g07"},
    ("POST", f"{BASE}/escalation"): {"note": "调解不成"},
}
QUERIES = {("GET", f"{BASE}/complainant"): {"reason": "核实投诉事实"},
           ("GET", f"{BASE}/text"): {"reason": "核实投诉事实"}}


async def test_issue10_object_level_other_districts_complaints_answer_404(intake):
    complaint_id = (await file(intake, district="d01"))["complaint_id"]
    wrong = await probe(intake.client, "intake", {"complaint": complaint_id}, BODIES,
                        queries=QUERIES)
    assert wrong == [], "\n".join(wrong)
