"""Issue 10, finding 8 in intake: another district's complaint answered 403 "Another district's
complaint", telling a prober that it exists; it now answers exactly like a missing one."""

from __future__ import annotations

import pytest

from .handling_support import bearer, file

pytestmark = pytest.mark.integration

ROLES = ("officer_a", "reviewer_b", "brigade_chief")


async def test_issue10_finding_8_another_districts_complaint_answers_like_a_missing_one(intake):
    complaint_id = (await file(intake, district="d01"))["complaint_id"]
    d02 = bearer(*ROLES, district="d02", subject="officer-d02")

    async def both(method: str, route: str, **kwargs) -> None:
        other = await intake.client.request(method, f"/v1/complaints/by-id/{complaint_id}{route}",
                                            headers=d02, **kwargs)
        missing = await intake.client.request(method, f"/v1/complaints/by-id/no-such{route}",
                                              headers=d02, **kwargs)
        assert other.status_code == 404, (route, other.text)
        assert (other.json() | {"instance": ""}) == (missing.json() | {"instance": ""}), route

    await both("GET", "/handling")
    await both("GET", "/complainant", params={"reason": "probing"})
    await both("POST", "/assignment", json={"handler": "officer-d02"})
    own = await intake.client.get(f"/v1/complaints/by-id/{complaint_id}/handling",
                                  headers=bearer(*ROLES, district="d01"))
    assert own.status_code == 200, own.text
