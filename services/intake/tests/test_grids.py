"""Intake follows credit's grid tree (credit.grid.changed.v1, R-ORG-1) on the real broker and
database: newer versions apply, older or redelivered ones change nothing, and the employer view
shows its grid's name and workers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from labor_contracts.credit import GridChanged
from labor_contracts.envelope import Envelope

from .test_employer_register import CODE, OFFICER, deliver, register_changed

pytestmark = pytest.mark.integration

VILLAGE = "350102001001"
CHANGED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def grid_changed(version: int, **changes) -> Envelope:
    """credit.grid.changed.v1 as credit's relay publishes it."""
    fields = {"code": VILLAGE, "name": "鼓东社区", "level": "village",
              "parent_code": "350102001000", "district": "d01", "grid_workers": ["grid-7"],
              "version": version, "changed_at": CHANGED_AT + timedelta(minutes=version)} | changes
    data = GridChanged(**fields)
    return Envelope(id=str(uuid.uuid4()), source="/services/credit", type=data.event_type,
                    subject=data.code, data=data.model_dump(mode="json"))


async def test_r_org_1_grid_versions_reach_intake_and_show_on_the_employer(
        intake, infrastructure, bus_prefix):
    await deliver(intake, infrastructure, bus_prefix, register_changed(grid=VILLAGE),
                  grid_changed(1), grid_changed(3, name="鼓东新社区",
                                                grid_workers=["grid-7", "grid-8"]))
    late = grid_changed(2, name="旧名", grid_workers=[])
    await deliver(intake, infrastructure, bus_prefix, late, late)  # older, then redelivered

    async with intake.runtime.engine.connect() as conn:
        row = (await conn.execute(sa.text(
            "SELECT name, workers, version FROM grids WHERE code = :c"), {"c": VILLAGE})).one()
    assert tuple(row) == ("鼓东新社区", ["grid-7", "grid-8"], 3)
    [employer_id] = (await intake.client.get("/v1/employers", params={"credit_code": CODE},
                                             headers=OFFICER)).json()["employer_ids"]
    view = (await intake.client.get(f"/v1/employers/{employer_id}", headers=OFFICER)).json()
    assert (view["grid"], view["grid_name"], view["grid_workers"]) == (
        VILLAGE, "鼓东新社区", ["grid-7", "grid-8"])
