"""The notice worker: leases due notices and POSTs them, outside the consumer. A notice sent
again after a lost attempt keeps its notice_id, so the channel can drop the repeat."""

from __future__ import annotations

from labor_runtime.outbound import WebhookSender
from labor_runtime.workers import BatchWorker, Leased, lease_due, next_due, seconds_until
from prometheus_client import Counter, Gauge

from notify.settings import NotifyRuntime
from notify.worker_notices import flows
from notify.worker_notices.models import worker_notices
from notify.worker_notices.rules import NoticeStatus

USER_AGENT = "labor-inspection-notify-worker-notices/1.0"
REPLY_LIMIT_BYTES = 64 * 1024  # the receipt: the reply's start and its hash


class WorkerNoticeWorker(BatchWorker):
    tables = frozenset({worker_notices.name})

    def __init__(self, runtime: NotifyRuntime, sender: WebhookSender | None = None) -> None:
        settings = runtime.settings
        super().__init__(batch_size=settings.worker_notice_batch_size,
                         poll_seconds=settings.worker_notice_poll_seconds, tracer=runtime.tracer)
        self.runtime = runtime
        self.settings = settings
        # Endpoints are the platform's own configuration (ops), not registered from outside, so
        # they are not pinned; the channel's reply start is kept as the receipt.
        self.sender = sender or WebhookSender(
            user_agent=USER_AGENT, timeout=settings.worker_notice_timeout_seconds,
            reply_limit_bytes=REPLY_LIMIT_BYTES)
        registry = runtime.metrics.registry
        self.attempts = Counter("worker_notice_attempts", "notice POSTs by kind and resulting status",
                                ["kind", "status"], registry=registry)
        self.open = Gauge("worker_notices_open", "notices pending or failed (someone must tell "
                          "the worker another way)", ["status"], registry=registry)
        runtime.add_gauges(self.refresh_gauges)

    async def refresh_gauges(self) -> None:
        for status, count in (await flows.open_counts(self.runtime)).items():
            self.open.labels(status=status).set(count)

    async def close(self) -> None:
        await self.sender.close()

    async def next_due(self) -> float | None:
        due = await next_due(self.runtime.reader, worker_notices, pending=NoticeStatus.PENDING)
        return seconds_until(due, self.runtime.clock.now())

    async def claim(self, limit: int) -> list[Leased]:
        return await lease_due(self.runtime.reader, worker_notices, pending=NoticeStatus.PENDING,
                               now=self.runtime.clock.now(), limit=limit,
                               lease_seconds=self.settings.worker_notice_lease_seconds)

    async def work(self, item_id: str) -> None:
        await self.work_batch([Leased(item_id, None)])

    async def work_batch(self, items: list[Leased]) -> None:
        """The claimed notices are sent concurrently and recorded in one transaction, each in the
        trace of the event that made it."""
        for outcome in await flows.attempt(self.runtime, self.sender, [i.id for i in items]):
            self.attempts.labels(kind=outcome.kind, status=str(outcome.status)).inc()
