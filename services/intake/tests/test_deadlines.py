"""R-INT-3 / R-INT-4 handling deadlines on the real database and broker: met, missed, on time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from intake.deadlines.flows import outcomes
from intake.deadlines.rules import KINDS, Outcome, on_time_rate, outcome
from labor_runtime.testing import plan_of, statements_sent, swept

from .handling_support import bearer, file, outbox_of

pytestmark = pytest.mark.integration

OFFICER = bearer("officer_a")
GRID = bearer("grid_worker", subject="grid-7")


def _deadline(handling: dict, kind: str) -> dict:
    return next(d for d in handling["deadlines"] if d["kind"] == kind)


def test_r_int_3_outcome_is_judged_against_the_due_time():
    due = datetime(2026, 1, 1, 10, tzinfo=UTC)
    at = {"due_at": due, "cancelled_at": None}
    assert outcome(**at, completed_at=due, now=due + timedelta(days=1)) is Outcome.MET_ON_TIME
    assert outcome(**at, completed_at=due + timedelta(seconds=1), now=due) is Outcome.MET_LATE
    assert outcome(**at, completed_at=None, now=due) is Outcome.OVERDUE
    assert outcome(**at, completed_at=None, now=due - timedelta(seconds=1)) is Outcome.PENDING
    assert outcome(due_at=due, completed_at=None, cancelled_at=due, now=due) is Outcome.CANCELLED
    assert on_time_rate([Outcome.MET_ON_TIME, Outcome.MET_LATE, Outcome.OVERDUE, Outcome.PENDING,
                         Outcome.CANCELLED]) == pytest.approx(1 / 3)
    assert on_time_rate([Outcome.PENDING]) is None


async def test_r_int_3_assignment_within_the_hour_is_on_time_and_the_worker_sees_assigned(intake):
    created = await file(intake)
    intake.runtime.clock.advance(timedelta(minutes=40))
    response = await intake.client.post(
        f"/v1/complaints/by-id/{created['complaint_id']}/assignment", json={"handler": "officer-9"},
        headers=OFFICER)
    assert response.status_code == 200, response.text
    handling = response.json()
    assert handling["status"] == "assigned" and handling["handler"] == "officer-9"
    assert _deadline(handling, "intake.assignment")["outcome"] == "met_on_time"
    assert _deadline(handling, "intake.phone_confirmation")["outcome"] == "pending"
    status = await intake.client.get(f"/v1/complaints/{created['tracking_code']}")
    assert status.json()["status"] == "assigned"
    rate = (await intake.client.get("/v1/deadlines/on-time-rate", headers=OFFICER)).json()
    assignment = next(k for k in rate["kinds"] if k["kind"] == "intake.assignment")
    assert (assignment["met_on_time"], assignment["on_time_rate"]) == (1, 1.0)


async def test_r_int_3_missed_assignment_raises_overdue_event_shows_on_dashboard_and_metrics(intake):
    created = await file(intake)
    complaint_id = created["complaint_id"]
    intake.runtime.clock.advance(timedelta(hours=1, minutes=5))
    await swept(intake.runtime.sweeper)
    overdue_events = await outbox_of(intake, "runtime.deadline.overdue.v1")
    assert [(e["kind"], e["subject"]) for e in overdue_events] == [("intake.assignment", complaint_id)]

    dashboard = (await intake.client.get("/v1/deadlines/overdue", headers=OFFICER)).json()
    assert dashboard["counts"] == {"intake.assignment": 1}
    item = dashboard["items"][0]
    assert (item["complaint_id"], item["kind"], item["overdue_event_raised"]) == (
        complaint_id, "intake.assignment", True)
    assert item["overdue_seconds"] >= 300
    other = (await intake.client.get("/v1/deadlines/overdue", headers=bearer("officer_a", district="d02")))
    assert other.json() == {"counts": {}, "items": [], "unreachable": []}

    late = await intake.client.post(f"/v1/complaints/by-id/{complaint_id}/assignment",
                                    json={"handler": "officer-9"}, headers=OFFICER)
    assert _deadline(late.json(), "intake.assignment")["outcome"] == "met_late"
    dashboard = (await intake.client.get("/v1/deadlines/overdue", headers=OFFICER)).json()
    assert "intake.assignment" not in dashboard["counts"]
    rate = (await intake.client.get("/v1/deadlines/on-time-rate", headers=OFFICER)).json()
    assignment = next(k for k in rate["kinds"] if k["kind"] == "intake.assignment")
    assert (assignment["met_late"], assignment["on_time_rate"]) == (1, 0.0)

    from intake.deadlines.metrics import refresh_on_time

    await refresh_on_time(intake.runtime)
    metrics = (await intake.client.get("/metrics")).text
    assert 'intake_deadlines_met_total{kind="intake.assignment",timeliness="late"} 1.0' in metrics
    assert 'intake_deadline_on_time_ratio{kind="intake.assignment"} 0.0' in metrics
    assert 'deadlines_overdue_total{kind="intake.assignment"} 1.0' in metrics


async def test_r_int_3_phone_confirmation_completes_its_deadline_once(intake):
    created = await file(intake)
    url = f"/v1/complaints/by-id/{created['complaint_id']}/phone-confirmation"
    intake.runtime.clock.advance(timedelta(hours=23))
    first = await intake.client.post(url, json={"note": "reached"}, headers=OFFICER)
    assert first.status_code == 200, first.text
    assert _deadline(first.json(), "intake.phone_confirmation")["outcome"] == "met_on_time"
    intake.runtime.clock.advance(timedelta(hours=2))
    again = await intake.client.post(url, json={}, headers=OFFICER)
    assert again.json()["phone_confirmed_at"] == first.json()["phone_confirmed_at"]
    assert _deadline(again.json(), "intake.phone_confirmation")["outcome"] == "met_on_time"


async def test_r_int_4_failed_mediation_is_escalated_to_the_brigade_within_two_hours(intake):
    created = await file(intake)
    complaint_id = created["complaint_id"]
    recorded = await intake.client.post(f"/v1/complaints/by-id/{complaint_id}/mediation",
                                        json={"result": "failed", "grid": "d01-s03-g07"}, headers=GRID)
    assert recorded.status_code == 200, recorded.text
    deadline = _deadline(recorded.json(), "intake.mediation_escalation")
    assert deadline["outcome"] == "pending"
    due = datetime.fromisoformat(deadline["due_at"])
    assert due - datetime.fromisoformat(recorded.json()["mediated_at"]) == timedelta(hours=2)

    intake.runtime.clock.advance(timedelta(minutes=90))
    escalated = await intake.client.post(f"/v1/complaints/by-id/{complaint_id}/escalation",
                                         json={"note": "调解不成"}, headers=GRID)
    assert escalated.status_code == 200, escalated.text
    assert _deadline(escalated.json(), "intake.mediation_escalation")["outcome"] == "met_on_time"
    [event] = await intake.probe.wait_for("intake.mediation.escalated.v1")
    assert event.data["complaint_id"] == complaint_id and event.data["on_time"] is True
    assert event.data["grid"] == "d01-s03-g07" and event.data["district"] == "d01"
    assert "张三" not in event.model_dump_json() and "13800138000" not in event.model_dump_json()
    # escalating again changes nothing and emits nothing
    await intake.client.post(f"/v1/complaints/by-id/{complaint_id}/escalation", json={}, headers=GRID)
    assert len(await outbox_of(intake, "intake.mediation.escalated.v1")) == 1


async def test_r_int_4_unreported_failed_mediation_goes_overdue(intake):
    created = await file(intake)
    complaint_id = created["complaint_id"]
    await intake.client.post(f"/v1/complaints/by-id/{complaint_id}/assignment",
                             json={"handler": "officer-9"}, headers=OFFICER)
    await intake.client.post(f"/v1/complaints/by-id/{complaint_id}/mediation",
                             json={"result": "failed", "grid": "d01-s03-g07"}, headers=GRID)
    intake.runtime.clock.advance(timedelta(hours=2, minutes=1))
    await swept(intake.runtime.sweeper)
    kinds = [e["kind"] for e in await outbox_of(intake, "runtime.deadline.overdue.v1")]
    assert "intake.mediation_escalation" in kinds
    dashboard = await intake.client.get("/v1/deadlines/overdue",
                                        params={"kind": "intake.mediation_escalation"}, headers=GRID)
    assert dashboard.json()["counts"] == {"intake.mediation_escalation": 1}
    late = await intake.client.post(f"/v1/complaints/by-id/{complaint_id}/escalation", json={},
                                    headers=bearer("brigade_chief", subject="chief-1"))
    assert _deadline(late.json(), "intake.mediation_escalation")["outcome"] == "met_late"
    [event] = await intake.probe.wait_for("intake.mediation.escalated.v1")
    assert event.data["on_time"] is False


async def test_r_int_4_succeeded_mediation_starts_no_escalation_and_only_failed_escalates(intake):
    created = await file(intake)
    complaint_id = created["complaint_id"]
    done = await intake.client.post(f"/v1/complaints/by-id/{complaint_id}/mediation",
                                    json={"result": "succeeded", "grid": "d01-s03-g07"}, headers=GRID)
    assert done.json()["mediation_result"] == "succeeded"
    assert all(d["kind"] != "intake.mediation_escalation" for d in done.json()["deadlines"])
    refused = await intake.client.post(f"/v1/complaints/by-id/{complaint_id}/escalation", json={},
                                       headers=GRID)
    assert refused.status_code == 409
    again = await intake.client.post(f"/v1/complaints/by-id/{complaint_id}/mediation",
                                     json={"result": "failed", "grid": "d01-s03-g07"}, headers=GRID)
    assert again.status_code == 409
    officer = await intake.client.post(f"/v1/complaints/by-id/{complaint_id}/mediation",
                                       json={"result": "failed", "grid": "d01-s03-g07"}, headers=OFFICER)
    assert officer.status_code == 403


async def test_r_org_1_an_employer_belongs_to_exactly_one_grid(intake):
    first = await file(intake)
    second = await file(intake, worker_count=2)
    ok = await intake.client.post(f"/v1/complaints/by-id/{first['complaint_id']}/mediation",
                                  json={"result": "failed", "grid": "d01-s03-g07"}, headers=GRID)
    assert ok.status_code == 200
    other_grid = await intake.client.post(
        f"/v1/complaints/by-id/{second['complaint_id']}/mediation",
        json={"result": "failed", "grid": "d01-s04-g01"}, headers=GRID)
    assert other_grid.status_code == 409
    assert other_grid.json()["grid"] == "d01-s03-g07"
    employer = (await intake.client.get(f"/v1/employers/{ok.json()['employer_id']}",
                                        headers=OFFICER)).json()
    assert employer["grid"] == "d01-s03-g07"


async def test_the_on_time_gauge_reads_the_deadlines_started_lately_not_every_timer(intake):
    """Cost flat with data: with a year of deadlines stored, the on-time gauge's count of the
    last 30 days goes through an index, not a scan of every timer (it runs every 30 s)."""
    now = intake.runtime.clock.now()
    engine = intake.runtime.engine
    async with engine.begin() as conn:
        await conn.execute(sa.text(
            "INSERT INTO timers (id, kind, subject, due_at, created_at, completed_at) "
            "SELECT gen_random_uuid(), (CAST(:kinds AS text[]))[1 + i % 4], 's' || i, "
            "       CAST(:now AS timestamptz) - make_interval(mins => i * 5), "
            "       CAST(:now AS timestamptz) - make_interval(mins => i * 5 + 60), "
            "       CAST(:now AS timestamptz) - make_interval(mins => i * 5 + 30) "
            "FROM generate_series(1, 100000) AS i"), {"now": now, "kinds": list(KINDS)})
        await conn.execute(sa.text("ANALYZE timers"))
    async with engine.connect() as conn, statements_sent(conn) as sent:
        counted = await outcomes(conn, since=now - timedelta(days=30), now=now, staff=None)
    assert sum(sum(c.values()) for c in counted.values()) == 30 * 24 * 12 - 12  # one each 5 min
    [(statement, parameters)] = sent
    plan = await plan_of(engine, statement, parameters)
    assert "Seq Scan on timers" not in plan, plan


async def test_issue10_finding_7_an_assignment_names_its_handler(intake):
    created = await file(intake)
    response = await intake.client.post(
        f"/v1/complaints/by-id/{created['complaint_id']}/assignment", json={"handler": "  "},
        headers=OFFICER)
    assert response.status_code == 422, response.text
    assert [e["location"] for e in response.json()["errors"]] == ["body.handler"]
