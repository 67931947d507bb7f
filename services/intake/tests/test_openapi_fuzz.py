"""Property-based run of intake's whole OpenAPI (schemathesis), as every kind of caller in turn:
no 5xx, every answer as documented, invalid requests refused, nothing answered without
credentials where the schema declares them (issue 10)."""

from __future__ import annotations

import pytest
from labor_runtime.testing import Caller, callers_of, fuzz_openapi, fuzz_stateful

from .handling_support import file

pytestmark = pytest.mark.integration


async def test_issue10_fuzz_every_intake_operation_as_every_caller(intake):
    filed = await file(intake)  # a complaint behind the lists, the dashboard and its own routes
    callers = await callers_of(intake, channel_scopes=["complaints:write"], partner_scopes=[])
    failures = await fuzz_openapi(intake, callers, known_ids={
        "tracking_code": [filed["tracking_code"]], "complaint_id": [filed["complaint_id"]]})
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:30])


async def test_issue10_fuzz_intake_stateful_complaint_sequences(intake):
    """File a complaint, then follow its links: the worker follows it by tracking code, uploads
    materials, staff read the complainant."""
    callers = {c.name: c for c in await callers_of(
        intake, channel_scopes=["complaints:write"], partner_scopes=[])}
    both = Caller("channel and city-wide staff",
                  {**callers["channel"].headers, **callers["city-wide staff"].headers}, 1)
    calls, failures = await fuzz_stateful(intake, both)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:30])
    assert "GET /v1/complaints/{tracking_code} -> 200" in calls
