"""R-MAJ-3 sanctions through the real broker and database: organisations punished at once,
people once staff entered their identity, read in full by the housing regulator only."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from labor_contracts.cases import MajorCaseSanctions, Sanction
from labor_contracts.common import EmployerRef
from labor_contracts.credit import SanctionImposed
from labor_contracts.envelope import Envelope
from labor_runtime.security import issue_api_key
from labor_runtime.testing import probing

from .conftest import CODE, bearer, consuming, credit_code, publish, settled, start_credit

pytestmark = pytest.mark.integration

DEVELOPER = credit_code("91350100M00020000")
CONTRACTOR = credit_code("91350100M00030000")
ID_NUMBER = "11010519491231002X"


@pytest.fixture
async def credit(infrastructure, bus_prefix):
    async with start_credit(infrastructure, bus_prefix) as service:
        await consuming(service)
        yield service


@pytest.fixture
async def imposed(infrastructure, bus_prefix):
    async with probing(infrastructure.amqp_url, f"{bus_prefix}labor.events",
                       [SanctionImposed.event_type]) as probe:
        yield probe


def major_case_sanctions(major_case_id: str = "major-1", *, district: str = "d01") -> Envelope:
    starts = date(2026, 12, 1)
    data = MajorCaseSanctions(
        major_case_id=major_case_id, case_id="case-9", case_number="榕人社监〔2026〕9号",
        district=district, employer=EmployerRef(credit_code=CODE, name="某某劳务有限公司"),
        sanctions=[
            Sanction(party_role="developer", name="某某置业有限公司", credit_code=DEVELOPER,
                     measures=["bid_ban", "downgrade"], starts_on=starts,
                     ends_on=date(2027, 11, 30)),
            Sanction(party_role="general_contractor", name="某某建设集团有限公司",
                     credit_code=CONTRACTOR, measures=["bid_ban", "downgrade"], starts_on=starts,
                     ends_on=date(2027, 11, 30)),
            Sanction(party_role="foreman", name="王老五", measures=["construction_market_ban"],
                     starts_on=starts, ends_on=date(2029, 11, 30))],
        decided_by="chief-1", decided_at=datetime(2026, 12, 1, 2, tzinfo=UTC),
        authority="某市人力资源和社会保障局")
    return Envelope(id=str(uuid.uuid4()), source="/services/cases",
                    type=MajorCaseSanctions.event_type, subject=data.case_id,
                    data=data.model_dump(mode="json"))


async def rows(service, query: str, **params) -> list:
    async with service.runtime.engine.connect() as conn:
        return list((await conn.execute(sa.text(query), params)).all())


async def listed(service, major_case_id: str = "major-1", **kw) -> list[dict]:
    response = await service.client.get("/v1/sanctions", params={"major_case_id": major_case_id},
                                        headers=bearer("officer_a", **kw))
    assert response.status_code == 200, response.text
    return response.json()


async def partner_key(service, *scopes: str) -> str:
    async with service.runtime.uow() as uow:
        key = await issue_api_key(uow.session, client="housing-regulator", kind="partner",
                                  scopes=list(scopes))
        await uow.commit()
    return key


async def test_r_maj_3_bid_bar_of_developer_and_contractor_pushed_at_once_with_a_downgrade_line(
        credit, infrastructure, bus_prefix, imposed):
    event = major_case_sanctions()
    again = Envelope(**{**event.model_dump(), "id": str(uuid.uuid4())})  # re-sent by cases
    await publish(infrastructure, bus_prefix, event, event, again)
    await settled(credit, 3)
    events = await imposed.wait_for(SanctionImposed.event_type, 2)
    assert sorted(e.data["party_role"] for e in events) == ["developer", "general_contractor"]
    for e in events:
        [p] = e.data["punishments"]
        assert p["measure"] == "no_bidding"
        assert sorted(p["agencies"]) == ["bidding", "housing_construction"]
        assert (p["starts_on"], p["ends_on"]) == ("2026-12-01", "2027-11-30")
        assert e.data["person"] is None and e.data["credit_code"] in (DEVELOPER, CONTRACTOR)

    views = await listed(credit)
    assert [(v["party_role"], v["status"]) for v in views] == [
        ("developer", "imposed"), ("general_contractor", "imposed"),
        ("foreman", "awaiting_identity")]
    assert views[2]["name"] == "王**" and views[2]["punishments"][0]["ends_on"] == "2029-11-30"

    lines = await rows(credit, "SELECT credit_code, kind, summary FROM employer_history "
                               "ORDER BY credit_code")
    by_code = {line.credit_code: line.summary for line in lines}
    assert "downgraded" in by_code[DEVELOPER] and "downgraded" in by_code[CONTRACTOR]
    assert "R-MAJ-3 follow-up" in by_code[CODE]
    assert {line.kind for line in lines} == {"sanction"}
    assert len(lines) == 3  # the re-sent event added nothing
    assert len(await rows(credit, "SELECT id FROM sanctions")) == 3
    stored = await rows(credit, "SELECT name, name_enc FROM sanctions WHERE party_role='foreman'")
    assert stored[0].name is None and "王老五" not in stored[0].name_enc


async def test_r_maj_3_market_ban_imposed_once_identity_entered_person_masked_in_the_event(
        credit, infrastructure, bus_prefix, imposed):
    await publish(infrastructure, bus_prefix, major_case_sanctions())
    await settled(credit, 1)
    [foreman] = [v for v in await listed(credit) if v["party_role"] == "foreman"]
    await imposed.wait_for(SanctionImposed.event_type, 2)

    path = f"/v1/sanctions/{foreman['id']}/person"
    bad = await credit.client.put(path, json={"name": "王老五", "id_number": "110105194912310021"},
                                  headers=bearer("officer_a"))
    assert bad.status_code == 422 and "check character" in bad.text
    not_officer = await credit.client.put(path, json={"name": "王老五", "id_number": ID_NUMBER},
                                          headers=bearer("reviewer_b"))
    assert not_officer.status_code == 403
    other_district = await credit.client.put(
        path, json={"name": "王老五", "id_number": ID_NUMBER},
        headers=bearer("officer_a", district="d02"))
    assert other_district.status_code == 404

    entered = await credit.client.put(path, json={"name": "王老五", "id_number": ID_NUMBER},
                                      headers=bearer("officer_a", district="d01"))
    assert entered.status_code == 200, entered.text
    assert entered.json()["status"] == "imposed"
    assert entered.json()["id_number_masked"] == "110*************2X"
    twice = await credit.client.put(path, json={"name": "王老五", "id_number": ID_NUMBER},
                                    headers=bearer("officer_a"))
    assert twice.status_code == 409 and twice.headers["content-type"].startswith(
        "application/problem+json")

    events = await imposed.wait_for(SanctionImposed.event_type, 3)
    [ban] = [e for e in events if e.data["party_role"] == "foreman"]
    assert ban.data["person"] == {"person_id": foreman["id"], "name_masked": "王**",
                                  "id_number_masked": "110*************2X"}
    assert ban.data["name"] == "王**"
    [p] = ban.data["punishments"]
    assert (p["measure"], p["agencies"]) == ("construction_market_ban", ["housing_construction"])
    assert ID_NUMBER not in ban.to_bytes().decode() and "王老五" not in ban.to_bytes().decode()
    [stored] = await rows(credit, "SELECT id_number_enc FROM sanctions WHERE id = :i",
                          i=foreman["id"])
    assert ID_NUMBER not in stored.id_number_enc
    [audit] = await rows(credit, "SELECT actor, reason FROM audit_log "
                                 "WHERE action = 'sanction.identify'")
    assert audit.actor == "officer-1" and "R-MAJ-3" in audit.reason


async def test_r_maj_3_only_the_housing_regulator_reads_the_identity_number_every_read_audited(
        credit, infrastructure, bus_prefix):
    await publish(infrastructure, bus_prefix, major_case_sanctions())
    await settled(credit, 1)
    views = await listed(credit)
    foreman = views[2]["id"]
    path = f"/v1/sanctions/{foreman}/person"
    regulator = await partner_key(credit, "sanctions:market_ban")
    before = await credit.client.get(path, headers={"X-API-Key": regulator})
    assert before.status_code == 404  # nobody identified yet
    await credit.client.put(path, json={"name": "王老五", "id_number": ID_NUMBER},
                            headers=bearer("officer_a"))

    for _ in range(2):
        read = await credit.client.get(path, headers={"X-API-Key": regulator})
        assert read.status_code == 200, read.text
        assert read.json()["id_number"] == ID_NUMBER and read.json()["name"] == "王老五"
    reads = await rows(credit, "SELECT actor, subject FROM audit_log "
                               "WHERE action = 'read_personal_data'")
    assert [(r.actor, r.subject) for r in reads] == [("partner:housing-regulator",
                                                      f"sanction:{foreman}")] * 2

    bidding = await partner_key(credit, "disclosures:read")
    assert (await credit.client.get(path, headers={"X-API-Key": bidding})).status_code == 403
    assert (await credit.client.get(path, headers=bearer("officer_a"))).status_code == 401
    developer = await credit.client.get(f"/v1/sanctions/{views[0]['id']}/person",
                                        headers={"X-API-Key": regulator})
    assert developer.status_code == 404
    staff_view = await credit.client.get(f"/v1/sanctions/{foreman}", headers=bearer("ops"))
    assert staff_view.status_code == 403
    masked = await credit.client.get(f"/v1/sanctions/{foreman}", headers=bearer("executor_c"))
    assert ID_NUMBER not in masked.text and "王老五" not in masked.text


async def test_issue10_object_level_sanctions_of_a_major_case_without_a_district_are_the_citys_only(
        credit, infrastructure, bus_prefix, imposed):
    """A missing district never widens reach: district staff neither list nor read them."""
    await publish(infrastructure, bus_prefix, major_case_sanctions("major-city", district=None))
    await settled(credit, 1)
    assert await listed(credit, "major-city", district="d01") == []
    everyone = await listed(credit, "major-city", district="city")
    [foreman] = [v for v in everyone if v["party_role"] == "foreman"]
    path = f"/v1/sanctions/{foreman['id']}/person"
    body = {"name": "王老五", "id_number": ID_NUMBER}
    district = await credit.client.put(path, json=body, headers=bearer("officer_a", district="d01"))
    assert district.status_code == 404
    city = await credit.client.put(path, json=body, headers=bearer("officer_a", district="city"))
    assert city.status_code == 200, city.text
