"""The grade's conduct indicators fed by real events through the broker (R-CRD-2): each event
type moves its indicator (through the regrader's queue, in batches); once per event; a burst is
regraded once; malformed events dead-lettered; staff findings regrade at once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from credit.grading.due import Regrader, regrade_claimed, regrade_due
from labor_contracts.cases import (
    CaseClosed,
    CourtEnforcementApplied,
    FineOverdue,
    RectificationLapsed,
)
from labor_contracts.common import EmployerRef
from labor_contracts.envelope import Envelope
from labor_contracts.events import EventData
from labor_contracts.intake import ComplaintAccepted
from labor_runtime.testing import eventually

from .conftest import (
    CODE,
    bearer,
    consuming,
    credit_code,
    load_grids,
    penalty_decided,
    publish,
    settled,
    start_credit,
)

pytestmark = pytest.mark.integration

OFFICER = bearer("officer_a", district="d01", subject="officer-zhang")
EXECUTOR = bearer("executor_c", district="d01", subject="executor-chen")
EMPLOYER = {"name": "某某建筑工程有限公司", "grid": "350102001001"}
PARTY = EmployerRef(credit_code=CODE, name="某某建筑工程有限公司", address="某市某区某路1号")


def envelope(data: EventData, source: str = "/services/cases",
             event_id: str | None = None) -> Envelope:
    return Envelope(id=event_id or str(uuid.uuid4()), source=source, type=data.event_type,
                    data=data.model_dump(mode="json"))


def hour_ago() -> datetime:
    return datetime.now(UTC) - timedelta(hours=1)


def lapsed(code: str | None = CODE) -> Envelope:
    return envelope(RectificationLapsed(
        case_id="case-1", case_number="某劳监立〔2026〕0001",
        employer=PARTY.model_copy(update={"credit_code": code}), district="d01",
        items=["补发工资"], arrears_outstanding=Decimal("60000"),
        due_at=hour_ago() - timedelta(days=1), lapsed_at=hour_ago()))


def fine_overdue() -> Envelope:
    return envelope(FineOverdue(
        case_id="case-1", decision_id="dec-1", decision_number="某劳监罚〔2026〕0001",
        employer=PARTY, outstanding=Decimal("5000"), due_at=hour_ago(), overdue_at=hour_ago()))


def court_enforcement() -> Envelope:
    return envelope(CourtEnforcementApplied(
        case_id="case-1", decision_id="dec-1", decision_number="某劳监罚〔2026〕0001",
        employer=PARTY, outstanding=Decimal("6500"), reason="拒不履行", applied_at=hour_ago()))


def closed(satisfaction: str | None, *, employer: EmployerRef | None = PARTY) -> Envelope:
    return envelope(CaseClosed(
        case_id=f"case-{uuid.uuid4()}", case_number="某劳监立〔2026〕0002", complaint_ids=["c-1"],
        outcome="rectified", reason="已整改", closed_at=hour_ago(), employer=employer,
        worker_satisfaction=satisfaction))


def complaint(code: str | None = CODE) -> Envelope:
    return envelope(ComplaintAccepted(
        complaint_id=str(uuid.uuid4()), channel="hotline_12333", received_at=hour_ago(),
        employer=EmployerRef(credit_code=code, name="某某建筑工程有限公司"), district="d01",
        worker_count=2, arrears_amount=Decimal("8000"), summary="工资未发"),
        source="/services/intake")


async def _any(received: list) -> bool:
    return bool(received)


async def registered(credit) -> None:
    """On a village grid of the test tree (R-ORG-1), in district d01."""
    assert (await load_grids(credit)).status_code == 200
    response = await credit.client.put(f"/v1/employers/{CODE}", json=EMPLOYER, headers=OFFICER)
    assert response.status_code == 201, response.text


async def grade(credit) -> dict:
    response = await credit.client.get(f"/v1/employers/{CODE}/grade", headers=OFFICER)
    assert response.status_code == 200, response.text
    return response.json()


def lost(body: dict) -> dict[str, int]:
    return {line["indicator"]: line["points_lost"] for line in body["explanation"]}


async def regraded(credit, points: dict[str, int]) -> dict:
    """The grade once the regrader has counted what was reported: `points` lost."""
    found: dict = {}

    async def counted() -> bool:
        response = await credit.client.get(f"/v1/employers/{CODE}/grade", headers=OFFICER)
        found.update(response.json())
        return response.status_code == 200 and lost(found) == points

    await eventually(counted)
    return found


async def rows(credit, sql: str) -> list:
    async with credit.runtime.engine.connect() as conn:
        return list((await conn.execute(sa.text(sql))).all())


@pytest.mark.parametrize(("event", "indicator", "points"), [
    (lapsed, "rectification.overdue", 6),
    (fine_overdue, "rectification.fine_unpaid", 3),
    (court_enforcement, "cooperation.penalty_refused", 4),
    (lambda: closed("dissatisfied"), "satisfaction.complaints", 1),
    (complaint, "satisfaction.complaints", 1),
])
async def test_r_crd_2_each_event_moves_its_indicator(credit, infrastructure, bus_prefix,
                                                      grade_changes, event, indicator, points):
    await registered(credit)
    await publish(infrastructure, bus_prefix, event())
    await settled(credit, 1)
    body = await regraded(credit, {indicator: points})
    assert body["not_assessed"] == []  # every indicator has its source
    assert body["trigger"].split(":")[0] in {"rectification_lapsed", "fine_overdue",
                                             "court_enforcement", "case_closed", "complaint"}
    await eventually(lambda: _any(grade_changes))
    assert [(e.data["previous_grade"], e.data["grade"]) for e in grade_changes] == [(None, "A")]
    [line] = await rows(credit, "SELECT kind, summary FROM employer_history "
                                "WHERE kind IN ('conduct', 'complaint', 'case_closed')")
    assert line.summary


async def test_r_crd_2_redelivered_and_repeated_events_are_one_record(credit, infrastructure,
                                                                      bus_prefix):
    await registered(credit)
    once = lapsed()
    await publish(infrastructure, bus_prefix, once, once)
    await settled(credit, 2)
    assert len(await rows(credit, "SELECT id FROM conduct_records")) == 1
    await regraded(credit, {"rectification.overdue": 6})
    assert len(await rows(credit, "SELECT id FROM employer_grades")) == 1
    assert await rows(credit, "SELECT credit_code FROM grades_due") == []


@pytest.fixture
async def ungathered(infrastructure, bus_prefix, grade_changes):
    """A credit service whose queued employers fall due at once, its regrader stopped: the test
    works the queue itself."""
    async with start_credit(infrastructure, bus_prefix, grade_gather_seconds=0) as service:
        await consuming(service)
        for worker in service.runtime.workers:
            if isinstance(worker, Regrader):
                await worker.stop()
        yield service


async def test_r_crd_2_a_burst_of_complaints_against_one_employer_is_one_regrade(
        ungathered, infrastructure, bus_prefix):
    credit = ungathered
    await registered(credit)
    burst = [complaint() for _ in range(30)]
    await publish(infrastructure, bus_prefix, *burst)
    await settled(credit, len(burst))
    assert len(await rows(credit, "SELECT id FROM conduct_records")) == len(burst)
    [queued] = await rows(credit, "SELECT credit_code, trigger FROM grades_due")
    assert queued.credit_code == CODE and queued.trigger.startswith("complaint:")
    assert await regrade_due(credit.runtime, limit=500) == 1
    [graded] = await rows(credit, "SELECT trigger FROM employer_grades")
    assert graded.trigger == queued.trigger  # the latest report names the regrade
    assert lost(await grade(credit)) == {"satisfaction.complaints": 6}  # 30 of 5: all of it
    assert await rows(credit, "SELECT credit_code FROM grades_due") == []
    assert await regrade_due(credit.runtime, limit=500) == 0


async def test_r_crd_2_the_running_regrader_gathers_a_burst_into_few_regrades(
        credit, infrastructure, bus_prefix, grade_changes):
    await registered(credit)
    burst = [complaint() for _ in range(30)]
    await publish(infrastructure, bus_prefix, *burst)
    await settled(credit, len(burst))
    await regraded(credit, {"satisfaction.complaints": 6})
    assert len(await rows(credit, "SELECT id FROM employer_grades")) <= 3  # not 30
    await eventually(lambda: _any(grade_changes))
    assert grade_changes[0].data["previous_grade"] is None


async def test_r_crd_2_an_employer_queued_again_during_a_batch_stays_queued(
        ungathered, infrastructure, bus_prefix):
    credit = ungathered
    await registered(credit)
    first, second = complaint(), complaint()
    await publish(infrastructure, bus_prefix, first)
    await settled(credit, 1)
    async with credit.runtime.uow() as uow:  # a batch claimed, not yet committed
        assert await regrade_claimed(uow, policy=credit.runtime.settings.grading_policy(),
                                     limit=500) == 1
        # The second complaint arrives meanwhile; its queueing waits for the batch's claim.
        await publish(infrastructure, bus_prefix, second)
        await asyncio.sleep(0.3)
        await uow.commit()
    await settled(credit, 2)
    [queued] = await rows(credit, "SELECT trigger FROM grades_due")
    assert queued.trigger == f"complaint:{second.data['complaint_id']}"
    assert lost(await grade(credit)) == {"satisfaction.complaints": 1}  # the batch's: one
    assert await regrade_due(credit.runtime, limit=500) == 1
    assert lost(await grade(credit)) == {"satisfaction.complaints": 2}
    assert await rows(credit, "SELECT credit_code FROM grades_due") == []


async def test_r_crd_2_conduct_of_an_employer_not_registered_queues_nothing(
        credit, infrastructure, bus_prefix):
    await publish(infrastructure, bus_prefix, complaint(), lapsed())
    await settled(credit, 2)
    assert len(await rows(credit, "SELECT id FROM conduct_records")) == 2
    assert await rows(credit, "SELECT credit_code FROM grades_due") == []


async def test_r_crd_2_malformed_events_are_dead_lettered_and_codeless_complaints_not_counted(
        credit, infrastructure, bus_prefix):
    await registered(credit)
    await publish(infrastructure, bus_prefix, lapsed(code=None),
                  lapsed(code="91350100M000100Y44"), closed("so-so"), complaint(code=None),
                  closed(None, employer=None))
    await settled(credit, 5)
    assert credit.runtime.consumer.stats.dead_lettered == 3
    assert await rows(credit, "SELECT id FROM conduct_records") == []


async def test_r_crd_2_a_case_closed_without_satisfaction_is_history_only(credit, infrastructure,
                                                                          bus_prefix):
    await registered(credit)
    await publish(infrastructure, bus_prefix, closed(None), closed("satisfied"))
    await settled(credit, 2)
    assert len(await rows(credit, "SELECT id FROM employer_history "
                                  "WHERE kind = 'case_closed'")) == 2
    await regraded(credit, {})  # satisfied workers cost nothing


async def test_r_crd_2_conduct_before_registration_counts_when_the_employer_is_graded(
        credit, infrastructure, bus_prefix):
    await publish(infrastructure, bus_prefix, court_enforcement(), complaint())
    await settled(credit, 2)
    assert await rows(credit, "SELECT credit_code FROM employer_grades") == []
    await publish(infrastructure, bus_prefix, penalty_decided("dec-9"))
    await settled(credit, 3)
    body = await grade(credit)
    assert {"cooperation.penalty_refused", "satisfaction.complaints"} <= set(lost(body))


async def test_r_crd_2_staff_findings_are_audited_regrade_and_are_read_back(credit, grade_changes):
    await registered(credit)
    url = f"/v1/employers/{CODE}/findings"
    finding = {"kind": "violent_resistance", "case_reference": "某劳监立〔2026〕0001",
               "description": "执法人员被围堵推搡", "found_on": date.today().isoformat()}
    made = await credit.client.post(url, json=finding, headers=EXECUTOR)
    assert made.status_code == 201, made.text
    assert made.json()["kind"] == "violent_resistance"
    assert made.json()["source"].startswith("staff:executor-chen:")
    second = finding | {"kind": "inspection_obstructed", "description": "拒绝提供工资台账"}
    assert (await credit.client.post(url, json=second, headers=OFFICER)).status_code == 201
    assert lost(await grade(credit)) == {"cooperation.violent_resistance": 5,
                                         "cooperation.obstruction": 6}
    graded = await rows(credit, "SELECT summary FROM employer_history WHERE kind = 'grade' "
                                "ORDER BY id")
    assert [line.summary for line in graded] == ["integrity grade - -> A (95) (R-CRD-2)",
                                                 "integrity grade A -> B (89) (R-CRD-2)"]
    [audited] = await rows(credit, "SELECT actor, reason FROM audit_log "
                                   "WHERE action = 'conduct.finding' AND actor = 'executor-chen'")
    assert "violent_resistance" in audited.reason and "某劳监立〔2026〕0001" in audited.reason
    listed = (await credit.client.get(f"/v1/employers/{CODE}/conduct", headers=OFFICER)).json()
    assert {r["kind"] for r in listed["records"]} == {"violent_resistance",
                                                      "inspection_obstructed"}


async def test_r_crd_2_findings_are_checked_for_role_district_and_body(credit):
    await registered(credit)
    url = f"/v1/employers/{CODE}/findings"
    finding = {"kind": "false_rectification", "description": "台账系伪造",
               "found_on": date.today().isoformat()}
    assert (await credit.client.post(url, json=finding,
                                     headers=bearer("reviewer_b"))).status_code == 403
    elsewhere = bearer("officer_a", district="d02")
    assert (await credit.client.post(url, json=finding, headers=elsewhere)).status_code == 404
    assert (await credit.client.get(f"/v1/employers/{CODE}/conduct",
                                    headers=elsewhere)).status_code == 404
    unknown = f"/v1/employers/{credit_code('91350100M000200Y4')}/findings"
    assert (await credit.client.post(unknown, json=finding, headers=OFFICER)).status_code == 404
    for wrong in ({"kind": "rude"}, {"description": "a\x00b"},
                  {"found_on": (date.today() + timedelta(days=2)).isoformat()}):
        answer = await credit.client.post(url, json=finding | wrong, headers=OFFICER)
        assert answer.status_code == 422, wrong
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert await rows(credit, "SELECT id FROM conduct_records") == []
