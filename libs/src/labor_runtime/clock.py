"""One injectable clock and the calendar that legal deadlines are counted on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

BUREAU_TZ = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time, UTC, optionally shifted (tests and demos drive legal periods this way)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        self.offset += delta
        return self.now()


class Calendar:
    """Calendar days by default; working days skip weekends and listed holidays (数据可配置).

    `holidays` are days off; `workdays` are make-up working days (调休) that fall on a weekend.
    """

    def __init__(self, holidays: Iterable[date] = (), workdays: Iterable[date] = ()) -> None:
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_days(self, start: datetime, days: int, *, working: bool = False) -> datetime:
        """`start` plus `days` days, counted in the bureau's time zone."""
        if not working:
            return start + timedelta(days=days)
        local = start.astimezone(BUREAU_TZ)
        remaining = days
        while remaining > 0:
            local += timedelta(days=1)
            if self.is_working_day(local.date()):
                remaining -= 1
        return local.astimezone(UTC)

    @staticmethod
    def local_date(moment: datetime) -> date:
        return moment.astimezone(BUREAU_TZ).date()
