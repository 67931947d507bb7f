"""Credit repair rules (信用修复, R-CRD-5, R-PUB-5): pure, no I/O.

applied → (brigade first review) first_reviewed → (detachment review) in_notice;
in_notice → (an objection) stopped | (the notice ends) repaired;
stopped → (the objection dismissed, none other open) in_notice again, for the full period |
(an objection upheld) refused. Either review may refuse; an open repair is withdrawn when its
entry's term ends first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from credit.blacklist.rules import add_years
from credit.transitions import IllegalTransition as IllegalTransition
from credit.transitions import Transitions


class State(StrEnum):
    APPLIED = "applied"
    FIRST_REVIEWED = "first_reviewed"  # 大队初审
    IN_NOTICE = "in_notice"  # 公示
    STOPPED = "stopped"  # an objection is open (异议)
    REFUSED = "refused"
    REPAIRED = "repaired"
    WITHDRAWN = "withdrawn"  # the entry left the blacklist another way


OPEN = frozenset({State.APPLIED, State.FIRST_REVIEWED, State.IN_NOTICE, State.STOPPED})


class Command(StrEnum):
    FIRST_APPROVE = "first_approve"
    SECOND_APPROVE = "second_approve"
    REFUSE_FIRST = "refuse_first"
    REFUSE_SECOND = "refuse_second"
    OBJECT = "object"
    DISMISS_LAST_OBJECTION = "dismiss_last_objection"
    UPHOLD_OBJECTION = "uphold_objection"
    END_NOTICE = "end_notice"
    WITHDRAW = "withdraw"


_TABLE: dict[tuple[State, Command], State] = {
    (State.APPLIED, Command.FIRST_APPROVE): State.FIRST_REVIEWED,
    (State.APPLIED, Command.REFUSE_FIRST): State.REFUSED,
    (State.FIRST_REVIEWED, Command.SECOND_APPROVE): State.IN_NOTICE,
    (State.FIRST_REVIEWED, Command.REFUSE_SECOND): State.REFUSED,
    (State.IN_NOTICE, Command.OBJECT): State.STOPPED,
    (State.STOPPED, Command.OBJECT): State.STOPPED,
    (State.STOPPED, Command.DISMISS_LAST_OBJECTION): State.IN_NOTICE,
    (State.STOPPED, Command.UPHOLD_OBJECTION): State.REFUSED,
    (State.IN_NOTICE, Command.END_NOTICE): State.REPAIRED,
}
# The entry left the blacklist another way (its term ended) while the repair was open.
_TABLE |= {(state, Command.WITHDRAW): State.WITHDRAWN for state in OPEN}
next_state: Transitions[State, Command] = Transitions("a repair", _TABLE)


@dataclass(frozen=True)
class CaseEvent:
    """A conduct record of one of the entry's cases, as the conditions read it."""

    case_id: str
    kind: str  # fine_overdue, court_enforcement, rectification_lapsed, case_closed
    occurred_at: datetime


@dataclass(frozen=True)
class Unmet:
    condition: str  # fine_paid, rectified, commitment, listed_long_enough
    detail: str


def unmet_conditions(*, events: Iterable[CaseEvent], commitment_sha256: str | None,
                     commitment_date: date | None, listed_on: date, today: date,
                     min_listed_years: int) -> list[Unmet]:
    """Every condition of R-CRD-5 the record does not meet, all at once.

    Fine paid: no overdue fine or court enforcement of a case after that case's last closing.
    Rectified: every case whose rectification lapsed was closed after the lapse."""
    closed: dict[str, datetime] = {}
    events = list(events)
    for e in events:
        if e.kind == "case_closed":
            closed[e.case_id] = max(e.occurred_at, closed.get(e.case_id, e.occurred_at))
    unpaid = sorted({e.case_id for e in events if e.kind in ("fine_overdue", "court_enforcement")
                     and (e.case_id not in closed or e.occurred_at > closed[e.case_id])})
    unrectified = sorted({e.case_id for e in events if e.kind == "rectification_lapsed"
                          and (e.case_id not in closed or e.occurred_at > closed[e.case_id])})
    unmet: list[Unmet] = []
    if unpaid:
        unmet.append(Unmet("fine_paid", f"fine not paid in case {', '.join(unpaid)}: overdue or "
                           "under court enforcement and not closed since"))
    if unrectified:
        unmet.append(Unmet("rectified", f"rectification lapsed in case {', '.join(unrectified)} "
                           "and the case was not closed since"))
    if not commitment_sha256 or commitment_date is None:
        unmet.append(Unmet("commitment", "no written credit commitment (信用承诺书): give its file "
                           "hash and date"))
    eligible_on = add_years(listed_on, min_listed_years)
    if today < eligible_on:
        unmet.append(Unmet("listed_long_enough",
                           f"listed on {listed_on.isoformat()}: repair possible from "
                           f"{eligible_on.isoformat()} ({min_listed_years} year(s) published)"))
    return unmet


def notice_summary(employer: str, grounds: list[str], listed_on: date) -> str:
    """What the public notice says (R-PUB-5)."""
    return (f"{employer}, listed on the wage-arrears blacklist on {listed_on.isoformat()} "
            f"({', '.join(grounds)}), has paid, rectified and made a written credit commitment; "
            "it applies for credit repair. Anyone may object during this notice.")


def repair_notice_text(*, employer: str, credit_code: str, decision_number: str,
                       repaired_on: date, authority: str, verify_url: str) -> str:
    """The credit-repair notice (信用修复告知书), plain text, rendered once."""
    return (
        "信用修复告知书 (credit-repair notice)\n\n"
        f"To: {employer} (unified social credit code {credit_code})\n\n"
        f"Your credit is repaired on {repaired_on.isoformat()}: you are removed from the "
        f"wage-arrears blacklist (decision {decision_number}); the joint punishments end and "
        "every partner agency is told; the disclosure is withdrawn.\n\n"
        f"{authority}\n"
        f"Verify this document: {verify_url}\n")
