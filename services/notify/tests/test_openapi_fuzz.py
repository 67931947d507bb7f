"""Property-based run of notify's whole OpenAPI (schemathesis), as every kind of caller in turn,
with every gateway configured and a confirmed delivery address: no 5xx, every answer as
documented, invalid requests refused, nothing answered without credentials where the schema
declares them (issue 10)."""

from __future__ import annotations

import pytest
from labor_runtime.testing import callers_of, fuzz_openapi

from .conftest import confirm

pytestmark = pytest.mark.integration


async def test_issue10_fuzz_every_notify_operation_as_every_caller(notify_gateways):
    confirmed = await confirm(notify_gateways, email="hr@employer.example.cn")
    callers = await callers_of(notify_gateways, channel_scopes=[], partner_scopes=[])
    failures = await fuzz_openapi(notify_gateways, callers,
                                  known_ids={"confirmation_id": [confirmed["id"]]})
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:30])

