"""Issue 10: DOMAIN.md's `ops` (deploy, replay dead letters, read metrics) never read personal
data. Every route `tests/authz/access.py` marks as answering with it (a party's addresses, proofs
of service with photos and signatures, a complainant's identity or words, a banned person,
objectors' contacts) refuses an ops token, city-wide or not, before looking anything up."""

from __future__ import annotations

import pytest
from labor_runtime.testing import running_service

from tests.authz.access import ROUTES, STAFF
from tests.authz.objects import bearer
from tests.authz.test_access_matrix import SERVICES, concrete

PERSONAL = [e for e in ROUTES if e.personal]


def test_issue10_ops_is_granted_no_route_with_personal_data():
    assert [e.key for e in PERSONAL if "ops" in e.effective_roles] == []


@pytest.mark.integration
@pytest.mark.parametrize("service", sorted({e.service for e in PERSONAL}))
async def test_issue10_ops_never_reads_personal_data(service, infrastructure, bus_prefix):
    settings, factory, migrations = SERVICES[service]
    async with running_service(settings, factory, migrations, infrastructure, bus_prefix) as running:
        wrong = []
        for entry in (e for e in PERSONAL if e.service == service):
            # a staff route refuses ops (403); a partner's route takes no staff token at all (401)
            expected = 403 if entry.credential is STAFF else 401
            for district in ("city", "d01"):
                answer = await running.client.request(entry.method, concrete(entry.path),
                                                      headers=bearer("ops", district))
                if answer.status_code != expected:
                    wrong.append(f"{entry.method} {entry.path} as ops@{district}: "
                                 f"{answer.status_code} {answer.text[:120]}")
        assert wrong == [], "\n".join(wrong)
