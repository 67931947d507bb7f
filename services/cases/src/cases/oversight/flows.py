"""Oversight use cases: the monthly review draw (R-CASE-9), case metrics (R-CASE-10) and their
Prometheus gauges. Every draw is audited (R-OVS-2)."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from labor_runtime import audit
from labor_runtime.clock import BUREAU_TZ, Calendar
from labor_runtime.problems import Problem
from labor_runtime.security import Principal
from labor_runtime.workers import Periodic
from prometheus_client import Gauge
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from cases.casefile import queries
from cases.oversight import rules
from cases.oversight.models import review_draws
from cases.oversight.schemas import (
    CaseMetrics,
    DrawnCase,
    DrawRequest,
    FinesMetric,
    LossMetric,
    PublicDrawView,
    RateMetric,
    ReviewDrawView,
)
from cases.penalty.rules import end_of_local_day
from cases.settings import CasesRuntime, CasesSettings, DayDeadline

log = logging.getLogger(__name__)



# R-CASE-9 -----------------------------------------------------------------------------------------


async def run_draw(runtime: CasesRuntime, who: Principal, body: DrawRequest) -> ReviewDrawView:
    """Draw the month's cases for quality review, once; the seed and population are recorded."""
    settings = runtime.settings
    start, end = rules.month_bounds(body.month)
    seed = body.seed or secrets.token_hex(16)
    async with runtime.uow() as uow:
        now = uow.clock.now()
        if now < end:
            raise Problem(409, "month-not-over", "The month is not over",
                          f"the draw of {body.month} can be run from {end.isoformat()}")
        population = await queries.registered_between(await uow.session.connection(), start, end)
        selected = rules.draw(seed, population, settings.review_share)
        inserted = await uow.session.execute(insert(review_draws).values(
            month=body.month, seed=seed, algorithm=rules.ALGORITHM, share=settings.review_share,
            population=population, selected=selected, drawn_by=who.subject, drawn_at=now)
            .on_conflict_do_nothing().returning(review_draws.c.month))
        if inserted.first() is None:
            raise Problem(409, "already-drawn", "The month was already drawn",
                          f"the draw of {body.month} is recorded; read it, it cannot be redone")
        await audit.record(uow.session, audit.AuditEntry(
            at=now, actor=who.subject, role="detachment_chief", action="review.draw",
            subject=f"review_draw:{body.month}",
            reason=f"R-CASE-9 seed {seed}: {len(selected)} of {len(population)} cases "
                   f"({rules.ALGORITHM})"))
        await uow.commit()
    return await draw_view(runtime, who, body.month)


async def _draw_row(runtime: CasesRuntime, month: str) -> sa.Row[Any]:
    try:
        rules.parse_month(month)
    except ValueError as exc:
        raise Problem(400, "bad-month", "Not a month", str(exc)) from exc
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(sa.select(review_draws).where(review_draws.c.month == month))).first()
    if row is None:
        raise Problem(404, "not-drawn", "No draw for this month", f"{month} has not been drawn")
    return row


async def draw_view(runtime: CasesRuntime, who: Principal, month: str) -> ReviewDrawView:
    row = await _draw_row(runtime, month)
    async with runtime.engine.connect() as conn:
        found = await queries.case_summaries(conn, row.selected, who.district)
    return ReviewDrawView(
        month=row.month, seed=row.seed, algorithm=row.algorithm,
        algorithm_description=rules.ALGORITHM_DESCRIPTION, share=row.share,
        population=row.population, selected=row.selected,
        reproduced=rules.draw(row.seed, row.population, row.share) == row.selected,
        cases=[DrawnCase(case_id=r.id, case_number=r.case_number, district=r.district,
                         state=r.state) for i in row.selected if (r := found.get(i)) is not None],
        drawn_by=row.drawn_by, drawn_at=row.drawn_at)


async def public_draw(runtime: CasesRuntime, month: str) -> PublicDrawView:
    row = await _draw_row(runtime, month)
    return PublicDrawView(
        month=row.month, seed=row.seed, algorithm=row.algorithm,
        algorithm_description=rules.ALGORITHM_DESCRIPTION, share=row.share,
        population_size=len(row.population),
        population_sha256=hashlib.sha256("\n".join(row.population).encode()).hexdigest(),
        selected_count=len(row.selected), drawn_at=row.drawn_at)


# R-CASE-10 ----------------------------------------------------------------------------------------


def local_window(first: date, last: date) -> tuple[datetime, datetime]:
    """[first day 00:00, the day after the last 00:00), bureau time."""
    return (datetime.combine(first, time(0), tzinfo=BUREAU_TZ),
            datetime.combine(last + timedelta(days=1), time(0), tzinfo=BUREAU_TZ))


def _rate_metric(outcome: rules.OnTime, target: Decimal) -> RateMetric:
    value = rules.rate(outcome.on_time, outcome.due)
    return RateMetric(rate=value, met=outcome.on_time, due=outcome.due, target=target,
                      meets_target=None if value is None else value >= target)


@dataclass(frozen=True)
class _Closure:
    on_time: rules.OnTime
    closed: int
    handling: timedelta  # receipt to closure, summed over the cases closed in the window




async def _closure(conn: AsyncConnection, settings: CasesSettings, calendar: Calendar, *,
                   start: datetime, end: datetime, now: datetime,
                   district: str | None) -> _Closure:
    """On-time closure and handling time of the cases that count in [start, end): closed in it,
    or whose closure deadline fell in it and has passed (`rules.on_time`)."""
    working = settings.counts_working_days(DayDeadline.CASE_CLOSURE)
    period = settings.closure_within_days
    # Cases begun earlier have their deadline before `start` for sure (weekends and holidays
    # never triple a period): they count only if closed in the window, and then late.
    first = (start - timedelta(days=3 * period + 60)).astimezone(BUREAU_TZ).date()
    days = [first + timedelta(days=n) for n in range((end.astimezone(BUREAU_TZ).date() - first).days + 1)]
    offsets = []
    for day in days:
        noon = datetime.combine(day, time(12), tzinfo=BUREAU_TZ)
        offsets.append((calendar.add_days(noon, period, working=working) - noon).days)
    row = await queries.closure_counts(conn, start=start, end=end, now=now, district=district,
                                       days=days, offsets=offsets, tz=BUREAU_TZ.key)
    return _Closure(rules.OnTime(int(row.met), int(row.due)), int(row.closed), row.handling)


async def compute_metrics(conn: AsyncConnection, settings: CasesSettings, calendar: Calendar, *,
                          first: date, last: date, now: datetime,
                          district: str | None) -> CaseMetrics:
    """R-CASE-10 for the local dates first..last (inclusive), for one district or the city."""
    start, end = local_window(first, last)
    closure = await _closure(conn, settings, calendar, start=start, end=end, now=now,
                             district=district)
    publications = [(end_of_local_day(publish_by), published_at) for publish_by, published_at
                    in await queries.publication_deadlines(conn, end, district)]
    current, decisions = await queries.fines(conn, start, end, district)
    previous, _ = await queries.fines(conn, *rules.same_window_last_year(start, end), district)
    return CaseMetrics(
        from_date=first, to_date=last, district=district,
        on_time_closure=_rate_metric(closure.on_time, settings.closure_target_rate),
        average_handling_hours=rules.average_hours_of(closure.handling, closure.closed),
        closed=closure.closed,
        publication=_rate_metric(rules.on_time(publications, start=start, end=end, now=now),
                                 settings.publication_target_rate),
        fines=FinesMetric(current_yuan=current, previous_yuan=previous,
                          year_on_year=rules.year_on_year(current, previous), decisions=decisions),
        review_litigation_loss=LossMetric(
            available=False, rate=None, target=settings.loss_target_rate,
            note="administrative review and litigation outcomes are not recorded in cases yet"))


async def metrics(runtime: CasesRuntime, who: Principal, *, first: date, last: date,
                  district: str | None) -> CaseMetrics:
    if last < first:
        raise Problem(400, "bad-window", "Empty window", "`to` is before `from`")
    if (last - first).days > 366 * 5:
        raise Problem(400, "bad-window", "Window too long", "ask for at most five years at a time")
    if not who.city_wide:
        if district not in (None, who.district):
            raise Problem(403, "forbidden", "Another district",
                          "staff below the city detachment see their own district's metrics only")
        district = who.district
    async with runtime.engine.connect() as conn:
        return await compute_metrics(conn, runtime.settings, runtime.calendar, first=first,
                                     last=last, now=runtime.clock.now(), district=district)


class MetricGauges(Periodic):
    """R-CASE-10 year to date as Prometheus gauges on /metrics, recomputed every few minutes."""

    def __init__(self, runtime: CasesRuntime) -> None:
        super().__init__(interval=runtime.settings.metrics_refresh_seconds)
        self.runtime = runtime
        registry = runtime.metrics.registry
        self.closure = Gauge("cases_on_time_closure_rate", "R-CASE-10 on-time closure, year to date",
                             registry=registry)
        self.handling = Gauge("cases_average_handling_hours",
                              "R-CASE-10 average receipt-to-closure time, year to date",
                              registry=registry)
        self.publication = Gauge("cases_publication_rate", "R-CASE-10 on-time publication, year to date",
                                 registry=registry)
        self.fines = Gauge("cases_fines_yuan", "R-CASE-10 fines decided, year to date and the same "
                           "window last year", ["period"], registry=registry)
        self.fines_yoy = Gauge("cases_fines_year_on_year", "R-CASE-10 fines change on last year",
                               registry=registry)

    async def refresh(self) -> CaseMetrics:
        now = self.runtime.clock.now()
        today = now.astimezone(BUREAU_TZ).date()
        async with self.runtime.engine.connect() as conn:
            result = await compute_metrics(conn, self.runtime.settings, self.runtime.calendar,
                                           first=date(today.year, 1, 1), last=today, now=now,
                                           district=None)
        nan = float("nan")
        self.closure.set(float(result.on_time_closure.rate) if result.on_time_closure.rate is not None
                         else nan)
        self.handling.set(float(result.average_handling_hours)
                          if result.average_handling_hours is not None else nan)
        self.publication.set(float(result.publication.rate) if result.publication.rate is not None
                             else nan)
        self.fines.labels(period="current").set(float(result.fines.current_yuan))
        self.fines.labels(period="previous_year").set(float(result.fines.previous_yuan))
        self.fines_yoy.set(float(result.fines.year_on_year)
                           if result.fines.year_on_year is not None else nan)
        return result
