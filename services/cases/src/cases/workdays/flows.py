"""Loading a year's holiday table and feeding `runtime.calendar` from it (at start-up, on change,
and every few minutes for the other replicas)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import sqlalchemy as sa
from labor_runtime import audit
from labor_runtime.problems import Problem
from labor_runtime.security import Principal
from labor_runtime.workers import Periodic

from cases.settings import CasesRuntime
from cases.workdays import rules
from cases.workdays.models import calendar_days
from cases.workdays.schemas import CalendarDayView, YearTable, YearView

log = logging.getLogger(__name__)

HOLIDAY = "holiday"
WORKDAY = "workday"


async def reload(runtime: CasesRuntime) -> int:
    """Read the whole table into the service's calendar; returns the number of listed days."""
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(calendar_days.c.day, calendar_days.c.kind))).all()
    rules.refill(runtime.calendar, (r.day for r in rows if r.kind == HOLIDAY),
                 (r.day for r in rows if r.kind == WORKDAY))
    return len(rows)


async def load_year(runtime: CasesRuntime, who: Principal, year: int, body: YearTable) -> YearView:
    """Replace a year's table (city-wide: the route admits city-level staff only) and apply it."""
    holidays = [d.day for d in body.holidays]
    workdays = [d.day for d in body.workdays]
    errors = rules.table_errors(year, holidays, workdays)
    if errors:
        raise Problem(422, "bad-calendar", "The year's table is inconsistent", "; ".join(errors),
                      errors=errors)
    role = "ops" if "ops" in who.roles else "detachment_chief"
    async with runtime.uow() as uow:
        now = uow.clock.now()
        await uow.session.execute(calendar_days.delete().where(calendar_days.c.year == year))
        rows = [{"day": d.day, "year": year, "kind": kind, "name": d.name, "loaded_by": who.subject,
                 "loaded_at": now}
                for kind, entries in ((HOLIDAY, body.holidays), (WORKDAY, body.workdays))
                for d in entries]
        if rows:
            await uow.session.execute(calendar_days.insert(), rows)
        await audit.record(uow.session, audit.AuditEntry(
            at=now, actor=who.subject, role=role, action="calendar.load", subject=f"calendar:{year}",
            reason=f"{len(holidays)} holidays, {len(workdays)} make-up working days"))
        await uow.commit()
    await reload(runtime)
    return await year_view(runtime, year)


async def year_view(runtime: CasesRuntime, year: int) -> YearView:
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(calendar_days).where(calendar_days.c.year == year)
                                   .order_by(calendar_days.c.day))).all()
    day, last, working = date(year, 1, 1), date(year, 12, 31), 0
    while day <= last:
        working += runtime.calendar.is_working_day(day)
        day += timedelta(days=1)
    return YearView(year=year, days=[CalendarDayView(day=r.day, kind=r.kind, name=r.name,
                                                     loaded_by=r.loaded_by, loaded_at=r.loaded_at)
                                     for r in rows],
                    working_days=working,
                    working_day_deadlines=runtime.settings.working_day_deadlines)


class CalendarLoader(Periodic):
    """Worker: loads the table when the service starts, then re-reads it periodically so every
    replica follows a change made through another one (the loading flow reloads its own)."""

    def __init__(self, runtime: CasesRuntime) -> None:
        super().__init__(interval=runtime.settings.calendar_refresh_seconds)
        self.runtime = runtime

    async def refresh(self) -> None:
        await reload(self.runtime)
