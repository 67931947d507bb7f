"""Where each conduct indicator of the grade gets its count (R-CRD-2): pure rules, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from credit.conduct.rules import ConductKind, Report
from credit.grading.rules import INDICATORS, Profile, conduct_of, grade
from credit.settings import CreditSettings

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
POLICY = CreditSettings().grading_policy()


def graded(*reports: Report):
    return grade(Profile(NOW, conduct=conduct_of(reports, as_of=NOW, policy=POLICY)), POLICY)


def lost(result) -> dict[str, int]:
    return {d.indicator: d.points_lost for d in result.deductions}


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def test_r_crd_2_with_every_source_connected_all_20_indicators_are_assessed():
    result = graded()
    assert len(INDICATORS) == 20
    assert result.not_assessed == () and result.score == 100 and result.deductions == ()


@pytest.mark.parametrize(("kind", "indicator", "weight"), [
    (ConductKind.RECTIFICATION_LAPSED, "rectification.overdue", 6),
    (ConductKind.FALSE_RECTIFICATION, "rectification.false", 6),
    (ConductKind.FINE_OVERDUE, "rectification.fine_unpaid", 3),
    (ConductKind.INSPECTION_OBSTRUCTED, "cooperation.obstruction", 6),
    (ConductKind.VIOLENT_RESISTANCE, "cooperation.violent_resistance", 5),
    (ConductKind.COURT_ENFORCEMENT, "cooperation.penalty_refused", 4),
])
def test_r_crd_2_each_conduct_record_costs_its_indicator(kind, indicator, weight):
    result = graded(Report(kind, ago(30)))
    assert lost(result) == {indicator: weight}
    [deduction] = result.deductions
    assert deduction.reason.endswith("1 time(s) within 1095 days")


def test_r_crd_2_conduct_ages_out_of_the_lookback_window_and_the_future_does_not_count():
    assert lost(graded(Report(ConductKind.FINE_OVERDUE, ago(1094)))) == {
        "rectification.fine_unpaid": 3}
    assert lost(graded(Report(ConductKind.FINE_OVERDUE, ago(1095)))) == {}
    assert lost(graded(Report(ConductKind.FINE_OVERDUE, NOW + timedelta(days=1)))) == {}


def test_r_crd_2_complaints_count_in_the_recent_window_toward_five():
    recent = [Report(ConductKind.COMPLAINT, ago(days), "c") for days in (1, 100, 364)]
    old = Report(ConductKind.COMPLAINT, ago(400), "c")
    result = graded(*recent, old)
    assert lost(result) == {"satisfaction.complaints": 4}  # 3 of 5 × 6 points, rounded
    assert result.deductions[0].reason.startswith("3 worker complaint(s) and 0 closing")


def test_r_crd_2_dissatisfied_closings_count_with_the_complaints_and_the_reason_says_so():
    closings = [Report(ConductKind.CASE_CLOSED, ago(10), answer)
                for answer in ("dissatisfied", "dissatisfied", "satisfied", "basically_satisfied")]
    complaints = [Report(ConductKind.COMPLAINT, ago(days), "c") for days in (5, 6, 7)]
    result = graded(*closings, *complaints)
    assert lost(result) == {"satisfaction.complaints": 6}  # 3 + 2 = 5: the whole weight
    reason = result.deductions[0].reason
    assert "3 worker complaint(s) and 2 closing callback(s) with the workers dissatisfied" in reason
    assert lost(graded(*closings[2:])) == {}  # satisfied workers cost nothing
    assert lost(graded(Report(ConductKind.CASE_CLOSED, ago(400), "dissatisfied"))) == {}


def test_r_crd_2_a_record_counts_once_however_many_of_the_same_kind():
    result = graded(*[Report(ConductKind.COURT_ENFORCEMENT, ago(d)) for d in (1, 2, 3)])
    assert lost(result) == {"cooperation.penalty_refused": 4}  # capped at the weight
    assert "3 time(s)" in result.deductions[0].reason
