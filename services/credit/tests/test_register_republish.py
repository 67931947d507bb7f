"""Republishing the register (`credit-service register republish`, R-CRD-1, R-ORG-1) on the real
database and broker: every employer's current state again at its current version, without
personal data, in resumable batches; a consumer that missed the register catches up, one that is
up to date changes nothing."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from credit.employers.republish import Progress, republish
from intake.__main__ import MIGRATIONS as INTAKE_MIGRATIONS
from intake.app import create_app as create_intake
from intake.settings import IntakeSettings
from labor_contracts.credit import EmployerRegisterChanged
from labor_runtime.outbox import backlog
from labor_runtime.testing import eventually, probing, running_service

from .conftest import CODE, bearer, credit_code, load_grids

pytestmark = pytest.mark.integration

CLI = str(Path(sys.executable).parent / "credit-service")
CHANGED = EmployerRegisterChanged.event_type
OTHER = credit_code("91350100M00020000")
THIRD = credit_code("91350200M00030000")  # codes sort CODE < OTHER < THIRD
EMPLOYER = {"name": "某某建筑工程有限公司", "legal_representative": "李四",
            "contact_email": "hr@example.com", "address": "某市某区某路1号", "grid": "350102001001",
            "district": "d01", "industry": "construction", "size": "medium"}
PERSONAL = ("legal_representative", "contact_email", "size", "李四", "hr@example.com")


async def register_three(credit) -> None:
    assert (await load_grids(credit)).status_code == 200
    """CODE at version 2 (moved to another grid) and OTHER at version 1 in d01, THIRD in d02;
    their events published before the test looks."""
    d01, d02 = bearer("officer_a", district="d01"), bearer("officer_a", district="d02")
    for code, body, who in (
            (CODE, EMPLOYER, d01), (CODE, EMPLOYER | {"grid": "350102002001"}, d01),
            (OTHER, EMPLOYER | {"name": "另一建筑有限公司"}, d01),
            (THIRD, EMPLOYER | {"district": "d02", "grid": "350103001001"}, d02)):
        response = await credit.client.put(f"/v1/employers/{code}", json=body, headers=who)
        assert response.status_code in (200, 201), response.text

    async def flushed() -> bool:
        async with credit.runtime.engine.connect() as conn:
            return (await backlog(conn))[0] == 0

    await eventually(flushed)


async def versions(credit) -> list[tuple[str, int]]:
    async with credit.runtime.engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(sa.text(
            "SELECT credit_code, version FROM employers ORDER BY credit_code"))).all()]


async def test_r_crd_1_republish_emits_every_employer_at_its_current_version_without_personal_data(
        credit, infrastructure, bus_prefix):
    await register_three(credit)
    before = await versions(credit)
    assert before == [(CODE, 2), (OTHER, 1), (THIRD, 1)]
    async with probing(infrastructure.amqp_url, f"{bus_prefix}labor.events", [CHANGED]) as probe:
        progress: list[Progress] = []
        done = await republish(credit.runtime.engine, source="/services/credit",
                               clock=credit.runtime.clock, batch_size=2, on_batch=progress.append)
        assert progress == [Progress(1, 2, OTHER), Progress(2, 3, THIRD)] and done == progress[-1]

        # published by the running service's relay (a batch concurrently: in any order)
        events = sorted(await probe.wait_for(CHANGED, 3), key=lambda e: e.subject)
        assert [(e.subject, e.data["version"], e.data["grid"], e.data["district"]) for e in events] == [
            (CODE, 2, "350102002001", "d01"), (OTHER, 1, "350102001001", "d01"),
            (THIRD, 1, "350103001001", "d02")]
        officer = bearer("officer_a")
        for event in events:
            assert event.source == "/services/credit"
            assert set(event.data) == {"credit_code", "name", "address", "grid", "district",
                                       "industry", "version", "changed_at"}
            assert not any(word in json.dumps(event.data, ensure_ascii=False) for word in PERSONAL)
            record = (await credit.client.get(f"/v1/employers/{event.subject}",
                                              headers=officer)).json()
            assert event.data["changed_at"] == record["updated_at"].replace("+00:00", "Z")
            assert event.data["name"] == record["name"]
        assert await versions(credit) == before  # nothing was bumped

        # one district, resumed after a code: only what is left of it
        resumed = await republish(credit.runtime.engine, source="/services/credit",
                                  clock=credit.runtime.clock, district="d01", after=CODE)
        assert resumed == Progress(1, 1, OTHER)
        later = await probe.wait_for(CHANGED, 4)
        assert [(e.subject, e.data["version"]) for e in later[3:]] == [(OTHER, 1)]


async def test_r_crd_1_republish_from_the_service_cli(credit, infrastructure, bus_prefix):
    await register_three(credit)
    env = {**os.environ, "DATABASE_URL": credit.database_url, "LOG_LEVEL": "WARNING"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CLI, "register", "republish", *args], env=env, capture_output=True,
                              text=True, timeout=60, check=False)

    refused = await asyncio.to_thread(cli, "--batch", "0")
    assert refused.returncode != 0 and "--batch" in refused.stderr
    async with probing(infrastructure.amqp_url, f"{bus_prefix}labor.events", [CHANGED]) as probe:
        ran = await asyncio.to_thread(cli, "--district", "d02", "--batch", "1")
        assert ran.returncode == 0, ran.stderr
        lines = [json.loads(line) for line in ran.stdout.splitlines()]
        assert lines == [{"batches": 1, "republished": 1, "after": THIRD},
                         {"batches": 1, "republished": 1, "after": THIRD, "done": True}]
        [event] = await probe.wait_for(CHANGED)
        assert (event.subject, event.data["version"], event.data["grid"]) == (THIRD, 1, "350103001001")
        nothing_left = await asyncio.to_thread(cli, "--after", THIRD.lower())
        assert json.loads(nothing_left.stdout) == {"batches": 0, "republished": 0, "after": THIRD,
                                                   "done": True}
        await asyncio.sleep(0.5)  # a relay poll or two: still only the one event
        assert len(probe.of(CHANGED)) == 1


async def test_r_org_1_republish_brings_a_consumer_that_missed_the_register_up_to_date(
        credit, infrastructure, bus_prefix, tmp_path):
    await register_three(credit)  # intake is not running: it never heard of them
    async with running_service(IntakeSettings, create_intake, INTAKE_MIGRATIONS, infrastructure,
                               bus_prefix, material_storage_dir=tmp_path / "materials",
                               db_pool_size=2) as intake:
        consumer = intake.runtime.consumer

        async def consuming() -> bool:
            return consumer.consuming.is_set()

        await eventually(consuming)

        async def read_model() -> list[tuple]:
            async with intake.runtime.engine.connect() as conn:
                return [tuple(r) for r in (await conn.execute(sa.text(
                    "SELECT credit_code, register_version, grid, district, updated_at "
                    "FROM employers ORDER BY credit_code"))).all()]

        assert await read_model() == []

        async def settled(count: int) -> None:
            async def done() -> bool:
                return consumer.stats.processed >= count

            await eventually(done)

        await republish(credit.runtime.engine, source="/services/credit", clock=credit.runtime.clock)
        await settled(3)
        caught_up = await read_model()
        assert [row[:4] for row in caught_up] == [
            (CODE, 2, "350102002001", "d01"), (OTHER, 1, "350102001001", "d01"),
            (THIRD, 1, "350103001001", "d02")]

        # again: the same versions, which an up-to-date consumer takes as not newer
        await republish(credit.runtime.engine, source="/services/credit", clock=credit.runtime.clock)
        await settled(6)
        assert await read_model() == caught_up and consumer.stats.dead_lettered == 0
