"""`credit-service grades recompute` on the real database (R-CRD-2): after a weight change every
employer is regraded, the change told only where the grade changed, in resumable batches."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import sqlalchemy as sa
from credit.grading import cli
from credit.grading.recompute import recompute
from credit.grading.rules import DEFAULT_WEIGHTS
from labor_runtime.clock import SystemClock

from .conftest import bearer, credit_code, load_grids, penalty_decided, publish, settled

pytestmark = pytest.mark.integration

OFFICER = bearer("officer_a", district="d01")
WAGES = credit_code("91350100M000300Y4")  # wage arrears: C, D once wage arrears weigh 25
INSURANCE = credit_code("91350100M000400Y4")  # a small social insurance fine: A either way
CLEAN = credit_code("91350100M000500Y4")  # registered, never graded


async def seeded(credit, infrastructure, bus_prefix) -> None:
    await publish(infrastructure, bus_prefix, penalty_decided("dec-1", code=WAGES),
                  penalty_decided("dec-2", code=INSURANCE, violation="未依法缴纳社会保险费",
                                  fine_amount="5000", worker_count=0, arrears_amount="0"))
    await settled(credit, 2)
    assert (await load_grids(credit)).status_code == 200
    put = await credit.client.put(f"/v1/employers/{CLEAN}", headers=OFFICER, json={
        "name": "某某科技有限公司", "grid": "350102001001"})
    assert put.status_code == 201, put.text


async def current(credit) -> dict[str, tuple[str, int, str]]:
    async with credit.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.text(
            "SELECT DISTINCT ON (credit_code) credit_code, grade, score, trigger "
            "FROM employer_grades ORDER BY credit_code, id DESC"))).all()
    return {r.credit_code: (r.grade, r.score, r.trigger.split(":")[0]) for r in rows}


async def told(credit) -> list[tuple[str, str | None, str]]:
    async with credit.runtime.engine.connect() as conn:
        bodies = (await conn.execute(sa.text(
            "SELECT body FROM outbox WHERE routing_key = 'credit.grade.changed.v1' ORDER BY id"
        ))).scalars().all()
    return [(d["credit_code"], d["previous_grade"], d["grade"])
            for d in (json.loads(bytes(b))["data"] for b in bodies)]


async def test_r_crd_2_recompute_after_a_weight_change_tells_only_the_changes(
        credit, infrastructure, bus_prefix, capsys):
    await seeded(credit, infrastructure, bus_prefix)
    assert await current(credit) == {WAGES: ("C", 74, "penalty"), INSURANCE: ("A", 92, "penalty")}
    before = await told(credit)

    settings = credit.runtime.settings.model_copy(update={
        "indicator_weights": {**DEFAULT_WEIGHTS, "nature.wage_arrears": 25}})
    done = await cli.run(settings, cli.parser().parse_args(["recompute", "--batch", "2"]))
    assert (done.batches, done.regraded, done.changed, done.after) == (2, 3, 2, max(
        WAGES, INSURANCE, CLEAN))
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["regraded"], line["batches"]) for line in lines] == [(2, 1), (3, 2)]
    assert await current(credit) == {WAGES: ("D", 57, "recompute"),
                                     INSURANCE: ("A", 92, "recompute"),
                                     CLEAN: ("A", 100, "recompute")}
    assert (await told(credit))[len(before):] == [(WAGES, "C", "D"), (CLEAN, None, "A")]

    async with credit.runtime.engine.connect() as conn:
        audited = (await conn.execute(sa.text(
            "SELECT count(*) FROM audit_log WHERE action = 'recompute_grades'"))).scalar_one()
        history = (await conn.execute(sa.text(
            "SELECT credit_code FROM employer_history WHERE kind = 'grade' "
            "AND source LIKE 'recompute:%' ORDER BY credit_code"))).scalars().all()
    assert audited == 2 and history == sorted([WAGES, CLEAN])

    again = await recompute(credit.runtime.engine, policy=settings.grading_policy(),
                            source="/services/credit", clock=SystemClock())
    assert (again.regraded, again.changed) == (3, 0)  # nothing new: nothing told
    assert len(await told(credit)) == len(before) + 2


async def test_r_crd_2_recompute_resumes_after_the_last_code_reported(credit, infrastructure,
                                                                      bus_prefix):
    await seeded(credit, infrastructure, bus_prefix)
    policy = credit.runtime.settings.grading_policy()
    first = min(WAGES, INSURANCE, CLEAN)
    rest = await recompute(credit.runtime.engine, policy=replace(policy), source="/services/credit",
                           clock=SystemClock(), batch_size=1, after=first)
    assert (rest.regraded, rest.batches) == (2, 2)
    async with credit.runtime.engine.connect() as conn:
        regraded = (await conn.execute(sa.text(
            "SELECT credit_code FROM employer_grades WHERE trigger LIKE 'recompute:%' "
            "ORDER BY credit_code"))).scalars().all()
    assert regraded == sorted({WAGES, INSURANCE, CLEAN} - {first})
