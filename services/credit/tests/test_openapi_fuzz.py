"""Property-based run of credit's whole OpenAPI (schemathesis), as every kind of caller in turn,
on a loaded grid tree and a registered employer: no 5xx, every answer as documented, invalid
requests refused, nothing answered without credentials where the schema declares them
(issue 10; R-ORG-1, R-CRD-1, R-CRD-3, R-CRD-6)."""

from __future__ import annotations

import pytest
from labor_runtime.testing import callers_of, fuzz_openapi

from .conftest import CODE, bearer

pytestmark = pytest.mark.integration


async def test_issue10_fuzz_every_credit_operation_as_every_caller(gridded):
    credit = gridded
    officer = bearer("officer_a", district="d01")
    assert (await credit.client.put(f"/v1/employers/{CODE}", headers=officer, json={
        "name": "某某建筑工程有限公司", "grid": "350102001001"})).status_code == 201
    callers = await callers_of(credit, channel_scopes=[], partner_scopes=[
        "ingest:judgment_debtors", "sanctions:market_ban"])
    failures = await fuzz_openapi(credit, callers, known_ids={
        "credit_code": [CODE], "code": ["350102001001"]})
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:30])

