"""The delivery worker: leases due deliveries and runs their rounds, outside the consumer.

Replicas share the work through leases (`FOR UPDATE SKIP LOCKED`); a worker that dies mid-round
leaves its lease to expire and another worker takes the delivery up again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping

from labor_runtime.runtime import Runtime
from prometheus_client import Counter

from notify.channels.base import Channel
from notify.delivery import flows
from notify.delivery.rules import ChannelName
from notify.settings import NotifySettings

log = logging.getLogger(__name__)


class DeliveryWorker:
    def __init__(self, runtime: Runtime, channels: Mapping[ChannelName, Channel]) -> None:
        settings = runtime.settings
        assert isinstance(settings, NotifySettings)
        self.runtime = runtime
        self.settings = settings
        self.channels = channels
        self.rounds = Counter("delivery_rounds", "rounds of delivery attempts by resulting status",
                              ["status"], registry=runtime.metrics.registry)
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()

    async def stop(self, grace: float = 10.0) -> None:
        """Take no new deliveries; let a round in progress finish within `grace` (the runtime
        cancels it after that: its lease expires and the round is tried again)."""
        self._stopping.set()
        self._wake.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout=grace)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            claimed = 0
            self._wake.clear()
            self._idle.clear()
            try:
                claimed = await self.run_once()
            except Exception as exc:  # database outage: try again next tick
                log.warning("delivery worker cycle failed: %s", exc)
            finally:
                self._idle.set()
            if claimed >= self.settings.delivery_batch_size:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.settings.delivery_poll_seconds)

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
