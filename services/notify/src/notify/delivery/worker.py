"""The delivery worker: leases due deliveries and runs their rounds, outside the consumer."""

from __future__ import annotations

from collections.abc import Mapping

from labor_runtime.workers import BatchWorker, Leased, lease_due, next_due, seconds_until
from prometheus_client import Counter, Gauge

from notify.channels.base import Channel, ChannelName
from notify.delivery import flows, queries
from notify.delivery.models import deliveries
from notify.delivery.rules import WORKED
from notify.settings import NotifyRuntime


class DeliveryWorker(BatchWorker):
    tables = frozenset({deliveries.name})

    def __init__(self, runtime: NotifyRuntime, channels: Mapping[ChannelName, Channel]) -> None:
        settings = runtime.settings
        super().__init__(batch_size=settings.delivery_batch_size,
                         poll_seconds=settings.delivery_poll_seconds, tracer=runtime.tracer)
        self.runtime = runtime
        self.settings = settings
        self.channels = channels
        self.rounds = Counter("delivery_rounds", "rounds of delivery attempts by resulting status",
                              ["status"], registry=runtime.metrics.registry)
        self.open = Gauge("deliveries_open", "documents not yet served: due for hand-over, awaiting "
                          "their proof, or with the grid workers or the post", ["status"],
                          registry=runtime.metrics.registry)
        runtime.add_gauges(self.refresh_gauges)

    async def refresh_gauges(self) -> None:
        for status, count in (await queries.open_counts(self.runtime)).items():
            self.open.labels(status=status).set(count)

    async def next_due(self) -> float | None:
        due = await next_due(self.runtime.reader, deliveries, pending=WORKED)
        return seconds_until(due, self.runtime.clock.now())

    async def claim(self, limit: int) -> list[Leased]:
        return await lease_due(self.runtime.reader, deliveries, pending=WORKED,
                               now=self.runtime.clock.now(), limit=limit,
                               lease_seconds=self.settings.delivery_lease_seconds)

    async def work(self, item_id: str) -> None:
        """Ask after the awaited proof, or hand over on the plan's next channels."""
        status = await flows.attempt(self.runtime, self.channels, item_id)
        if status is not None:
            self.rounds.labels(status=str(status)).inc()
