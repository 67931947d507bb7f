"""Property-based run of cases' whole OpenAPI (schemathesis), as every kind of caller in turn,
on a registered case and an open lead: no 5xx, every answer as documented, invalid requests
refused, nothing answered without credentials where the schema declares them (issue 10)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from labor_contracts.credit import DepositMissing
from labor_runtime.testing import callers_of, eventually, fuzz_openapi, fuzz_stateful

from .conftest import CREDIT_CODE, OFFICER, complaint

pytestmark = pytest.mark.integration


async def test_issue10_fuzz_every_cases_operation_as_every_caller(cases):
    accepted = complaint()
    await cases.upstream.send(accepted, source="/services/intake", subject=accepted.complaint_id)
    await cases.upstream.send(DepositMissing(
        finding_id="f-1", project_id="P-001", project_name="某某小区二期", credit_code=CREDIT_CODE,
        employer_name="某某建筑工程有限公司", district="d01",
        reason="no wage guarantee deposit recorded", found_at=datetime.now(UTC)),
        source="/services/credit", subject="P-001")

    async def opened() -> list[dict]:
        found = await cases.client.get(f"/v1/cases?complaint_id={accepted.complaint_id}",
                                       headers=OFFICER)
        leads = await cases.client.get("/v1/leads", headers=OFFICER)
        return found.json() and leads.json() and [found.json()[0], leads.json()[0]]

    await eventually(opened)
    case, lead = await opened()
    callers = await callers_of(cases, channel_scopes=["complaints:write"], partner_scopes=[])
    failures = await fuzz_openapi(cases, callers, known_ids={
        "case_id": [case["case_id"]], "lead_id": [lead["id"]]})
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:30])


async def test_issue10_fuzz_cases_stateful_case_sequences(cases):
    """Find a case, then follow its links: read it, its timeline, registration form, penalty
    proposal, evidence and execution."""
    accepted = complaint()
    await cases.upstream.send(accepted, source="/services/intake", subject=accepted.complaint_id)

    async def opened() -> bool:
        return bool((await cases.client.get("/v1/cases", headers=OFFICER)).json())

    await eventually(opened)
    city = next(c for c in await callers_of(cases, channel_scopes=[], partner_scopes=[])
                if c.name == "city-wide staff")
    calls, failures = await fuzz_stateful(cases, city, paths="^/v1/cases")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:30])
    assert any(call.startswith("GET /v1/cases/{case_id}") and call.endswith("-> 200")
               for call in calls), calls
