"""The delivery worker: leases due deliveries and runs their rounds, outside the consumer.

Replicas share the work through leases (`FOR UPDATE SKIP LOCKED`); a worker that dies mid-round
leaves its lease to expire and another worker takes the delivery up again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from labor_runtime.runtime import Runtime
from labor_runtime.workers import BatchWorker
from prometheus_client import Counter

from notify.channels.base import Channel
from notify.delivery import flows
from notify.delivery.rules import ChannelName
from notify.settings import NotifySettings

log = logging.getLogger(__name__)


class DeliveryWorker(BatchWorker):
    def __init__(self, runtime: Runtime, channels: Mapping[ChannelName, Channel]) -> None:
        settings = runtime.settings
        assert isinstance(settings, NotifySettings)
        super().__init__(batch_size=settings.delivery_batch_size,
                         poll_seconds=settings.delivery_poll_seconds)
        self.runtime = runtime
        self.settings = settings
        self.channels = channels
        self.rounds = Counter("delivery_rounds", "rounds of delivery attempts by resulting status",
                              ["status"], registry=runtime.metrics.registry)
    async def run_once(self) -> int:
        """Claim due deliveries and run one round of each, concurrently; returns how many."""
        ids = await flows.claim_due(self.runtime, limit=self.settings.delivery_batch_size,
                                    lease_seconds=self.settings.delivery_lease_seconds)
        await asyncio.gather(*(self._round(i) for i in ids))
        return len(ids)

    async def _round(self, delivery_id: str) -> None:
        try:
            status = await flows.attempt(self.runtime, self.channels, delivery_id)
        except Exception:  # recording failed: the lease expires and the round is run again
            log.exception("delivery %s: round not recorded", delivery_id)
            return
        if status is not None:
            self.rounds.labels(status=str(status)).inc()
