"""Everything a running service holds: engine, clock, bus, relay, sweeper, telemetry, security.

The app factory's lifespan starts it and stops it gracefully: stop consuming, let in-flight
messages finish and be acked, let the relay flush, then close the pools.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final, Generic

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typing_extensions import TypeVar

from labor_runtime.bus import Consumer, Publisher, ServiceQueues
from labor_runtime.clock import Calendar, SystemClock
from labor_runtime.crypto import FieldCipher
from labor_runtime.db import UnitOfWork, create_engine
from labor_runtime.handlers import EventHandler, message_handler
from labor_runtime.outbox import OutboxRelay, backlog
from labor_runtime.retention import Retention
from labor_runtime.security import ApiKeyVerifier, TokenVerifier
from labor_runtime.settings import ServiceSettings
from labor_runtime.telemetry import Metrics, tracer_provider
from labor_runtime.timers import TimerHandler, TimerSweeper, overdue_counts
from labor_runtime.workers import Loop, Wakes

log = logging.getLogger(__name__)

# The service's own settings class: `Runtime[CasesSettings].settings` is a CasesSettings. A bare
# `Runtime` is any service's runtime (covariant: each service's runtime is one, `settings` being
# final); typing_extensions for the default, which typing has from Python 3.13 only.
S = TypeVar("S", bound=ServiceSettings, default=ServiceSettings, covariant=True)


class Runtime(Generic[S]):
    def __init__(
        self,
        settings: S,
        *,
        handlers: dict[str, EventHandler] | None = None,
        timer_handlers: dict[str, TimerHandler] | None = None,
        clock: SystemClock | None = None,
        calendar: Calendar | None = None,
    ) -> None:
        self.settings: Final = settings
        self.service = settings.service_name
        self.clock = clock or SystemClock()
        self.calendar = calendar or Calendar()
        self.engine = create_engine(settings.database_url, pool_size=settings.db_pool_size,
                                    max_overflow=settings.db_max_overflow)
        # Reads and single statements (a claim, a lease, a lookup) need no BEGIN and ROLLBACK
        # round trips: under READ COMMITTED each statement has its own snapshot anyway.
        self.reader = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.metrics = Metrics(self.service)
        self.tracer_provider = tracer_provider(
            self.service, otlp_endpoint=settings.otel_exporter_otlp_endpoint,
            spans_file=settings.telemetry_spans_file)
        self.tracer = self.tracer_provider.get_tracer(f"labor.{self.service}")
        self.cipher = FieldCipher.from_settings(settings.field_encryption_keys,
                                                settings.field_encryption_active_key)
        self.tokens = TokenVerifier(settings.auth_jwt_key, settings.auth_jwt_algorithms,
                                    settings.auth_jwt_issuer, settings.auth_jwt_audience)
        self.api_keys = ApiKeyVerifier(settings.api_key_cache_seconds)
        self.handlers = handlers or {}
        exchange = f"{settings.bus_prefix}{settings.bus_exchange}"
        self.publisher = Publisher(settings.amqp_url, exchange,
                                   timeout=settings.publish_timeout_seconds,
                                   heartbeat=settings.amqp_heartbeat_seconds)
        self.relay = OutboxRelay(
            self.reader, self.publisher,
            batch_size=settings.outbox_batch_size, lease_seconds=settings.outbox_lease_seconds,
            poll_seconds=settings.outbox_poll_seconds,
            on_published=self.metrics.events_published.inc)
        self.queues = ServiceQueues(
            service=self.service, event_types=sorted(self.handlers), prefix=settings.bus_prefix,
            exchange_name=settings.bus_exchange, retry_delays_ms=tuple(settings.retry_delays_ms),
            delivery_limit=settings.delivery_limit)
        self.consumer: Consumer | None = None
        if self.handlers:
            self.consumer = Consumer(
                settings.amqp_url, self.queues,
                message_handler(consumer=self.service, handlers=self.handlers,
                                sessions=self.sessions, clock=self.clock, source=settings.source,
                                tracer=self.tracer, after_commit=self.committed),
                prefetch=settings.consumer_prefetch, batch_size=settings.consumer_batch_size,
                concurrency=settings.consumer_concurrency, heartbeat=settings.amqp_heartbeat_seconds,
                publish_timeout=settings.publish_timeout_seconds)
            self.consumer.stats.listeners.append(
                lambda outcome: self.metrics.events_consumed.labels(outcome=outcome).inc())
        self.sweeper = TimerSweeper(
            self.sessions, self.clock, settings.source, timer_handlers or {},
            interval=settings.timer_sweep_seconds, after_commit=self.committed, tracer=self.tracer,
            on_fired=lambda kind: self.metrics.deadlines_fired.labels(kind=kind).inc())
        self.retention = Retention(self.engine, outbox_hours=settings.outbox_retention_hours,
                                   inbox_hours=settings.inbox_retention_hours,
                                   interval=settings.retention_sweep_seconds)
        self.workers: list[Loop] = []
        self._closers: list[Callable[[], Awaitable[None]]] = []
        self._gauges: list[Callable[[], Awaitable[None]]] = []
        self._tasks: list[asyncio.Task[Any]] = []

    def add_worker(self, worker: Loop) -> None:
        """Run `worker` with the service: started after the runtime, stopped before the relay so
        that what it commits last is still published."""
        self.workers.append(worker)

    def add_closer(self, close: Callable[[], Awaitable[None]]) -> None:
        """Release a resource of the service (an object-store client) when the runtime stops,
        after everything that could use it has stopped."""
        self._closers.append(close)

    def add_gauges(self, refresh: Callable[[], Awaitable[None]]) -> None:
        """Set a service's database-backed gauges when /metrics is scraped (not on every cycle of
        a worker)."""
        self._gauges.append(refresh)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.settings.source, self.clock, self.committed)

    @property
    def loops(self) -> list[Loop]:
        """Every background loop of the service, in the order they start."""
        return [self.relay, self.sweeper, self.retention, *self.workers]

    def committed(self, wakes: Wakes) -> None:
        """A unit of work committed work for some loops (`created_work`): wake those."""
        now = self.clock.now()
        for loop in self.loops:
            loop.created(wakes, now)

    def clock_moved(self) -> None:
        """The clock was shifted (tests, demos): every due time may have come."""
        for loop in self.loops:
            if loop.follows_clock:
                loop.wake()

    def session(self) -> AsyncSession:
        return self.sessions()

    async def start(self) -> None:
        """Start background work; never fails because the broker or database is down."""
        if self.consumer is not None:
            self._tasks.append(asyncio.create_task(self.consumer.run(), name="consumer"))
        for loop in self.loops:
            self._tasks.append(asyncio.create_task(loop.run(), name=type(loop).__name__))

    async def stop(self, grace: float = 10.0) -> None:
        if self.consumer is not None:
            await self.consumer.stop(grace)
        for worker in self.workers:
            await worker.stop(grace)
        await self.sweeper.stop(grace)
        await self.retention.stop(grace)
        await self._flush_outbox(grace)
        await self.relay.stop(grace)
        for task in self._tasks:
            try:
                await asyncio.wait_for(task, timeout=grace)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()
        self._tasks.clear()
        await self.publisher.close()
        for close in self._closers:
            await close()
        self.tracer_provider.shutdown()
        await self.engine.dispose()

    async def _flush_outbox(self, grace: float) -> None:
        """Let the relay publish what the last handlers committed, while it makes progress."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        previous, stalled_since = -1, loop.time()
        while loop.time() < deadline:
            try:
                async with self.engine.connect() as conn:
                    pending, _ = await backlog(conn)
            except Exception:  # database gone: nothing more to flush from here
                return
            if pending == 0:
                return
            if pending != previous:
                previous, stalled_since = pending, loop.time()
            elif loop.time() - stalled_since > 1.0:
                return  # broker unreachable: the rows stay and the next start sends them
            await asyncio.sleep(0.05)

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            async with self.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(sa.text("SELECT 1")), timeout=2)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unavailable: {type(exc).__name__}"
        if self.consumer is not None:
            checks["broker"] = "ok" if self.consumer.consuming.is_set() else "not consuming"
        else:
            try:
                await asyncio.wait_for(self.publisher.ensure_channel(), timeout=2)
                checks["broker"] = "ok"
            except Exception as exc:
                checks["broker"] = f"unavailable: {type(exc).__name__}"
        return checks

    async def refresh_gauges(self) -> None:
        """Database-backed gauges, read when /metrics is scraped."""
        async with self.engine.connect() as conn:
            pending, oldest = await backlog(conn)
        self.metrics.outbox_backlog.set(pending)
        self.metrics.outbox_oldest.set(oldest)
        async with self.sessions() as session:
            for kind, count in (await overdue_counts(session, self.clock.now())).items():
                self.metrics.deadlines_open_overdue.labels(kind=kind).set(count)
        self.metrics.consumer_up.set(
            1 if self.consumer is not None and self.consumer.consuming.is_set() else 0)
        for refresh in self._gauges:
            await refresh()
