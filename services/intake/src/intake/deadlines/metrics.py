"""Prometheus metrics of handling deadlines on the service's /metrics (R-INT-3, R-INT-4)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from weakref import WeakKeyDictionary

from labor_runtime.runtime import Runtime
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


class OnTimeGaugeWorker:
    """Keeps `intake_deadline_on_time_ratio` fresh: every interval, and soon after a commit."""

    def __init__(self, runtime: Runtime, interval: float) -> None:
        self.runtime = runtime
        self.interval = interval
        self._stopping = asyncio.Event()
        self._woken = asyncio.Event()
        of(runtime)

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await refresh_on_time(self.runtime)
            except Exception as exc:  # database outage: the next tick tries again
                log.warning("on-time gauge refresh failed: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), timeout=self.interval)
            self._woken.clear()
            with contextlib.suppress(TimeoutError):  # at most one refresh a second
                await asyncio.wait_for(self._stopping.wait(), timeout=1.0)

    async def stop(self, grace: float) -> None:
        self._stopping.set()
        self._woken.set()

    def wake(self) -> None:
        self._woken.set()
