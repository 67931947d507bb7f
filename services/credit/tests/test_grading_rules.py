"""The integrity grade (R-CRD-2) as pure rules: no database, no broker."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from credit.grading.rules import (
    BASE_SCORE,
    DEFAULT_WEIGHTS,
    INDICATORS,
    Conduct,
    Grade,
    GradeScale,
    Item,
    Penalty,
    Profile,
    ViolationKind,
    classify,
    grade,
)
from credit.settings import CreditSettings
from pydantic import ValidationError

NOW = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
POLICY = CreditSettings().grading_policy()  # the DOMAIN.md defaults, written once in the settings
CONDUCT_INDICATORS = ("rectification.overdue", "rectification.false", "rectification.fine_unpaid",
                      "cooperation.obstruction", "cooperation.violent_resistance",
                      "cooperation.penalty_refused", "satisfaction.complaints")


def wage_case(number: str = "榕人社监罚〔2025〕1号", *, days_ago: int = 10,
              violation: str = "拖欠6名工人工资", fine: str = "50000", workers: int = 6,
              arrears: str = "120000") -> Penalty:
    return Penalty(decision_number=number, decided_at=NOW - timedelta(days=days_ago),
                   violation=violation, fine_amount=Decimal(fine), worker_count=workers,
                   arrears_amount=Decimal(arrears))


def lost(result) -> dict[str, int]:
    return {d.indicator: d.points_lost for d in result.deductions}


def only(weights: dict[str, int]) -> dict[str, int]:
    """Every indicator weighs nothing except those given."""
    return {code: 0 for code in DEFAULT_WEIGHTS} | weights


@pytest.mark.parametrize(("score", "expected"), [
    (100, Grade.A), (90, Grade.A), (89, Grade.B), (80, Grade.B), (79, Grade.C), (60, Grade.C),
    (59, Grade.D), (0, Grade.D)])
def test_r_crd_2_score_to_grade_at_the_boundaries(score, expected):
    assert POLICY.scale.grade(score) is expected


def test_r_crd_2_boundaries_are_configuration():
    stricter = GradeScale(a_min=95, b_min=85, c_min=70)
    assert [stricter.grade(s) for s in (95, 94, 85, 84, 70, 69)] == ["A", "B", "B", "C", "C", "D"]
    with pytest.raises(ValueError, match="A > B > C"):
        GradeScale(a_min=80, b_min=90, c_min=60)


@pytest.mark.parametrize(("points", "expected"), [(10, Grade.A), (11, Grade.B), (20, Grade.B),
                                                   (21, Grade.C), (40, Grade.C), (41, Grade.D)])
def test_r_crd_2_boundaries_90_80_60_through_the_whole_computation(points, expected):
    """One recent decision costs a third of `cases.recent`; its weight sets the points lost."""
    policy = replace(POLICY, weights=only({"cases.recent": points * 3}))
    result = grade(Profile(NOW, (wage_case(),)), policy)
    assert (result.score, result.grade) == (BASE_SCORE - points, expected)


def test_r_crd_2_twenty_indicators_in_six_items_weighing_100():
    assert len(INDICATORS) == 20 and len({i.code for i in INDICATORS}) == 20
    assert {i.item for i in INDICATORS} == set(Item)
    assert sum(DEFAULT_WEIGHTS.values()) == BASE_SCORE
    per_item = {item: sum(i.default_weight for i in INDICATORS if i.item is item) for item in Item}
    assert per_item == {Item.CASES: 20, Item.NATURE: 25, Item.AMOUNTS: 15,
                        Item.RECTIFICATION: 15, Item.COOPERATION: 15, Item.SATISFACTION: 10}


def test_r_crd_2_clean_record_is_a_with_nothing_to_explain():
    result = grade(Profile(NOW), POLICY)
    assert (result.score, result.grade, result.deductions) == (100, Grade.A, ())
    assert result.not_assessed == CONDUCT_INDICATORS  # no source reports conduct yet


def test_r_crd_2_explanation_names_every_indicator_that_cost_points():
    result = grade(Profile(NOW, (wage_case(),)), POLICY)
    assert lost(result) == {"cases.recent": 3, "nature.wage_arrears": 8,
                            "amounts.fines_total": 5, "amounts.largest_fine": 3,
                            "amounts.arrears": 5, "satisfaction.workers_affected": 2}
    assert (result.score, result.grade) == (74, Grade.C)
    assert BASE_SCORE - sum(lost(result).values()) == result.score
    by_code = {d.indicator: d for d in result.deductions}
    assert "榕人社监罚〔2025〕1号" in by_code["nature.wage_arrears"].reason
    assert "50000 yuan" in by_code["amounts.fines_total"].reason
    assert by_code["cases.recent"].item == "cases" and by_code["cases.recent"].weight == 10


def test_r_crd_2_weights_change_the_score():
    record = Profile(NOW, (wage_case(),))
    heavier = replace(POLICY, weights={"nature.wage_arrears": 20})
    assert grade(record, heavier).score == 62
    assert lost(grade(record, heavier))["nature.wage_arrears"] == 20
    ignored = grade(record, replace(POLICY, weights={"nature.wage_arrears": 0}))
    assert ignored.score == 82 and "nature.wage_arrears" not in lost(ignored)


def test_r_crd_2_weights_come_from_settings():
    settings = CreditSettings(indicator_weights={"nature.wage_arrears": 20})
    policy = settings.grading_policy()
    assert policy.weights["nature.wage_arrears"] == 20
    assert policy.weights["cases.recent"] == DEFAULT_WEIGHTS["cases.recent"]  # others default
    assert grade(Profile(NOW, (wage_case(),)), policy).score == 62
    stricter = CreditSettings(grade_a_min_score=95, grade_b_min_score=85, grade_c_min_score=75)
    assert grade(Profile(NOW, (wage_case(),)), stricter.grading_policy()).grade is Grade.D


def test_r_crd_2_unknown_or_negative_weights_are_refused_at_start():
    with pytest.raises(ValidationError, match=r"unknown indicators in weights: cases\.bogus"):
        CreditSettings(indicator_weights={"cases.bogus": 5})
    with pytest.raises(ValidationError, match="must not be negative"):
        CreditSettings(indicator_weights={"cases.recent": -1})
    with pytest.raises(ValidationError, match="A > B > C"):
        CreditSettings(grade_b_min_score=95)


def test_r_crd_2_repeated_violation_and_more_cases_cost_more():
    first, second = wage_case(days_ago=200), wage_case("榕人社监罚〔2025〕2号", days_ago=5)
    result = grade(Profile(NOW, (first, second)), POLICY)
    assert lost(result)["cases.recent"] == 7  # 2 of 3
    assert lost(result)["cases.repeat"] == 6
    assert "wage arrears (拖欠工资) 2 times" in next(
        d.reason for d in result.deductions if d.indicator == "cases.repeat")


def test_r_crd_2_decisions_age_out_of_the_windows():
    earlier = grade(Profile(NOW, (wage_case(days_ago=400),)), POLICY)
    assert "cases.recent" not in lost(earlier) and lost(earlier)["cases.earlier"] == 1
    expired = grade(Profile(NOW, (wage_case(days_ago=3 * 365 + 1),)), POLICY)
    assert (expired.score, expired.deductions) == (100, ())


def test_r_crd_2_aggravating_circumstances():
    crime = wage_case(violation="拒不支付劳动报酬，拖欠工资", workers=3, arrears="20000")
    major = wage_case(workers=30)
    for record in (crime, major):
        assert lost(grade(Profile(NOW, (record,)), POLICY))["nature.aggravating"] == 5
    assert "nature.aggravating" not in lost(grade(Profile(NOW, (wage_case(),)), POLICY))


def test_r_crd_2_conduct_indicators_cost_points_once_reported():
    conduct = Conduct(rectifications_overdue=0, false_rectifications=0, fines_unpaid=1,
                      inspections_obstructed=0, violent_resistance=1, penalties_refused=0,
                      complaints_recent=5)
    result = grade(Profile(NOW, conduct=conduct), POLICY)
    assert lost(result) == {"rectification.fine_unpaid": 3, "cooperation.violent_resistance": 5,
                            "satisfaction.complaints": 6}
    assert result.not_assessed == () and result.score == 86


def test_r_crd_2_a_bad_record_is_d_and_the_score_never_goes_below_zero():
    conduct = Conduct(1, 1, 1, 1, 1, 1, 9)
    cases = (wage_case(violation="拒不支付劳动报酬；未缴纳社会保险；使用童工", fine="300000"),
             wage_case("2", days_ago=30), wage_case("3", days_ago=60))
    result = grade(Profile(NOW, cases, conduct), POLICY)
    assert result.grade is Grade.D and result.score < 60
    doubled = replace(POLICY, weights={code: 2 * w for code, w in DEFAULT_WEIGHTS.items()})
    assert grade(Profile(NOW, cases, conduct), doubled).score == 0


@pytest.mark.parametrize(("violation", "kinds"), [
    ("拖欠6名工人工资", {ViolationKind.WAGE_ARREARS}),
    ("拖欠工資", {ViolationKind.WAGE_ARREARS}),
    ("未依法为职工缴纳社会保险费", {ViolationKind.SOCIAL_INSURANCE}),
    ("未与劳动者订立书面劳动合同", {ViolationKind.LABOR_CONTRACT}),
    ("安排加班超过法定限度", {ViolationKind.WORKING_HOURS}),
    ("使用童工", {ViolationKind.SPECIAL_PROTECTION}),
    ("Unpaid wages and overtime", {ViolationKind.WAGE_ARREARS, ViolationKind.WORKING_HOURS}),
    ("未按规定备案", set()),
])
def test_r_crd_2_nature_of_a_violation_from_its_wording(violation, kinds):
    assert classify(violation) == kinds
