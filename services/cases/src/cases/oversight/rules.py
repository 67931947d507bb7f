"""Pure oversight rules: the reproducible monthly review draw (R-CASE-9) and the case metrics
(R-CASE-10). No I/O."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from labor_runtime.clock import BUREAU_TZ

ALGORITHM = "sha256-rank-v1"
ALGORITHM_DESCRIPTION = (
    "sort the population's case ids; rank each by the hex SHA-256 of '<seed>:<case id>' (UTF-8); "
    "take the ceil(share × population) lowest ranks, in rank order")


def sample_size(population: int, share: Decimal) -> int:
    """R-CASE-9: ceil(share × population), so a month with any case has at least one reviewed."""
    if population <= 0:
        return 0
    return min(population, math.ceil(Decimal(population) * share))


def draw_rank(seed: str, case_id: str) -> str:
    return hashlib.sha256(f"{seed}:{case_id}".encode()).hexdigest()


def draw(seed: str, population: Iterable[str], share: Decimal) -> list[str]:
    """R-CASE-9: the cases drawn for review; the same seed and population always give the same
    cases, and anyone can re-draw with SHA-256 alone (ALGORITHM_DESCRIPTION)."""
    members = sorted(set(population))
    ranked = sorted(members, key=lambda case_id: (draw_rank(seed, case_id), case_id))
    return ranked[:sample_size(len(members), share)]


def parse_month(month: str) -> date:
    """'2026-03' → 1 March 2026; ValueError otherwise."""
    year, _, number = month.partition("-")
    if len(year) != 4 or len(number) != 2 or not (year + number).isdigit():
        raise ValueError("a month is written YYYY-MM")
    return date(int(year), int(number), 1)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's first instant, bureau time."""
    first = parse_month(month)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (datetime.combine(first, time(0), tzinfo=BUREAU_TZ),
            datetime.combine(following, time(0), tzinfo=BUREAU_TZ))


# R-CASE-10 ----------------------------------------------------------------------------------------


def rate(part: int, whole: int) -> Decimal | None:
    """part / whole to four places; None when there is nothing to measure."""
    if whole <= 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class OnTime:
    on_time: int
    due: int


def on_time(deadlines: Sequence[tuple[datetime, datetime | None]], *, start: datetime,
            end: datetime, now: datetime) -> OnTime:
    """R-CASE-10 on-time share (closure, publication): among the things whose deadline fell in
    [start, end) and has passed, or which were done in [start, end), those done by the deadline.

    `deadlines` are (deadline, done at or None) per case.
    """
    met = due = 0
    for deadline, done_at in deadlines:
        done_in_window = done_at is not None and start <= done_at < end
        deadline_in_window = start <= deadline < end and deadline <= now
        if not (done_in_window or deadline_in_window):
            continue
        due += 1
        if done_at is not None and done_at <= deadline:
            met += 1
    return OnTime(met, due)


def average_hours(durations: Sequence[timedelta]) -> Decimal | None:
    return average_hours_of(sum(durations, timedelta(0)), len(durations))


def average_hours_of(total: timedelta, count: int) -> Decimal | None:
    """The mean of `count` durations summing to `total`, in hours to the hundredth."""
    if not count:
        return None
    hours = total.total_seconds() / 3600 / count
    return Decimal(str(hours)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def year_on_year(current: Decimal, previous: Decimal) -> Decimal | None:
    """(current − previous) / previous; None when last year had no fines."""
    if previous <= 0:
        return None
    return ((current - previous) / previous).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def same_window_last_year(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    def back(moment: datetime) -> datetime:
        try:
            return moment.replace(year=moment.year - 1)
        except ValueError:  # 29 February
            return moment.replace(year=moment.year - 1, day=28)

    return back(start), back(end)
