"""Pure working-day calendar rules: what a year's holiday table may contain. No I/O."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from labor_runtime.clock import Calendar


def table_errors(year: int, holidays: Iterable[date], workdays: Iterable[date]) -> list[str]:
    """Why a year's table is wrong; empty when it can be loaded.

    Holidays are days off in the year; make-up working days (调休) are weekend days worked.
    """
    errors = []
    holidays, workdays = list(holidays), list(workdays)
    for kind, days in (("holiday", holidays), ("workday", workdays)):
        outside = sorted(d for d in days if d.year != year)
        if outside:
            errors.append(f"{kind}s outside {year}: {', '.join(map(str, outside))}")
        repeated = sorted({d for d in days if days.count(d) > 1})
        if repeated:
            errors.append(f"{kind}s listed twice: {', '.join(map(str, repeated))}")
    both = sorted(set(holidays) & set(workdays))
    if both:
        errors.append(f"days both holiday and make-up working day: {', '.join(map(str, both))}")
    weekdays = sorted(d for d in workdays if d.weekday() < 5)
    if weekdays:
        errors.append("make-up working days (调休) fall on a weekend; these are weekdays already: "
                      + ", ".join(map(str, weekdays)))
    return errors


def refill(calendar: Calendar, holidays: Iterable[date], workdays: Iterable[date]) -> None:
    """Give the service's one calendar the table's days, in place: every holder of it sees them."""
    calendar.holidays = frozenset(holidays)
    calendar.workdays = frozenset(workdays)
