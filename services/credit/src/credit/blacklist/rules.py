"""Blacklist rules (失信联合惩戒对象名单, R-CRD-4): pure, no I/O.

An entry lives from the C post's proposal to its removal:
proposed → (B rejects) rejected | (B approves, the written notice is served) notified;
notified → (the employer states a defence) defence_stated | (the deadline passes) listed;
defence_stated → (B upholds the listing) listed | (B accepts the defence) dropped;
listed → (the term ends, or credit is repaired) removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from credit.transitions import IllegalTransition as IllegalTransition
from credit.transitions import Transitions

LEGAL_BASIS = ("《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》（人力资源社会保障部令第45号）"
               "第五条、第十二条")


class State(StrEnum):
    PROPOSED = "proposed"
    REJECTED = "rejected"
    NOTIFIED = "notified"  # the written notice served, the defence period running
    DEFENCE_STATED = "defence_stated"  # 陈述申辩: the clock stops for B
    DROPPED = "dropped"  # the defence was accepted
    LISTED = "listed"
    REMOVED = "removed"


LIVE = frozenset({State.PROPOSED, State.NOTIFIED, State.DEFENCE_STATED, State.LISTED})


class Command(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    STATE_DEFENCE = "state_defence"
    UPHOLD = "uphold"  # the defence does not change the listing
    ACCEPT_DEFENCE = "accept_defence"
    DEADLINE_PASSED = "deadline_passed"
    END_TERM = "end_term"
    REPAIR = "repair"


_TABLE: dict[tuple[State, Command], State] = {
    (State.PROPOSED, Command.APPROVE): State.NOTIFIED,
    (State.PROPOSED, Command.REJECT): State.REJECTED,
    (State.NOTIFIED, Command.STATE_DEFENCE): State.DEFENCE_STATED,
    (State.NOTIFIED, Command.DEADLINE_PASSED): State.LISTED,
    (State.DEFENCE_STATED, Command.UPHOLD): State.LISTED,
    (State.DEFENCE_STATED, Command.ACCEPT_DEFENCE): State.DROPPED,
    (State.LISTED, Command.END_TERM): State.REMOVED,
    (State.LISTED, Command.REPAIR): State.REMOVED,
}
next_state: Transitions[State, Command] = Transitions("an entry", _TABLE)


class Ground(StrEnum):
    """The four entry grounds of R-CRD-4."""

    ARREARS_UNCORRECTED = "arrears_uncorrected"  # 拖欠工资数额较大且逾期未改正
    VIOLENT_RESISTANCE = "violent_resistance"  # 暴力抗拒执法
    FALSE_RECTIFICATION = "false_rectification"  # 虚假整改
    PENALTY_REFUSED = "penalty_refused"  # 拒不履行行政处罚决定


@dataclass(frozen=True)
class Conduct:
    """What the blacklist needs of a conduct record (`credit.conduct`)."""

    id: str
    kind: str
    amount: Decimal | None


def ground_of(record: Conduct, *, arrears_threshold: Decimal) -> Ground | str:
    """The ground a conduct record proves, or why it proves none."""
    if record.kind == "rectification_lapsed":
        if record.amount is not None and record.amount >= arrears_threshold:
            return Ground.ARREARS_UNCORRECTED
        return (f"record {record.id}: arrears of {record.amount or 0} yuan left uncorrected are "
                f"below {arrears_threshold} yuan")
    direct = {"violent_resistance": Ground.VIOLENT_RESISTANCE,
              "false_rectification": Ground.FALSE_RECTIFICATION,
              "court_enforcement": Ground.PENALTY_REFUSED}
    if record.kind in direct:
        return direct[record.kind]
    return f"record {record.id} ({record.kind}) is not a ground of R-CRD-4"


GROUND_KINDS = ("rectification_lapsed", "violent_resistance", "false_rectification",
                "court_enforcement")


class Measure(StrEnum):
    """The joint punishments (联合惩戒措施) and the agencies that enforce each."""

    NO_GOVERNMENT_FUNDING = "no_government_funding"
    NO_BIDDING = "no_bidding"
    NO_NEW_LOANS = "no_new_loans"
    HIGH_CONSUMPTION_RESTRICTED = "high_consumption_restricted"


AGENCIES: dict[Measure, tuple[str, ...]] = {
    Measure.NO_GOVERNMENT_FUNDING: ("finance", "other"),
    Measure.NO_BIDDING: ("bidding", "housing_construction"),
    Measure.NO_NEW_LOANS: ("finance",),
    Measure.HIGH_CONSUMPTION_RESTRICTED: ("other",),
}


@dataclass(frozen=True)
class Punishment:
    measure: Measure
    agencies: tuple[str, ...]
    starts_on: date
    ends_on: date


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def term_ends_on(listed_on: date, years: int) -> date:
    """Last day of the publicity term: listed on 5 March 2026 for 3 years ends 4 March 2029."""
    return add_years(listed_on, years) - timedelta(days=1)


def punishments(listed_on: date, ends_on: date) -> list[Punishment]:
    """Every measure, in force for the whole term (R-CRD-4)."""
    return [Punishment(measure, AGENCIES[measure], listed_on, ends_on) for measure in Measure]


def notice_text(*, employer: str, credit_code: str, grounds: list[str], facts: str,
                authority: str, defence_until: date, punishments_: list[Punishment],
                term_years: int, verify_url: str) -> str:
    """The written notice before listing (失信联合惩戒告知书), plain text, rendered once."""
    measures = "\n".join(f"  - {p.measure.value} ({', '.join(p.agencies)})" for p in punishments_)
    return (
        "失信联合惩戒告知书 (notice before listing on the wage-arrears blacklist)\n\n"
        f"To: {employer} (unified social credit code {credit_code})\n\n"
        f"Grounds: {', '.join(grounds)}\n"
        f"Facts: {facts}\n"
        f"Legal basis: {LEGAL_BASIS}\n\n"
        f"We intend to list you for {term_years} years with these joint punishments:\n"
        f"{measures}\n\n"
        f"You may state a defence (陈述申辩) until {defence_until.isoformat()}; "
        "without one, you will be listed after that day.\n\n"
        f"{authority}\n"
        f"Verify this document: {verify_url}\n")

