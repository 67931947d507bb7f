"""Issue 10, findings 8 and 9 in cases: another district's case answered 403 "Another district's
case", telling a prober that it exists, and a staff token without a district claim saw the whole
city."""

from __future__ import annotations

import pytest
from labor_runtime.testing import eventually

from .conftest import auth, complaint, staff_token
from .test_lifecycle import INTAKE, case_of

pytestmark = pytest.mark.integration

# Every reading of one case, as staff holding every role that may read cases.
CASE_READS = ("", "/timeline", "/registration-form", "/rectification", "/penalty-proposal",
              "/decision", "/hearing", "/evidence", "/evidence/verify", "/execution", "/major-case")
READER_ROLES = ("officer_a", "reviewer_b", "executor_c", "brigade_chief")


def shape(answer, case_id: str) -> tuple[int, dict]:
    """The answer with the id it names blanked: what a prober can compare."""
    body = {k: v.replace(case_id, "<id>") if isinstance(v, str) else v
            for k, v in answer.json().items()}
    return answer.status_code, body


async def test_issue10_finding_8_another_districts_case_answers_like_a_missing_one(cases):
    accepted = complaint(district="d01")
    await cases.upstream.send(accepted, source=INTAKE)
    case_id = (await case_of(cases, accepted.complaint_id))["case_id"]
    d02 = auth(*READER_ROLES, subject="officer-d02", district="d02")
    d01 = auth(*READER_ROLES, subject="officer-d01", district="d01")
    for route in CASE_READS:
        other = await cases.client.get(f"/v1/cases/{case_id}{route}", headers=d02)
        missing = await cases.client.get(f"/v1/cases/no-such-case{route}", headers=d02)
        assert other.status_code == 404, (route, other.text)
        assert shape(other, case_id) == shape(missing, "no-such-case"), route
    assert (await cases.client.get(f"/v1/cases/{case_id}", headers=d01)).status_code == 200
    order = {"items": ["支付拖欠三名工人的工资"]}
    acted = await cases.client.post(f"/v1/cases/{case_id}/rectification-order", json=order,
                                    headers=auth("officer_a", subject="officer-d02", district="d02"))
    assert acted.status_code == 404, acted.text


async def test_issue10_finding_9_a_district_role_without_a_district_claim_sees_nothing(cases):
    accepted = complaint(district="d02")
    await cases.upstream.send(accepted, source=INTAKE)
    city = auth("detachment_chief", district=None)

    async def opened() -> bool:
        return bool((await cases.client.get("/v1/cases", headers=city)).json())

    await eventually(opened)
    unscoped = {"Authorization": f"Bearer {staff_token('officer_a', subject='o-1', district=None)}"}
    answer = await cases.client.get("/v1/cases", headers=unscoped)
    assert answer.status_code == 403 and "district" in answer.json()["detail"], answer.text
    chief = await cases.client.get("/v1/cases", headers=city)
    assert [c["district"] for c in chief.json()] == ["d02"]
