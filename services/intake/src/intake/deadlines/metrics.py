"""Prometheus metrics of handling deadlines on the service's /metrics (R-INT-3, R-INT-4)."""

from __future__ import annotations

import logging
from datetime import timedelta
from weakref import WeakKeyDictionary

from labor_runtime.runtime import Runtime
from labor_runtime.workers import Periodic
from prometheus_client import Counter, Gauge

log = logging.getLogger(__name__)

ON_TIME_WINDOW = timedelta(days=30)


class DeadlineMetrics:
    def __init__(self, runtime: Runtime) -> None:
        registry = runtime.metrics.registry
        self.met = Counter("intake_deadlines_met", "deadlines whose action was recorded, by timeliness",
                           ["kind", "timeliness"], registry=registry)
        self.on_time_ratio = Gauge(
            "intake_deadline_on_time_ratio",
            "share of the last 30 days' decided deadlines met on time (on time / on time + late + "
            "overdue), by kind", ["kind"], registry=registry)


_metrics: WeakKeyDictionary[Runtime, DeadlineMetrics] = WeakKeyDictionary()


def of(runtime: Runtime) -> DeadlineMetrics:
    if runtime not in _metrics:
        _metrics[runtime] = DeadlineMetrics(runtime)
    return _metrics[runtime]


def completed(runtime: Runtime, kind: str, on_time: bool | None) -> None:
    """Count a deadline met (after its commit); None: there was no open deadline to meet."""
    if on_time is not None:
        of(runtime).met.labels(kind=kind, timeliness="on_time" if on_time else "late").inc()


async def refresh_on_time(runtime: Runtime) -> None:
    """Recompute the on-time gauge city-wide (the runtime reads only its own gauges on scrape)."""
    from intake.deadlines.flows import outcomes
    from intake.deadlines.rules import on_time_rate

    now = runtime.clock.now()
    async with runtime.engine.connect() as conn:
        by_kind = await outcomes(conn, since=now - ON_TIME_WINDOW, now=now, staff=None)
    gauge = of(runtime).on_time_ratio
    for kind, counts in by_kind.items():
        rate = on_time_rate(counts.elements())
        gauge.labels(kind=kind).set(rate if rate is not None else float("nan"))


class OnTimeGaugeWorker(Periodic):
    """Keeps `intake_deadline_on_time_ratio` fresh: recomputed every interval (a deadline met or
    missed moves a 30-day rate little; recomputing it after every commit cost a query a second
    under load)."""

    def __init__(self, runtime: Runtime, interval: float) -> None:
        super().__init__(interval=interval)
        self.runtime = runtime
        of(runtime)

    async def refresh(self) -> None:
        await refresh_on_time(self.runtime)
