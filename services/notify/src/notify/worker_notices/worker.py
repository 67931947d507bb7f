"""The notice worker: leases due notices and POSTs them, outside the consumer.

Replicas share the work through leases (`FOR UPDATE SKIP LOCKED`); a worker that dies mid-attempt
leaves its lease to expire and another worker sends the notice again, with the same notice_id.
"""

from __future__ import annotations

import asyncio
import logging

from labor_runtime.runtime import Runtime
from labor_runtime.workers import BatchWorker
from prometheus_client import Counter, Gauge

from notify.settings import NotifySettings
from notify.worker_notices import flows
from notify.worker_notices.sender import NoticeSender

log = logging.getLogger(__name__)


class WorkerNoticeWorker(BatchWorker):
    def __init__(self, runtime: Runtime, sender: NoticeSender | None = None) -> None:
        settings = runtime.settings
        assert isinstance(settings, NotifySettings)
        super().__init__(batch_size=settings.worker_notice_batch_size,
                         poll_seconds=settings.worker_notice_poll_seconds)
        self.runtime = runtime
        self.settings = settings
        self.sender = sender or NoticeSender(timeout=settings.worker_notice_timeout_seconds)
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

    async def run_once(self) -> int:
        """Claim due notices and make one attempt at each, concurrently; returns how many."""
        ids = await flows.claim_due(self.runtime, limit=self.settings.worker_notice_batch_size,
                                    lease_seconds=self.settings.worker_notice_lease_seconds)
        await asyncio.gather(*(self._attempt(i) for i in ids))
        return len(ids)

    async def _attempt(self, notice_id: str) -> None:
        try:
            outcome = await flows.attempt(self.runtime, self.sender, notice_id)
        except Exception:  # recording failed: the lease expires and the attempt is made again
            log.exception("worker notice %s: attempt not recorded", notice_id)
            return
        if outcome is not None:
            self.attempts.labels(kind=outcome.kind, status=str(outcome.status)).inc()
