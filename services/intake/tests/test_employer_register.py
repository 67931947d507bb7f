"""Intake follows credit's register (credit.employer.changed.v1) on the real broker and database:
the register's grid and district reach the employer read model and the complaints against it
(R-ORG-1), a code-less employer adopts the register's code (R-INT-6), older updates change nothing."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from intake.employers.rules import complaint_district, register_is_newer
from labor_contracts.credit import EmployerRegisterChanged
from labor_contracts.envelope import Envelope
from labor_runtime.testing import eventually, publish_events

from .handling_support import bearer, body, file

pytestmark = pytest.mark.integration

CODE = "91350100M000100Y43"
NAME, ADDRESS = "某某建筑工程有限公司", "某市某区某路1号"
OFFICER = bearer("officer_a")  # of district d01
GRID = bearer("grid_worker", subject="grid-7")
CHANGED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64 + b"identity card scan"
PDF = b"%PDF-1.7\n" + b"payslip for September" * 10


def register_changed(version: int = 1, **changes) -> Envelope:
    """credit.employer.changed.v1 as credit's relay publishes it."""
    fields = {"credit_code": CODE, "name": NAME, "address": ADDRESS, "grid": "d01-s03-g07",
              "district": "d01", "industry": "construction", "version": version,
              "changed_at": CHANGED_AT + timedelta(minutes=version)} | changes
    data = EmployerRegisterChanged(**fields)
    return Envelope(id=str(uuid.uuid4()), source="/services/credit", type=data.event_type,
                    subject=data.credit_code, data=data.model_dump(mode="json"))


async def deliver(service, infrastructure, bus_prefix, *envelopes: Envelope) -> None:
    """Publish through the real exchange to the running intake; wait until it has settled them."""
    consumer = service.runtime.consumer

    async def consuming() -> bool:  # intake's queue is declared and bound
        return consumer.consuming.is_set()

    await eventually(consuming)
    before = consumer.stats.processed + consumer.stats.dead_lettered
    await publish_events(infrastructure.amqp_url, f"{bus_prefix}labor.events", *envelopes)

    async def settled() -> bool:
        return consumer.stats.processed + consumer.stats.dead_lettered >= before + len(envelopes)

    await eventually(settled)


async def file_incomplete(service, **changes) -> dict:
    """A complaint without its materials: stored, answered with the correction notice."""
    response = await service.client.post(
        "/v1/complaints", json=body(materials=[], **changes),
        headers={"X-API-Key": service.hotline_key, "Idempotency-Key": f"key-{uuid.uuid4().hex}"})
    assert response.status_code == 202, response.text
    return response.json()


async def employer_rows(service) -> list[dict]:
    async with service.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.text(
            "SELECT id, credit_code, name, address, grid, district, register_version, "
            "complaint_count FROM employers ORDER BY first_seen_at"))).mappings().all()
    return [dict(r) for r in rows]


async def view(service, employer_id: str) -> dict:
    response = await service.client.get(f"/v1/employers/{employer_id}", headers=OFFICER)
    assert response.status_code == 200, response.text
    return response.json()


def test_r_org_1_register_update_applies_only_when_newer():
    assert register_is_newer(None, 1)
    assert register_is_newer(1, 2)
    assert not register_is_newer(2, 2)  # the same update again
    assert not register_is_newer(3, 2)  # an older one, late


def test_r_org_1_complaint_against_a_registered_employer_goes_to_its_register_district():
    assert complaint_district("d01", "d02") == "d01"
    assert complaint_district("d01", None) == "d01"
    assert complaint_district(None, "d02") == "d02"
    assert complaint_district(None, None) is None


async def test_r_org_1_register_grid_reaches_intake_read_model(intake, infrastructure, bus_prefix):
    await deliver(intake, infrastructure, bus_prefix, register_changed())
    [employer_id] = (await intake.client.get("/v1/employers", params={"credit_code": CODE},
                                             headers=OFFICER)).json()["employer_ids"]
    registered = await view(intake, employer_id)
    assert (registered["credit_code"], registered["name"], registered["address"]) == (
        CODE, NAME, ADDRESS)
    assert (registered["grid"], registered["district"], registered["register_version"]) == (
        "d01-s03-g07", "d01", 1)
    assert registered["complaint_count"] == 0

    # a later complaint against it, filed in another district's window, goes to the register's
    by_code = await file(intake, employer={"credit_code": CODE, "name": "某某建筑"}, district="d02")
    by_name = await file(intake, employer={"name": "某某建筑工程（有限公司）", "address": ADDRESS},
                         district=None)
    events = await intake.probe.wait_for("intake.complaint.accepted.v1", 2)
    assert [(e.data["employer_id"], e.data["district"], e.data["grid"]) for e in events] == [
        (employer_id, "d01", "d01-s03-g07"), (employer_id, "d01", "d01-s03-g07")]
    assert events[1].data["linked_complaints"] == 2
    for receipt in (by_code, by_name):
        handling = await intake.client.get(
            f"/v1/complaints/by-id/{receipt['complaint_id']}/handling", headers=OFFICER)
        assert handling.status_code == 200, handling.text  # d01's staff handle it
        assert handling.json()["district"] == "d01"
    # the register's name and address win over what the complaints said
    assert (await view(intake, employer_id))["name"] == NAME

    # an employer the register does not know keeps the district the channel named
    other = await file(intake, employer={"name": "另一家公司"}, district="d02")
    [_, _, unregistered] = await intake.probe.wait_for("intake.complaint.accepted.v1", 3)
    assert unregistered.data["complaint_id"] == other["complaint_id"]
    assert (unregistered.data["district"], unregistered.data["grid"]) == ("d02", None)


async def test_r_org_1_complaint_completed_after_registration_goes_to_the_register_district(
        intake, infrastructure, bus_prefix):
    """The register's update arrives while the worker gathers the missing materials (R-INT-2)."""
    receipt = await file_incomplete(intake, employer={"credit_code": CODE, "name": NAME},
                                    district="d02")
    await deliver(intake, infrastructure, bus_prefix, register_changed())
    url = f"/v1/complaints/{receipt['tracking_code']}/materials"
    for kind, data, content_type in (("identity_proof", PNG, "image/png"),
                                     ("payslip", PDF, "application/pdf")):
        uploaded = await intake.client.post(url, json={
            "kind": kind, "content_type": content_type,
            "content_base64": base64.b64encode(data).decode()})
        assert uploaded.status_code == 201, uploaded.text
    [accepted] = await intake.probe.wait_for("intake.complaint.accepted.v1")
    assert (accepted.data["district"], accepted.data["grid"]) == ("d01", "d01-s03-g07")
    handling = await intake.client.get(
        f"/v1/complaints/by-id/{receipt['complaint_id']}/handling", headers=OFFICER)
    assert handling.status_code == 200 and handling.json()["district"] == "d01"


async def test_r_int_4_grid_mediation_answers_to_the_register_grid(intake, infrastructure,
                                                                   bus_prefix):
    complaint = await file(intake, employer={"credit_code": CODE, "name": NAME})
    url = f"/v1/complaints/by-id/{complaint['complaint_id']}/mediation"
    await deliver(intake, infrastructure, bus_prefix, register_changed(grid="d01-s03-g07"))
    other = await intake.client.post(url, json={"result": "failed", "grid": "d01-s04-g01"},
                                     headers=GRID)
    assert other.status_code == 409, other.text
    assert other.json()["grid"] == "d01-s03-g07"  # R-ORG-1: the register's one grid

    await deliver(intake, infrastructure, bus_prefix, register_changed(2, grid="d01-s04-g01"))
    moved = await intake.client.post(url, json={"result": "failed", "grid": "d01-s04-g01"},
                                     headers=GRID)
    assert moved.status_code == 200, moved.text
    assert (await view(intake, moved.json()["employer_id"]))["grid"] == "d01-s04-g01"


async def test_r_org_1_register_grid_wins_over_the_grid_complaints_set(intake, infrastructure,
                                                                       bus_prefix):
    complaint = await file(intake, employer={"credit_code": CODE, "name": NAME})
    mediated = await intake.client.post(
        f"/v1/complaints/by-id/{complaint['complaint_id']}/mediation",
        json={"result": "succeeded", "grid": "d01-s09-g09"}, headers=GRID)
    assert mediated.status_code == 200  # the first grid reporting set it, while unregistered
    await deliver(intake, infrastructure, bus_prefix, register_changed())
    assert [(r["grid"], r["district"], r["register_version"]) for r in await employer_rows(intake)
            ] == [("d01-s03-g07", "d01", 1)]


async def test_r_int_6_code_less_employer_adopts_register_code(intake, infrastructure, bus_prefix):
    first = await file(intake, employer={"name": "某某建筑工程 有限公司", "address": "某市某区某路１号"},
                       worker_count=2, district="d01")
    [code_less] = await employer_rows(intake)
    assert code_less["credit_code"] is None

    await deliver(intake, infrastructure, bus_prefix, register_changed())
    [adopted] = await employer_rows(intake)  # no second row
    assert adopted | {"grid": None} == code_less | {
        "credit_code": CODE, "name": NAME, "address": ADDRESS, "district": "d01",
        "register_version": 1}
    assert adopted["grid"] == "d01-s03-g07"

    later = await file(intake, employer={"credit_code": CODE, "name": NAME}, worker_count=3)
    events = await intake.probe.wait_for("intake.complaint.accepted.v1", 2)
    assert {e.data["complaint_id"] for e in events} == {first["complaint_id"], later["complaint_id"]}
    assert {e.data["employer_id"] for e in events} == {adopted["id"]}
    latest = next(e for e in events if e.data["complaint_id"] == later["complaint_id"])
    assert (latest.data["linked_complaints"], latest.data["total_worker_count"]) == (2, 5)


async def test_r_org_1_older_register_update_arriving_late_is_ignored(intake, infrastructure,
                                                                      bus_prefix):
    newer = register_changed(2, grid="d01-s04-g01", name="某某建筑有限公司")
    await deliver(intake, infrastructure, bus_prefix, newer)
    await deliver(intake, infrastructure, bus_prefix, register_changed(1))  # late
    [row] = await employer_rows(intake)
    assert (row["name"], row["grid"], row["register_version"]) == ("某某建筑有限公司", "d01-s04-g01", 2)
    # redelivered: the same message (the inbox answers it) and the same version in a new one
    await deliver(intake, infrastructure, bus_prefix, newer,
                  register_changed(2, grid="d01-s04-g01", name="某某建筑有限公司"))
    assert await employer_rows(intake) == [row]
    assert intake.runtime.consumer.stats.dead_lettered == 0
    async with intake.runtime.engine.connect() as conn:
        inbox = (await conn.execute(sa.text("SELECT count(*) FROM inbox"))).scalar_one()
    assert inbox == 3

    await deliver(intake, infrastructure, bus_prefix, register_changed(3, grid=None, address=None))
    [row] = await employer_rows(intake)  # a null is no statement: what is known stays
    assert (row["grid"], row["address"], row["register_version"]) == ("d01-s04-g01", ADDRESS, 3)


async def test_r_crd_1_register_update_with_an_invalid_code_is_dead_lettered(
        intake, infrastructure, bus_prefix):
    await deliver(intake, infrastructure, bus_prefix,
                  register_changed(credit_code="91350100M000100Y44"))
    assert intake.runtime.consumer.stats.dead_lettered == 1
    assert await employer_rows(intake) == []
