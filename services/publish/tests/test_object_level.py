"""Issue 10, finding 4 in publish (OWASP API1): the objectors' contacts of a d01 repair notice are
for d01's reviewers (and the city-wide); d02's get the 404 of a missing notice. Probed from
`tests/authz/access.py` on a notice seeded through credit's real event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.authz.objects import bearer, probe

from .test_credit_side import notice, send, wait_notice

pytestmark = pytest.mark.integration


async def test_issue10_finding_4_another_districts_repair_objections_answer_404(publish):
    now = datetime.now(UTC)
    await send(publish, notice("repair-1", starts=now - timedelta(hours=1),
                               ends=now + timedelta(days=7)).model_copy(update={"district": "d01"}),
               "repair-1")
    await wait_notice(publish, "repair-1")
    filed = await publish.client.post("/v1/repair-notices/repair-1/objections",
                                      json={"grounds": "仍拖欠工资", "contact": "13800138000"})
    assert filed.status_code == 201, filed.text
    wrong = await probe(publish.client, "publish", {"repair_notice": "repair-1"})
    assert wrong == [], "\n".join(wrong)
    [objection] = (await publish.client.get("/v1/repair-notices/repair-1/objections",
                                            headers=bearer("reviewer_b", "d01"))).json()
    assert objection["contact"] == "13800138000"
