"""Pure penalty rules: notice before penalty (R-CASE-5), payment and late surcharge (R-CASE-6),
publication deadline (R-CASE-8), the hearing (R-CASE-5), separation of duties (R-ORG-2). No
I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from labor_runtime.clock import BUREAU_TZ, Calendar

CENT = Decimal("0.01")


class ProposalStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"


def needs_notice(*, fine_amount: Decimal, stop_production: bool, threshold: Decimal) -> bool:
    """R-CASE-5: a fine of `threshold` yuan or more, or an order to stop production or business
    (责令停产停业), must be preceded by the penalty notice (行政处罚告知书)."""
    return stop_production or fine_amount >= threshold


def notice_period_end(served_at: datetime, *, days: int, calendar: Calendar,
                      working: bool) -> datetime:
    """R-CASE-5: the earliest moment of the decision, counted from the notice's proven service."""
    return calendar.add_days(served_at, days, working=working)


def hearing_hold_by(requested_at: datetime, *, days: int, calendar: Calendar,
                    working: bool) -> datetime:
    """R-CASE-5: a requested hearing is held within `days` days of the request."""
    return calendar.add_days(requested_at, days, working=working)


def hearing_request_refusal(*, notice_period_ends_at: datetime | None,
                            now: datetime) -> str | None:
    """The party asks for a hearing within the notice period; None when the request is in time."""
    if notice_period_ends_at is None:
        return "the penalty notice has not been served: there is nothing to ask a hearing on yet"
    if now >= notice_period_ends_at:
        return (f"the notice period ended at {notice_period_ends_at.isoformat()}; a hearing is "
                "asked for within it (逾期未提出的，视为放弃)")
    return None


@dataclass(frozen=True)
class DecisionRefusal:
    """Why the decision cannot be signed yet (R-CASE-5)."""

    code: str
    detail: str
    allowed_from: datetime | None = None


def decision_refusal(
    *, notice_required: bool, notice_served_at: datetime | None, now: datetime, period_days: int,
    calendar: Calendar, working: bool,
) -> DecisionRefusal | None:
    """R-CASE-5: None when the decision may be signed now; otherwise what still blocks it."""
    if not notice_required:
        return None
    if notice_served_at is None:
        return DecisionRefusal(
            "notice-not-served",
            "the penalty notice (行政处罚告知书) has not been served yet; the decision may follow "
            f"{period_days} days after its proven service")
    ends = notice_period_end(notice_served_at, days=period_days, calendar=calendar, working=working)
    if now < ends:
        return DecisionRefusal(
            "notice-period-running",
            f"the notice was served at {notice_served_at.isoformat()}; the party has {period_days} "
            f"days to state its case or ask for a hearing, so the decision may be signed from "
            f"{ends.isoformat()}", ends)
    return None


def payment_due_at(served_at: datetime, *, days: int, calendar: Calendar,
                   working: bool) -> datetime:
    """R-CASE-6 with R-DLV-3: the fine is due `days` days after the decision's proven service
    (not after its signature)."""
    return calendar.add_days(served_at, days, working=working)


def late_surcharge(
    fine_amount: Decimal, *, due_on: date, paid_on: date, daily_rate: Decimal
) -> Decimal:
    """R-CASE-6 late-payment surcharge (加处罚款): `daily_rate` (3%) of the fine for every day
    after `due_on`, **capped at the fine amount**: the Administrative Penalty Law
    (《中华人民共和国行政处罚法》第七十二条) forbids a surcharge above the fine itself. Yuan,
    rounded half-up to the fen."""
    days_late = max(0, (paid_on - due_on).days)
    surcharge = fine_amount * daily_rate * days_late
    return min(surcharge, fine_amount).quantize(CENT, rounding=ROUND_HALF_UP)


def publish_by(decided_at: datetime, *, days: int, calendar: Calendar, working: bool) -> date:
    """R-CASE-8: the result must be public within `days` days of the decision's local date."""
    return calendar.local_date(calendar.add_days(decided_at, days, working=working))


def end_of_local_day(day: date) -> datetime:
    """The instant a deadline that ends on `day` (bureau time) has passed: the next midnight."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=BUREAU_TZ)


class SeparationOfDuties(Exception):
    """R-ORG-2: the same person may not both submit and approve."""


def check_separation(*, submitted_by: str, approver: str, what: str) -> None:
    """R-ORG-2: the B reviewer of a case is never its A handler; nobody approves their own
    submission."""
    if submitted_by == approver:
        raise SeparationOfDuties(
            f"{approver} submitted this penalty proposal and may not {what} it (R-ORG-2: "
            "separation of duties); another staff member must do it")
