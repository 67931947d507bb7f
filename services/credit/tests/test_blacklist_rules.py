"""The blacklist's and repair's pure rules (R-CRD-4, R-CRD-5, R-PUB-5), in milliseconds."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from credit.blacklist import rules as entry
from credit.repair import rules as repair

THRESHOLD = Decimal(50_000)


def conduct(kind: str, amount: str | None = None) -> entry.Conduct:
    return entry.Conduct("r1", kind, Decimal(amount) if amount else None)


@pytest.mark.parametrize(("kind", "amount", "ground"), [
    ("rectification_lapsed", "50000", entry.Ground.ARREARS_UNCORRECTED),
    ("violent_resistance", None, entry.Ground.VIOLENT_RESISTANCE),
    ("false_rectification", None, entry.Ground.FALSE_RECTIFICATION),
    ("court_enforcement", None, entry.Ground.PENALTY_REFUSED),
])
def test_r_crd_4_each_of_the_four_grounds(kind, amount, ground):
    assert entry.ground_of(conduct(kind, amount), arrears_threshold=THRESHOLD) is ground


@pytest.mark.parametrize(("kind", "amount", "says"), [
    ("rectification_lapsed", "49999.99", "below 50000 yuan"),
    ("fine_overdue", "1000", "not a ground of R-CRD-4"),
    ("complaint", None, "not a ground of R-CRD-4"),
])
def test_r_crd_4_not_a_ground_says_why(kind, amount, says):
    reason = entry.ground_of(conduct(kind, amount), arrears_threshold=THRESHOLD)
    assert isinstance(reason, str) and not isinstance(reason, entry.Ground) and says in reason


def test_r_crd_4_entry_life_from_proposal_to_removal():
    state = entry.State.PROPOSED
    for command in (entry.Command.APPROVE, entry.Command.STATE_DEFENCE, entry.Command.UPHOLD,
                    entry.Command.END_TERM):
        state = entry.next_state(state, command)
    assert state is entry.State.REMOVED
    assert entry.next_state(entry.State.NOTIFIED,
                            entry.Command.DEADLINE_PASSED) is entry.State.LISTED
    assert entry.next_state(entry.State.DEFENCE_STATED,
                            entry.Command.ACCEPT_DEFENCE) is entry.State.DROPPED
    with pytest.raises(entry.IllegalTransition, match="proposed cannot state defence"):
        entry.next_state(entry.State.PROPOSED, entry.Command.STATE_DEFENCE)
    with pytest.raises(entry.IllegalTransition):
        entry.next_state(entry.State.DEFENCE_STATED, entry.Command.DEADLINE_PASSED)


def test_r_crd_4_three_year_term_and_the_four_punishments():
    ends = entry.term_ends_on(date(2026, 3, 5), 3)
    assert ends == date(2029, 3, 4)
    assert entry.term_ends_on(date(2028, 2, 29), 3) == date(2031, 2, 27)
    punished = entry.punishments(date(2026, 3, 5), ends)
    assert {p.measure.value: p.agencies for p in punished} == {
        "no_government_funding": ("finance", "other"),
        "no_bidding": ("bidding", "housing_construction"),
        "no_new_loans": ("finance",),
        "high_consumption_restricted": ("other",)}
    assert {(p.starts_on, p.ends_on) for p in punished} == {(date(2026, 3, 5), ends)}


def at(day: int, month: int = 1, year: int = 2026) -> datetime:
    return datetime(year, month, day, 8, tzinfo=UTC)


def unmet(events, *, commitment: bool = True, listed_on=date(2025, 1, 1), today=date(2026, 1, 2)):
    return repair.unmet_conditions(
        events=events, commitment_sha256="ab" * 32 if commitment else None,
        commitment_date=date(2026, 1, 1) if commitment else None, listed_on=listed_on,
        today=today, min_listed_years=1)


def test_r_crd_5_conditions_met_when_every_case_closed_after_its_lapse_and_fine():
    events = [repair.CaseEvent("c1", "rectification_lapsed", at(1)),
              repair.CaseEvent("c1", "fine_overdue", at(2)),
              repair.CaseEvent("c1", "case_closed", at(3))]
    assert unmet(events) == []


def test_r_crd_5_every_unmet_condition_named_at_once():
    events = [repair.CaseEvent("c1", "case_closed", at(1)),
              repair.CaseEvent("c1", "court_enforcement", at(2)),  # after the closing
              repair.CaseEvent("c2", "rectification_lapsed", at(3))]
    found = unmet(events, commitment=False, listed_on=date(2025, 6, 1), today=date(2026, 1, 2))
    assert [u.condition for u in found] == ["fine_paid", "rectified", "commitment",
                                            "listed_long_enough"]
    assert "c1" in found[0].detail and "c2" in found[1].detail
    assert "2026-06-01" in found[3].detail


def test_r_crd_5_listed_exactly_one_year_is_long_enough():
    assert unmet([], listed_on=date(2025, 1, 2), today=date(2026, 1, 2)) == []
    assert [u.condition for u in unmet([], listed_on=date(2025, 1, 3),
                                       today=date(2026, 1, 2))] == ["listed_long_enough"]


def test_r_crd_5_r_pub_5_repair_flow_objection_stops_and_dismissal_restarts():
    state = repair.State.APPLIED
    for command in (repair.Command.FIRST_APPROVE, repair.Command.SECOND_APPROVE,
                    repair.Command.OBJECT, repair.Command.OBJECT,
                    repair.Command.DISMISS_LAST_OBJECTION, repair.Command.END_NOTICE):
        state = repair.next_state(state, command)
    assert state is repair.State.REPAIRED
    assert repair.next_state(repair.State.STOPPED,
                             repair.Command.UPHOLD_OBJECTION) is repair.State.REFUSED
    with pytest.raises(repair.IllegalTransition):
        repair.next_state(repair.State.STOPPED, repair.Command.END_NOTICE)
    with pytest.raises(repair.IllegalTransition):  # the detachment never reviews first
        repair.next_state(repair.State.APPLIED, repair.Command.SECOND_APPROVE)
