"""Pure execution rules: what is owed and whether it is paid (R-CASE-6), reminder and
court-enforcement deadlines (R-CASE-7), when a case may close. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from labor_runtime.clock import Calendar

from cases.lifecycle.rules import CaseState
from cases.penalty.rules import CENT, late_surcharge


@dataclass(frozen=True)
class Balance:
    """What the party owes on `on` (R-CASE-6): the fine, the surcharge (3%/day of the fine after
    the due date, capped at the fine), what was paid, and what is still due."""

    fine: Decimal
    surcharge: Decimal
    paid: Decimal
    on: date

    @property
    def total(self) -> Decimal:
        return self.fine + self.surcharge

    @property
    def outstanding(self) -> Decimal:
        return max(Decimal(0), self.total - self.paid).quantize(CENT)

    @property
    def paid_in_full(self) -> bool:
        return self.paid >= self.total


def balance(*, fine: Decimal, due_on: date | None, payments: list[tuple[date, Decimal]],
            on: date, daily_rate: Decimal) -> Balance:
    """The balance on `on`. The surcharge runs until the fine is paid: it is counted up to the
    day the payments first covered fine and surcharge, or up to `on` while they have not."""
    paid = Decimal(0)
    settled_on: date | None = None
    for paid_on, amount in sorted(payments):
        paid += amount
        surcharge = (late_surcharge(fine, due_on=due_on, paid_on=paid_on, daily_rate=daily_rate)
                     if due_on else Decimal(0))
        if settled_on is None and paid >= fine + surcharge:
            settled_on = paid_on
    until = settled_on or on
    surcharge = (late_surcharge(fine, due_on=due_on, paid_on=until, daily_rate=daily_rate)
                 if due_on else Decimal(0))
    return Balance(fine=fine, surcharge=surcharge, paid=paid, on=until)


def reminder_by(payment_due_at: datetime, *, days: int, calendar: Calendar,
                working: bool) -> datetime:
    """R-CASE-7: the reminder (催告书) is issued within `days` days of the due date."""
    return calendar.add_days(payment_due_at, days, working=working)


def court_enforcement_by(payment_due_at: datetime, *, days: int, calendar: Calendar,
                         working: bool) -> datetime:
    """R-CASE-7: still unpaid, the application for court enforcement is made within `days`
    days (counted from the due date)."""
    return calendar.add_days(payment_due_at, days, working=working)


def close_refusal(*, fine: Decimal | None, paid_in_full: bool, published: bool = True) -> str | None:
    """A decided case closes once its result is public (R-CASE-8) and the fine (and any surcharge)
    is paid in full; None when it may close. `fine` None: no penalty decision (rectified, not
    registered)."""
    if fine is not None and not published:
        return "the result is not published yet (R-CASE-8); the case closes after publication"
    if fine is not None and fine > 0 and not paid_in_full:
        return ("the fine is not paid in full; execution continues (R-CASE-7: reminder, then "
                "court enforcement) until it is")
    return None


def closing_outcome(state: CaseState) -> str:
    """How a case closing from `state` ended, as the worker is told (R-INT-8)."""
    if state == CaseState.NOT_REGISTERED:
        return "not_registered"
    if state == CaseState.RECTIFIED:
        return "rectified"
    return "penalty"
