"""Credit's grid tree reaches intake and cases through the real broker (R-ORG-1): the events
credit's relay publishes, not hand-made ones; each consumer keeps the newest version."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from cases.__main__ import MIGRATIONS as CASES_MIGRATIONS
from cases.app import create_app as create_cases
from cases.settings import CasesSettings
from intake.__main__ import MIGRATIONS as INTAKE_MIGRATIONS
from intake.app import create_app as create_intake
from intake.settings import IntakeSettings
from labor_runtime.testing import eventually, running_service

from .conftest import bearer, load_grids

pytestmark = pytest.mark.integration

VILLAGE = "350102001001"


async def grid_versions(service) -> dict[str, tuple[int, list[str]]]:
    async with service.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.text("SELECT code, version, workers FROM grids"))).all()
    return {row.code: (row.version, row.workers) for row in rows}


async def test_r_org_1_grid_changes_reach_intake_and_cases_as_versioned_events(
        credit, infrastructure, bus_prefix, tmp_path):
    async with running_service(IntakeSettings, create_intake, INTAKE_MIGRATIONS, infrastructure,
                               bus_prefix, material_storage_dir=tmp_path / "materials",
                               db_pool_size=2) as intake, \
            running_service(CasesSettings, create_cases, CASES_MIGRATIONS, infrastructure,
                            bus_prefix, db_pool_size=2,
                            public_base_url="https://cases.example.gov.cn") as cases:
        consumers = (intake, cases)

        async def consuming() -> bool:
            return all(s.runtime.consumer.consuming.is_set() for s in consumers)

        await eventually(consuming)
        assert (await load_grids(credit)).status_code == 200
        assigned = await credit.client.put(
            f"/v1/grids/{VILLAGE}/workers", json={"workers": ["grid-7"], "reason": "网格员到岗"},
            headers=bearer("detachment_chief", subject="chief-1"))
        assert assigned.status_code == 200, assigned.text

        async def everywhere() -> bool:
            views = [await grid_versions(service) for service in consumers]
            return all(len(v) == 10 and v.get(VILLAGE) == (2, ["grid-7"]) for v in views)

        await eventually(everywhere, timeout=60)
        assert all(s.runtime.consumer.stats.dead_lettered == 0 for s in consumers)
