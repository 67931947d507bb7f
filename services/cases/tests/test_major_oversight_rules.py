"""Pure rules of major cases, the review draw, metrics and the holiday table: no I/O."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from cases.execution import rules as execution
from cases.major import rules as major
from cases.major.rules import IncidentKind, MajorThresholds, Milestone, PartyRole
from cases.oversight import rules as oversight
from cases.penalty import rules as penalty
from cases.settings import CasesSettings, DayDeadline
from cases.workdays import rules as workdays
from labor_runtime.clock import Calendar
from pydantic import ValidationError

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
LIMITS = MajorThresholds(workers=30, amount=Decimal("1000000"), online_views=100_000)


def grounds(**figures) -> list[str]:
    base = {"worker_count": 1, "arrears_amount": Decimal("1000"), "online_views": 0}
    return major.major_case_grounds(**{**base, **figures}, thresholds=LIMITS)


# R-MAJ-1 ------------------------------------------------------------------------------------------


def test_r_maj_1_thirty_workers_trigger_twenty_nine_do_not():
    assert grounds(worker_count=29) == []
    assert grounds(worker_count=30) == ["arrears affect 30 workers (≥ 30)"]


def test_r_maj_1_one_million_yuan_triggers_a_fen_less_does_not():
    assert grounds(arrears_amount=Decimal("999999.99")) == []
    assert grounds(arrears_amount=Decimal("1000000.00")) == ["amount 1000000.00 yuan (≥ 1000000)"]


def test_r_maj_1_online_attention_from_one_hundred_thousand_views():
    assert grounds(online_views=99_999) == []
    assert grounds(online_views=100_000) == ["online attention 100000 views (≥ 100000)"]


@pytest.mark.parametrize("kind", [IncidentKind.ROAD_BLOCKING, IncidentKind.SUICIDE_THREAT,
                                  IncidentKind.MASS_PETITION])
def test_r_maj_1_road_blocking_suicide_threat_or_mass_petition_trigger(kind):
    assert grounds(incidents={kind}) == [major.GRAVE_INCIDENTS[kind]]


def test_r_maj_1_reports_of_figures_alone_do_not_trigger():
    assert grounds(incidents={IncidentKind.ONLINE_ATTENTION, IncidentKind.WORKERS_AFFECTED}) == []


def test_r_maj_1_every_ground_is_named():
    assert len(grounds(worker_count=40, arrears_amount=Decimal("2000000"), online_views=200_000,
                       incidents={IncidentKind.ROAD_BLOCKING})) == 4


def test_r_maj_1_thresholds_are_settings_with_the_domain_defaults():
    settings = CasesSettings()
    assert (settings.major_case_workers, settings.major_case_amount,
            settings.major_case_online_views) == (30, Decimal("1000000"), 100_000)


# R-MAJ-2 ------------------------------------------------------------------------------------------


def test_r_maj_2_milestone_clocks_run_from_the_trigger():
    schedule = dict(major.milestone_schedule(T0, CasesSettings().major_milestone_clocks()))
    assert {m: due - T0 for m, due in schedule.items()} == {
        Milestone.ON_SITE: timedelta(minutes=30), Milestone.VERIFIED: timedelta(hours=2),
        Milestone.AGREEMENT: timedelta(hours=6), Milestone.ENFORCEMENT: timedelta(hours=24),
        Milestone.WAGES_PAID: timedelta(hours=72)}


def test_r_maj_2_milestone_minutes_are_configurable_and_checked():
    clocks = CasesSettings(major_on_site_within_minutes=20).major_milestone_clocks()
    assert clocks[Milestone.ON_SITE] == timedelta(minutes=20)
    assert clocks[Milestone.WAGES_PAID] == timedelta(hours=72)
    with pytest.raises(ValidationError, match="major_verified_within_hours"):
        CasesSettings(major_verified_within_hours=0)


def test_r_maj_2_task_force_names_lead_and_every_agency():
    assert [a.value for a in major.missing_agencies(set())] == [
        "lead", "human_resources", "police", "housing", "court", "procuratorate", "publicity",
        "petitions"]
    assert major.missing_agencies({a.value for a in major.Agency}) == []


# R-MAJ-3 ------------------------------------------------------------------------------------------


def test_r_maj_3_developer_and_general_contractor_barred_from_bids_for_twelve_months():
    term = major.sanction_term(PartyRole.DEVELOPER, starts_on=date(2026, 3, 2), bid_ban_months=12,
                               market_ban_years=3)
    assert term.measures == ("bid_ban", "downgrade")
    assert (term.starts_on, term.ends_on) == (date(2026, 3, 2), date(2027, 3, 1))


def test_r_maj_3_team_leaders_banned_from_the_construction_market_for_three_years():
    term = major.sanction_term(PartyRole.FOREMAN, starts_on=date(2026, 3, 2), bid_ban_months=12,
                               market_ban_years=3)
    assert term.measures == ("construction_market_ban",)
    assert term.ends_on == date(2029, 3, 1)


def test_r_maj_3_terms_from_the_29th_of_february():
    assert major.add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert major.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


# R-CASE-9 -----------------------------------------------------------------------------------------

POPULATION = [f"case-{i:03d}" for i in range(57)]


def test_r_case_9_ten_percent_rounded_up():
    assert [oversight.sample_size(n, Decimal("0.10")) for n in (0, 1, 10, 11, 57, 100)] == [
        0, 1, 1, 2, 6, 10]


def test_r_case_9_the_same_seed_and_population_give_the_same_draw():
    first = oversight.draw("seed-2026-03", POPULATION, Decimal("0.10"))
    shuffled = random.Random(7).sample(POPULATION, len(POPULATION))
    assert oversight.draw("seed-2026-03", shuffled, Decimal("0.10")) == first
    assert len(first) == 6 and set(first) <= set(POPULATION)


def test_r_case_9_another_seed_gives_another_draw():
    assert (oversight.draw("seed-a", POPULATION, Decimal("0.10"))
            != oversight.draw("seed-b", POPULATION, Decimal("0.10")))


def test_r_case_9_anyone_can_redraw_with_sha256_alone():
    import hashlib

    ranked = sorted(POPULATION, key=lambda c: hashlib.sha256(f"pub:{c}".encode()).hexdigest())
    assert oversight.draw("pub", POPULATION, Decimal("0.10")) == ranked[:6]


def test_r_case_9_month_bounds_are_bureau_time():
    start, end = oversight.month_bounds("2026-12")
    assert start.isoformat() == "2026-12-01T00:00:00+08:00"
    assert end.isoformat() == "2027-01-01T00:00:00+08:00"
    with pytest.raises(ValueError):
        oversight.parse_month("2026-3")


# R-CASE-10 ----------------------------------------------------------------------------------------

START, END = T0, T0 + timedelta(days=30)


def test_r_case_10_on_time_closure_counts_due_and_closed_in_the_window():
    deadline = T0 + timedelta(days=10)
    outcome = oversight.on_time([
        (deadline, deadline),  # closed on the deadline: on time
        (deadline, deadline + timedelta(seconds=1)),  # a second late
        (deadline, None),  # due, passed, still open: late
        (END + timedelta(days=5), T0 + timedelta(days=3)),  # closed early in the window
        (END + timedelta(days=5), None),  # not due yet: not counted
    ], start=START, end=END, now=END)
    assert (outcome.on_time, outcome.due) == (2, 4)
    assert oversight.rate(outcome.on_time, outcome.due) == Decimal("0.5000")


def test_r_case_10_a_deadline_not_yet_passed_is_not_counted():
    deadline = T0 + timedelta(days=10)
    assert oversight.on_time([(deadline, None)], start=START, end=END,
                             now=deadline - timedelta(seconds=1)).due == 0


def test_r_case_10_rates_averages_and_year_on_year():
    assert oversight.rate(49, 50) == Decimal("0.9800")
    assert oversight.rate(0, 0) is None
    assert oversight.average_hours([timedelta(hours=10), timedelta(hours=20)]) == Decimal("15.00")
    assert oversight.average_hours([]) is None
    assert oversight.year_on_year(Decimal("120000"), Decimal("100000")) == Decimal("0.2000")
    assert oversight.year_on_year(Decimal("5"), Decimal("0")) is None


# Working-day calendar -------------------------------------------------------------------------------


def test_holiday_table_errors_name_what_is_wrong():
    assert workdays.table_errors(2026, [date(2026, 10, 1)], [date(2026, 9, 27)]) == []
    errors = workdays.table_errors(2026, [date(2025, 10, 1), date(2026, 10, 2), date(2026, 10, 2)],
                                   [date(2026, 10, 2), date(2026, 9, 28)])
    assert any("outside 2026" in e for e in errors)
    assert any("listed twice" in e for e in errors)
    assert any("both holiday" in e for e in errors)
    assert any("2026-09-28" in e and "weekdays" in e for e in errors)


def test_refilled_calendar_counts_working_days_over_holidays_and_make_up_days():
    calendar = Calendar()
    workdays.refill(calendar, [date(2026, 10, d) for d in range(1, 8)], [date(2026, 10, 10)])
    start = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Shanghai
    # Oct 1-7 off; Thu 8 and Fri 9 worked; Sat 10 worked (调休); Sun 11 off; Mon 12 worked.
    assert [calendar.add_days(start, n, working=True).date().day for n in (1, 2, 3, 4)] == [
        8, 9, 10, 12]
    assert calendar.add_days(start, 2) == start + timedelta(days=2)


def test_deadlines_are_calendar_days_unless_configured():
    assert not any(CasesSettings().counts_working_days(d) for d in DayDeadline)
    settings = CasesSettings(working_day_deadlines=["case_closure", "payment"])
    assert {d for d in DayDeadline if settings.counts_working_days(d)} == {
        DayDeadline.CASE_CLOSURE, DayDeadline.PAYMENT}
    with pytest.raises(ValidationError, match="working_day_deadlines"):
        CasesSettings(working_day_deadlines=["lunch"])


def test_every_day_deadline_follows_the_working_day_calendar_when_configured():
    """Each R-CASE deadline counted in days skips the National Day holiday when configured."""
    calendar = Calendar()
    workdays.refill(calendar, [date(2026, 10, d) for d in range(1, 8)], [date(2026, 10, 10)])
    start = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Shanghai
    # 3 working days from 30 Sep: Oct 8, 9, 10 (调休) -> 10 Oct; 3 calendar days -> 3 Oct.
    assert penalty.notice_period_end(start, days=3, calendar=calendar, working=True).day == 10
    assert penalty.notice_period_end(start, days=3, calendar=calendar, working=False).day == 3
    assert penalty.hearing_hold_by(start, days=3, calendar=calendar, working=True).day == 10
    assert penalty.payment_due_at(start, days=3, calendar=calendar, working=True).day == 10
    assert execution.reminder_by(start, days=3, calendar=calendar, working=True).day == 10
    assert execution.court_enforcement_by(start, days=3, calendar=calendar, working=True).day == 10
    assert penalty.publish_by(start, days=3, calendar=calendar, working=True) == date(2026, 10, 10)
