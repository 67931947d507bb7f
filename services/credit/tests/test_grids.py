"""The grid tree on the real database and broker (网格, R-ORG-1): loading, versions, workers,
the database's own refusal of an employer off a village grid, and the coverage report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from labor_contracts.credit import GridChanged
from sqlalchemy.exc import IntegrityError

from .conftest import CODE, GRIDS_FILE, bearer, credit_code, load_grids, penalty_decided, publish, settled

pytestmark = pytest.mark.integration

CHIEF = bearer("detachment_chief", subject="chief-1")
OFFICER = bearer("officer_a", district="d01")
EMPLOYER = {"name": "某某建筑工程有限公司", "grid": "350102001001", "industry": "construction"}
VILLAGE_7 = "350102001001"


async def grid_events(service) -> list[dict]:
    async with service.runtime.engine.connect() as conn:
        bodies = (await conn.execute(sa.text(
            "SELECT body FROM outbox WHERE routing_key = :k ORDER BY id"),
            {"k": GridChanged.event_type})).scalars().all()
    return [json.loads(body)["data"] for body in bodies]


async def test_r_org_1_a_bad_file_is_422_listing_every_bad_line_and_loads_nothing(credit):
    text = GRIDS_FILE.read_text(encoding="utf-8") + (
        "350102001009,错父社区,village,350102002000,d01,true\n"
        "350199000000,无名区,district,350100000000,,true\n")
    response = await load_grids(credit, text)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["line"] for e in response.json()["errors"]] == [12, 13]
    assert "350102001000" in response.json()["errors"][0]["reason"]
    assert await grid_events(credit) == []
    assert (await credit.client.get("/v1/grids", headers=CHIEF)).json() == []
    refused = await credit.client.post("/v1/grids/load", params={"reason": "test"},
                                       content=b"\xff\xfe", headers=CHIEF)
    assert refused.status_code == 422
    officer = await credit.client.post("/v1/grids/load", params={"reason": "test"},
                                       content=GRIDS_FILE.read_bytes(), headers=OFFICER)
    assert officer.status_code == 403


async def test_r_org_1_loading_the_same_file_again_changes_nothing_and_emits_nothing(credit):
    first = await load_grids(credit)
    assert first.status_code == 200, first.text
    assert (len(first.json()["created"]), first.json()["changed"]) == (10, [])
    assert len(await grid_events(credit)) == 10
    again = await load_grids(credit)
    assert again.json() == {"lines": 10, "created": [], "changed": [], "unchanged": 10}
    header, *rows = GRIDS_FILE.read_text(encoding="utf-8").splitlines()
    as_json_lines = "\n".join(json.dumps(dict(zip(header.split(","), row.split(","),
                                                   strict=True)), ensure_ascii=False)
                              for row in rows)
    assert (await load_grids(credit, as_json_lines)).json()["unchanged"] == 10
    assert len(await grid_events(credit)) == 10

    renamed = GRIDS_FILE.read_text(encoding="utf-8").replace("鼓东社区", "鼓东新社区")
    changed = (await load_grids(credit, renamed)).json()
    assert (changed["created"], changed["changed"]) == ([], ["350102001001"])
    events = await grid_events(credit)
    assert len(events) == 11 and events[-1]["code"] == "350102001001"
    assert (events[-1]["name"], events[-1]["version"], events[-1]["district"]) == (
        "鼓东新社区", 2, "d01")
    assert events[0] | {"changed_at": None} == {
        "code": "350100000000", "name": "福州市", "level": "city", "parent_code": None,
        "district": None, "grid_workers": [], "active": True, "version": 1, "changed_at": None}
    async with credit.runtime.engine.connect() as conn:
        audit = (await conn.execute(sa.text(
            "SELECT actor, action, reason FROM audit_log ORDER BY seq"))).all()
    assert [(a.actor, a.action) for a in audit] == [("chief-1", "load_grids")] * 2


async def test_r_org_1_grid_workers_are_assigned_and_emitted_with_the_next_version(gridded):
    credit = gridded
    url = "/v1/grids/350102001001/workers"
    body = {"workers": ["grid-7", "grid-8"], "reason": "网格员调整"}
    assert (await credit.client.put(url, json=body, headers=OFFICER)).status_code == 403
    other = bearer("brigade_chief", district="d02", subject="chief-2")
    assert (await credit.client.put(url, json=body, headers=other)).status_code == 404
    brigade = bearer("brigade_chief", district="d01", subject="chief-d01")
    assigned = await credit.client.put(url, json=body, headers=brigade)
    assert assigned.status_code == 200, assigned.text
    grid = assigned.json()
    assert (grid["workers"], grid["version"]) == (["grid-7", "grid-8"], 2)
    assert [p["code"] for p in grid["path"]] == ["350100000000", "350102000000", "350102001000"]
    assert (await credit.client.put(url, json=body, headers=brigade)).json()["version"] == 2
    city = await credit.client.put("/v1/grids/350100000000/workers", json=body, headers=brigade)
    assert city.status_code == 403
    fewer = await credit.client.put(url, json=body | {"workers": ["grid-8"]}, headers=brigade)
    assert (fewer.json()["workers"], fewer.json()["version"]) == (["grid-8"], 3)
    assert (await credit.client.put(url, json=body, headers=brigade)).json()["version"] == 4
    events = await grid_events(credit)
    assert [e["grid_workers"] for e in events[10:]] == [
        ["grid-7", "grid-8"], ["grid-8"], ["grid-7", "grid-8"]]
    assert [e["version"] for e in events[10:]] == [2, 3, 4]

    read = await credit.client.get("/v1/grids/350102001001", headers=bearer("grid_worker",
                                                                          district="d01"))
    assert read.json()["workers"] == ["grid-7", "grid-8"] and read.json()["name"] == "鼓东社区"
    hidden = await credit.client.get("/v1/grids/350102001001", headers=bearer("officer_a",
                                                                            district="d02"))
    assert hidden.status_code == 404
    under = await credit.client.get("/v1/grids", params={"parent": "350102001000"},
                                    headers=CHIEF)
    assert [g["code"] for g in under.json()] == ["350102001001", "350102001002"]
    districts = await credit.client.get("/v1/grids", params={"parent": "350100000000"},
                                        headers=bearer("officer_a", district="d02"))
    assert [g["code"] for g in districts.json()] == ["350103000000"]
    renamed = GRIDS_FILE.read_text(encoding="utf-8").replace("鼓东社区", "鼓东新社区")
    assert (await load_grids(credit, renamed)).json()["changed"] == [VILLAGE_7]
    last = (await grid_events(credit))[-1]
    assert (last["name"], last["version"], last["grid_workers"]) == (
        "鼓东新社区", 5, ["grid-7", "grid-8"])  # a reload keeps the workers


async def test_r_org_1_the_database_refuses_an_employer_off_a_village_grid(gridded):
    insert = sa.text(
        "INSERT INTO employers (credit_code, name, grid, grid_level, version, created_at, "
        "updated_at) VALUES (:code, 'x', :grid, :level, 1, now(), now())")
    for grid, level in (("350102001000", "township"), ("350102001000", "village"),
                        ("350102009009", "village"), ("350102001001", None)):
        with pytest.raises(IntegrityError):
            async with gridded.runtime.engine.begin() as conn:
                await conn.execute(insert, {"code": CODE, "grid": grid, "level": level})
    async with gridded.runtime.engine.begin() as conn:
        await conn.execute(insert, {"code": CODE, "grid": "350102001001", "level": "village"})
    grid = sa.text("INSERT INTO grids (code, name, level, parent_code, district, updated_at) "
                   "VALUES (:code, 'x', :level, :parent, 'd01', now())")
    for code, level, parent in (("350102001003", "township", "350102001000"),  # a village code
                                ("350102001003", "village", "350102002000"),  # not its prefix
                                ("350102003000", "township", "350102009000"),  # no such parent
                                ("350102001000", "village", "350102001000")):  # a township code
        with pytest.raises(IntegrityError):
            async with gridded.runtime.engine.begin() as conn:
                await conn.execute(grid, {"code": code, "level": level, "parent": parent})


async def test_r_org_1_put_on_an_unknown_or_non_village_grid_is_422_naming_it(gridded):
    url = f"/v1/employers/{CODE}"
    for grid in ("350102001000", "350102009009"):
        response = await gridded.client.put(url, json=EMPLOYER | {"grid": grid}, headers=OFFICER)
        assert response.status_code == 422 and response.json()["grid"] == grid
        assert grid in response.json()["detail"]
    old_style = await gridded.client.put(url, json=EMPLOYER | {"grid": "d01-s03-g07"},
                                         headers=OFFICER)
    assert old_style.status_code == 422
    placed = await gridded.client.put(url, json=EMPLOYER, headers=bearer("officer_a"))
    assert placed.status_code == 201 and placed.json()["district"] == "d01"  # the grid's
    mismatch = await gridded.client.put(url, json=EMPLOYER | {"district": "d02"},
                                        headers=bearer("officer_a"))
    assert mismatch.status_code == 422


async def test_r_org_1_coverage_lists_employers_without_a_grid_with_why(
        gridded, infrastructure, bus_prefix):
    credit = gridded
    other = credit_code("91350100M00020000")
    assert (await credit.client.put(f"/v1/employers/{other}", json=EMPLOYER,
                                    headers=OFFICER)).status_code == 201
    await publish(infrastructure, bus_prefix, penalty_decided("dec-1"))
    await settled(credit, 1)
    report = (await credit.client.get("/v1/grids/coverage", headers=OFFICER)).json()
    assert (report["employers_total"], report["with_grid"], report["without_grid"]) == (2, 1, 1)
    [unplaced] = report["unplaced"]
    assert unplaced["credit_code"] == CODE
    assert "penalty decision 榕人社监罚〔2025〕dec-1号" in unplaced["why"]
    assert [g["code"] for g in report["grids_without_workers"]] == [
        "350102001001", "350102001002", "350102002001"]
    d02 = (await credit.client.get("/v1/grids/coverage",
                                   headers=bearer("officer_a", district="d02"))).json()
    assert (d02["employers_total"], d02["unplaced"]) == (0, [])
    assert [g["code"] for g in d02["grids_without_workers"]] == ["350103001001"]
    file = (await credit.client.get(f"/v1/employers/{CODE}/file", headers=OFFICER)).json()
    assert file["grid"] is None and "dec-1" in file["unplaced_because"]


async def test_r_org_1_grids_load_from_the_service_cli(credit, infrastructure, tmp_path: Path):
    env = os.environ | {"DATABASE_URL": credit.runtime.settings.database_url}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "credit", "grids", "load", *args],
                              capture_output=True, text=True, env=env, timeout=120, check=False)

    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,level,parent_code,district\n350102001001,社区,village,,d01\n",
                   encoding="utf-8")
    refused = cli(str(bad))
    assert refused.returncode == 1 and f"{bad}:2:" in refused.stderr
    loaded = cli(str(GRIDS_FILE), "--reason", "initial tree")
    assert loaded.returncode == 0, loaded.stderr
    assert len(json.loads(loaded.stdout)["created"]) == 10
    assert json.loads(cli(str(GRIDS_FILE)).stdout)["unchanged"] == 10
    assert len(await grid_events(credit)) == 10


async def test_r_org_1_employers_follow_their_grid_to_another_district_and_block_its_retiring(
        gridded):
    credit = gridded
    assert (await credit.client.put(f"/v1/employers/{CODE}", json=EMPLOYER,
                                    headers=OFFICER)).status_code == 201
    tree = GRIDS_FILE.read_text(encoding="utf-8")
    retired = tree.replace("350102001001,鼓东社区,village,350102001000,d01,true",
                           "350102001001,鼓东社区,village,350102001000,d01,false")
    refused = await load_grids(credit, retired)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"line": 5, "reason": "1 employer(s) still on grid 350102001001: move them first"}]

    # the district and all below it handed over to brigade d03
    loaded = await load_grids(credit, tree.replace(",d01,", ",d03,"))
    assert loaded.status_code == 200, loaded.text
    assert len(loaded.json()["changed"]) == 6
    async with credit.runtime.engine.connect() as conn:
        row = (await conn.execute(sa.text("SELECT district, version FROM employers"))).one()
        bodies = (await conn.execute(sa.text(
            "SELECT body FROM outbox WHERE routing_key = 'credit.employer.changed.v1' "
            "ORDER BY id"))).scalars().all()
    assert tuple(row) == ("d03", 2)
    assert [(json.loads(b)["data"]["district"], json.loads(b)["data"]["version"])
            for b in bodies] == [("d01", 1), ("d03", 2)]
    file = (await credit.client.get(f"/v1/employers/{CODE}/file",
                                    headers=bearer("officer_a", district="d03"))).json()
    assert file["history"][0]["summary"] == "grid 350102001001 moved to district d03"
