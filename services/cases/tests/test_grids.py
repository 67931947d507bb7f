"""Cases follows credit's grid tree and register (R-ORG-1) on the real broker and database: a
case shows its employer's grid with the grid's name and workers, newer versions only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from labor_contracts.credit import EmployerRegisterChanged, GridChanged

from .conftest import CREDIT_CODE, OFFICER, complaint, wait
from .test_lifecycle import case_of

pytestmark = pytest.mark.integration

CREDIT = "/services/credit"
VILLAGE = "350102001001"
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def grid(version: int, **changes) -> GridChanged:
    return GridChanged(**{"code": VILLAGE, "name": "鼓东社区", "level": "village",
                          "parent_code": "350102001000", "district": "d01",
                          "grid_workers": ["grid-7"], "version": version,
                          "changed_at": AT + timedelta(minutes=version)} | changes)


def register(version: int, grid_code: str | None) -> EmployerRegisterChanged:
    return EmployerRegisterChanged(credit_code=CREDIT_CODE, name="某某建筑工程有限公司",
                                   grid=grid_code, district="d01", version=version,
                                   changed_at=AT + timedelta(minutes=version))


async def test_r_org_1_the_case_shows_its_employers_grid_with_name_and_workers(cases):
    accepted = complaint(worker_count=2, arrears="8000.00")
    await cases.upstream.send(accepted, source="/services/intake")
    case = await case_of(cases, accepted.complaint_id)
    assert case["grid"] is None  # credit has not told cases yet

    stats = cases.runtime.consumer.stats
    before = stats.processed + stats.dead_lettered
    send = cases.upstream.send
    await send(register(2, VILLAGE), source=CREDIT, subject=CREDIT_CODE)
    await send(register(1, "350102001002"), source=CREDIT, subject=CREDIT_CODE)  # older: ignored
    await send(grid(1), source=CREDIT, subject=VILLAGE)
    late = await send(grid(3, name="鼓东新社区", grid_workers=["grid-7", "grid-8"]),
                      source=CREDIT, subject=VILLAGE)
    await send(grid(2, name="旧名", grid_workers=[]), source=CREDIT, subject=VILLAGE)
    await cases.upstream.resend(late)  # redelivered

    async def applied() -> bool:  # all six settled, the redelivered one too
        return stats.processed + stats.dead_lettered >= before + 6

    await wait(applied)
    assert stats.dead_lettered == 0
    view = (await cases.client.get(f"/v1/cases/{case['case_id']}", headers=OFFICER)).json()
    assert view["grid"] == {"code": VILLAGE, "name": "鼓东新社区", "district": "d01",
                            "workers": ["grid-7", "grid-8"]}
