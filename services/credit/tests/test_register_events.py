"""The register publishes its employers (credit.employer.changed.v1) for intake's read model
(R-CRD-1, R-ORG-1): through the outbox, with the grid, never with personal data."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from credit.employers.rules import gaps_filled, publishes
from labor_contracts.credit import EmployerRegisterChanged
from labor_runtime.testing import probing

from .conftest import CODE, bearer, credit_code, penalty_decided, publish, settled

pytestmark = pytest.mark.integration

CHANGED = EmployerRegisterChanged.event_type
OFFICER = bearer("officer_a", district="d01")
EMPLOYER = {"name": "某某建筑工程有限公司", "legal_representative": "李四",
            "contact_email": "hr@example.com", "address": "某市某区某路1号", "grid": "350102001001",
            "district": "d01", "industry": "construction", "size": "medium"}
PERSONAL = ("legal_representative", "contact_email", "李四", "hr@example.com")


@pytest.fixture
async def register_changes(infrastructure, bus_prefix):
    """What a subscriber of credit.employer.changed.v1 (intake) receives from the real exchange."""
    async with probing(infrastructure.amqp_url, f"{bus_prefix}labor.events", [CHANGED]) as probe:
        yield probe


async def outbox_bodies(service) -> list[str]:
    async with service.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.text(
            "SELECT body FROM outbox WHERE routing_key = :k ORDER BY id"), {"k": CHANGED})).scalars()
        return [bytes(body).decode() for body in rows]


async def changes(service) -> list[dict]:
    return [json.loads(body)["data"] for body in await outbox_bodies(service)]


def test_r_crd_1_a_decision_fills_gaps_only_and_publishes_only_published_fields():
    stored = {"address": "某路1号", "district": None, "legal_representative": None}
    offered = {"address": "另一路2号", "district": "d01", "legal_representative": "李四",
               "contact_email": None}
    assert gaps_filled(stored, offered) == {"district": "d01", "legal_representative": "李四"}
    assert gaps_filled(offered, offered) == {}
    assert publishes({"district": "d01"}) and publishes(["grid"]) and publishes(["name"])
    assert not publishes({"legal_representative": "李四", "contact_email": "a@b.c"})
    assert not publishes(["size"]) and not publishes([])


async def test_r_org_1_put_publishes_the_grid_without_personal_data(credit, gridded, register_changes):
    url = f"/v1/employers/{CODE}"
    grid_worker = bearer("grid_worker", district="d01", subject="grid-7")
    assert (await credit.client.put(url, json=EMPLOYER, headers=grid_worker)).status_code == 201

    [first] = await register_changes.wait_for(CHANGED)
    assert (first.subject, first.source) == (CODE, "/services/credit")
    record = (await credit.client.get(url, headers=OFFICER)).json()
    assert first.data == {
        "credit_code": CODE, "name": "某某建筑工程有限公司", "address": "某市某区某路1号",
        "grid": "350102001001", "district": "d01", "industry": "construction", "version": 1,
        "changed_at": record["updated_at"].replace("+00:00", "Z")}
    for body in await outbox_bodies(credit):  # R-INT-7: the register's personal data stays here
        assert not any(word in body for word in PERSONAL), body


async def test_r_crd_1_every_put_is_published_with_the_next_version(credit, gridded, register_changes):
    url = f"/v1/employers/{CODE}"
    assert (await credit.client.put(url, json=EMPLOYER, headers=OFFICER)).status_code == 201
    moved = EMPLOYER | {"grid": "350102002001", "name": "某某建筑有限公司"}
    assert (await credit.client.put(url, json=moved, headers=OFFICER)).status_code == 200
    # unchanged, or only unpublished data changed: still published, the registrar confirmed it
    assert (await credit.client.put(url, json=moved | {"size": "large"},
                                    headers=OFFICER)).status_code == 200
    refused = await credit.client.put(url, json=moved, headers=bearer("officer_a", district="d02"))
    assert refused.status_code == 403

    events = await register_changes.wait_for(CHANGED, 3)
    assert [(e.data["version"], e.data["grid"], e.data["name"]) for e in events] == [
        (1, "350102001001", "某某建筑工程有限公司"), (2, "350102002001", "某某建筑有限公司"),
        (3, "350102002001", "某某建筑有限公司")]
    assert [c["version"] for c in await changes(credit)] == [1, 2, 3]  # nothing for the 403


async def test_r_crd_1_decision_registering_an_employer_publishes_it(
        credit, infrastructure, bus_prefix, register_changes):
    event = penalty_decided("dec-1")
    await publish(infrastructure, bus_prefix, event, event, penalty_decided("dec-2"))
    await settled(credit, 3)
    [change] = await changes(credit)  # once: not again for the redelivery or the 2nd decision
    assert change.pop("changed_at")
    assert change == {"credit_code": CODE, "name": "某某建筑工程有限公司",
                      "address": "某市某区某路1号", "grid": None, "district": "d01",
                      "industry": None, "version": 1}
    [delivered] = await register_changes.wait_for(CHANGED)
    assert delivered.data["version"] == 1 and "李四" not in json.dumps(delivered.data)


async def test_r_crd_1_decision_filling_a_published_gap_publishes_the_next_version(
        credit, gridded, infrastructure, bus_prefix):
    other = credit_code("91350100M00020000")
    registered = EMPLOYER | {"address": None, "legal_representative": None}
    assert (await credit.client.put(f"/v1/employers/{CODE}", json=registered,
                                    headers=OFFICER)).status_code == 201
    full = EMPLOYER | {"legal_representative": None}
    assert (await credit.client.put(f"/v1/employers/{other}", json=full,
                                    headers=OFFICER)).status_code == 201
    await publish(infrastructure, bus_prefix, penalty_decided("dec-1"),
                  penalty_decided("dec-2", code=other))
    await settled(credit, 2)
    published = [(c["credit_code"], c["version"], c["address"], c["grid"])
                 for c in await changes(credit)]
    assert published == [
        (CODE, 1, None, "350102001001"), (other, 1, "某市某区某路1号", "350102001001"),
        (CODE, 2, "某市某区某路1号", "350102001001")]  # only the legal representative was new: no event
    record = (await credit.client.get(f"/v1/employers/{other}", headers=OFFICER)).json()
    assert record["legal_representative"] == "李四"
