"""Property-based run of publish's whole OpenAPI (schemathesis), as every kind of caller in turn,
on a registered partner: no 5xx, every answer as documented, invalid requests refused, nothing
answered without credentials where the schema declares them (issue 10)."""

from __future__ import annotations

import pytest
from labor_runtime.testing import callers_of, fuzz_openapi, fuzz_stateful

from .conftest import create_partner

pytestmark = pytest.mark.integration


async def test_issue10_fuzz_every_publish_operation_as_every_caller(publish, receiver):
    partner = await create_partner(publish, "住建局", receiver.url("/hook"), ["penalty_decision"])
    callers = await callers_of(publish, channel_scopes=[], partner_scopes=["disclosures:read"])
    failures = await fuzz_openapi(publish, callers, known_ids={"partner_id": [partner["id"]]})
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:30])


async def test_issue10_fuzz_publish_stateful_partner_sequences(publish):
    """Create a partner, then follow its links: read it, replace its subscriptions and webhook,
    list its deliveries."""
    city = next(c for c in await callers_of(publish, channel_scopes=[], partner_scopes=[])
                if c.name == "city-wide staff")
    calls, failures = await fuzz_stateful(publish, city)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:30])
    assert "GET /v1/partners/{partner_id} -> 200" in calls
