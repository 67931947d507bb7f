"""The delivery worker: a task on the service's loop that claims due deliveries, sends them
concurrently and settles each. Safe with several replicas (leases, `SKIP LOCKED`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from labor_runtime.runtime import Runtime
from prometheus_client import Counter

from publish.settings import PublishSettings
from publish.webhooks import flows
from publish.webhooks.rules import Outcome, message_id
from publish.webhooks.sender import WebhookSender

log = logging.getLogger(__name__)


class DeliveryWorker:
    def __init__(self, runtime: Runtime, sender: WebhookSender | None = None) -> None:
        settings = runtime.settings
        assert isinstance(settings, PublishSettings)
        self.runtime = runtime
        self.settings = settings
        self.sender = sender or WebhookSender(timeout=settings.webhook_timeout_seconds)
        self.attempts = Counter("webhook_attempts", "webhook attempts by outcome", ["outcome"],
                                registry=runtime.metrics.registry)
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._claimed: dict[asyncio.Task[None], str] = {}

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            free = self.settings.webhook_concurrency - len(self._inflight)
            if free > 0:
                try:
                    claims = await flows.claim(self.runtime, limit=free,
                                               exclude=set(self._inflight))
                except Exception as exc:  # database outage: try again next tick
                    log.warning("webhook claim failed: %s", exc)
                    claims = []
                for claim in claims:
                    task = asyncio.create_task(self._deliver(claim),
                                               name=f"webhook-{claim.delivery_id}")
                    self._inflight[claim.delivery_id] = task
                    self._claimed[task] = claim.delivery_id
                    task.add_done_callback(self._finished)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.settings.webhook_poll_seconds)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._inflight.pop(self._claimed.pop(task, ""), None)
        self._wake.set()

    async def _deliver(self, claim: flows.Claim) -> None:
        result = await self.sender.send(
            url=claim.url, secret=claim.secret, msg_id=message_id(claim.delivery_id),
            body=claim.body, allow_private=self.settings.webhook_allow_private_networks)
        try:
            outcome = await flows.settle(self.runtime, claim, result)
        except Exception as exc:  # the lease runs out and the delivery is tried again
            log.warning("webhook delivery %s not settled: %s", claim.delivery_id, exc)
            return
        self.attempts.labels(outcome=outcome).inc()
        if outcome in (Outcome.FAILED, Outcome.GONE):
            log.warning("webhook delivery %s to partner %s %s: %s", claim.delivery_id,
                        claim.partner_id, outcome, result.error)

    async def stop(self, grace: float) -> None:
        """Claim nothing more; let attempts in flight finish within `grace`, then drop them (their
        leases run out and they are retried with the same `webhook-id`)."""
        self._stopping.set()
        self._wake.set()
        pending = list(self._inflight.values())
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace)
            for task in late:
                task.cancel()
        await self.sender.close()
