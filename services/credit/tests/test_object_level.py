"""Issue 10, the object-level authorization matrix in credit (OWASP API1): one object of every kind
the district routes name, seeded in d01 through the API and the bus, then every such route of
`tests/authz/access.py` probed as d02 (404, like a missing one) and as d01 (served)."""

from __future__ import annotations

from datetime import date

import pytest
from labor_contracts.credit import RepairNoticeStarted
from labor_runtime.testing import eventually

from tests.authz.objects import probe

from .conftest import CODE, bearer, credit_code, publish, settled
from .test_blacklist import emitted, objection, register, repair_in_notice, repair_state
from .test_deposits import PROJECT, deposit
from .test_sanctions import ID_NUMBER, major_case_sanctions

pytestmark = pytest.mark.integration

TODAY = date.today()
REVIEW = {"approve": True, "reason": "条件具备"}
# A valid body for each write: a body the server refuses would answer 422 before the object is
# looked up, and hide whether another district's object is told apart from a missing one.
BODIES: dict[tuple[str, str], object] = {
    ("PUT", "/v1/employers/{credit_code}"): {
        "name": "某某建筑工程有限公司", "legal_representative": "李四", "district": "d01",
        "grid": "350102001001", "contact_email": "hr@example.com", "address": "某区某路1号"},
    ("POST", "/v1/employers/{credit_code}/findings"): {
        "kind": "false_rectification", "description": "台账系伪造", "found_on": TODAY.isoformat()},
    ("PUT", "/v1/grids/{code}/workers"): {"workers": ["gw-1"], "reason": "网格员调整"},
    ("PUT", "/v1/projects/{project_id}"): PROJECT,
    ("PUT", "/v1/projects/{project_id}/deposit"): deposit(TODAY, TODAY),
    ("POST", "/v1/blacklist/{entry_id}/review"): REVIEW,
    ("POST", "/v1/blacklist/{entry_id}/defence"): {"statement": "已支付全部工资",
                                                   "reason": "单位书面申辩"},
    ("POST", "/v1/blacklist/{entry_id}/defence/decision"): {"outcome": "upheld",
                                                            "reason": "回单日期晚于整改期限"},
    ("POST", "/v1/blacklist/{entry_id}/repair"): {
        "commitment_sha256": "ab" * 32, "commitment_date": TODAY.isoformat(),
        "reason": "单位申请信用修复，附信用承诺书"},
    ("PUT", "/v1/sanctions/{sanction_id}/person"): {"name": "王老五", "id_number": ID_NUMBER},
    ("POST", "/v1/repairs/{repair_id}/first-review"): REVIEW,
    ("POST", "/v1/repairs/{repair_id}/second-review"): REVIEW,
    ("POST", "/v1/repairs/{repair_id}/objections/{objection_id}/decision"): {
        "outcome": "dismissed", "reason": "经核实工资已结清"},
}

# An upsert by d02 names its own district: d01's object must still answer 404, not be taken over.
OTHER_BODIES: dict[tuple[str, str], object] = {
    ("PUT", "/v1/employers/{credit_code}"): BODIES[("PUT", "/v1/employers/{credit_code}")] | {
        "district": "d02", "grid": "350103001001"},
    ("PUT", "/v1/projects/{project_id}"): PROJECT | {"district": "d02", "grid": None},
}


async def test_issue10_object_level_other_districts_credit_objects_answer_404(
        credit, infrastructure, bus_prefix):
    await register(credit)
    project = await credit.client.put("/v1/projects/P-001", json=PROJECT,
                                      headers=bearer("officer_a", district="d01"))
    assert project.status_code == 201, project.text
    await publish(infrastructure, bus_prefix, major_case_sanctions())
    await settled(credit, 1)
    sanctions = (await credit.client.get("/v1/sanctions", params={"major_case_id": "major-1"},
                                         headers=bearer("officer_a", district="d01"))).json()
    [foreman] = [s for s in sanctions if s["party_role"] == "foreman"]
    entry, repair = await repair_in_notice(credit)
    await publish(infrastructure, bus_prefix, objection(repair))
    await repair_state(credit, repair, "stopped")

    async def quiet() -> bool:
        return credit.runtime.consumer.stats.processed >= 2

    await eventually(quiet)
    ids = {"employer": CODE, "grid": "350102001001", "project": "P-001",
           "blacklist_entry": entry["id"], "sanction": foreman["id"], "repair": repair["id"],
           "repair_objection": "obj-1"}
    absent = {"employer": credit_code("91350100M000999Y4"), "grid": "350102999999"}
    # publish shows the objectors' contacts to the notice's district only
    [started] = await emitted(credit, RepairNoticeStarted.event_type)
    assert started["district"] == "d01"
    wrong = await probe(credit.client, "credit", ids, BODIES, absent, OTHER_BODIES)
    assert wrong == [], "\n".join(wrong)
