"""Issue 10, finding 8 in credit: another district's employer answers exactly like one that is
not in the register, on its entry and on its grade."""

from __future__ import annotations

import pytest

from .conftest import CODE, bearer, credit_code, penalty_decided, publish, settled
from .test_register import EMPLOYER, OFFICER

pytestmark = pytest.mark.integration


async def test_issue10_finding_8_another_districts_employer_answers_like_an_unknown_one(
        credit, gridded, infrastructure, bus_prefix):
    assert (await credit.client.put(f"/v1/employers/{CODE}", json=EMPLOYER,
                                    headers=OFFICER)).status_code == 201
    await publish(infrastructure, bus_prefix, penalty_decided())
    await settled(credit, 1)
    assert (await credit.client.get(f"/v1/employers/{CODE}/grade", headers=OFFICER)).status_code == 200
    unknown = credit_code("91350100M000999Y4")
    d02 = bearer("officer_a", "reviewer_b", district="d02", subject="officer-d02")
    for route in ("", "/grade"):
        other = await credit.client.get(f"/v1/employers/{CODE}{route}", headers=d02)
        missing = await credit.client.get(f"/v1/employers/{unknown}{route}", headers=d02)
        assert other.status_code == missing.status_code == 404, (route, other.text)
        blank = {"detail": "", "instance": ""}
        assert other.json() | blank == missing.json() | blank, route
