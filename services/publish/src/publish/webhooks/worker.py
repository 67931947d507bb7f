"""The delivery worker: a task on the service's loop that claims due deliveries, sends them
concurrently and settles each. Safe with several replicas (leases, `SKIP LOCKED`)."""

from __future__ import annotations

import asyncio
import logging

from labor_runtime.outbound import Destination, WebhookSender, resolve_destination
from labor_runtime.workers import Loop, seconds_until
from prometheus_client import Counter

from publish.settings import PublishRuntime
from publish.webhooks import flows
from publish.webhooks.models import webhook_deliveries
from publish.webhooks.rules import Outcome, message_id

log = logging.getLogger(__name__)
USER_AGENT = "labor-inspection-publish-webhooks/1.0"


class DeliveryWorker(Loop):
    """Up to `webhook_concurrency` attempts in flight; each finished attempt frees a slot."""

    tables = frozenset({webhook_deliveries.name})

    def __init__(self, runtime: PublishRuntime, sender: WebhookSender | None = None) -> None:
        settings = runtime.settings
        super().__init__(poll_seconds=settings.webhook_poll_seconds)
        self.runtime = runtime
        self.settings = settings
        # Partners register their own URLs: each attempt is pinned to a checked address (SSRF),
        # and only the status matters, so the partner's reply is never read.
        self.sender = sender or WebhookSender(
            user_agent=USER_AGENT, timeout=settings.webhook_timeout_seconds, reply_limit_bytes=0,
            resolve=self.destination)
        self.attempts = Counter("webhook_attempts", "webhook attempts by outcome", ["outcome"],
                                registry=runtime.metrics.registry)
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._claimed: dict[asyncio.Task[None], str] = {}
        self._full = False  # the last cycle filled every slot: more may be due

    async def cycle(self) -> float | None:
        free = self.settings.webhook_concurrency - len(self._inflight)
        self._full = free <= 0
        if self._full:
            return None  # a finished attempt wakes the loop
        claims = await flows.claim(self.runtime, limit=free, exclude=set(self._inflight))
        for claim in claims:
            task = asyncio.create_task(self._deliver(claim), name=f"webhook-{claim.delivery_id}")
            self._inflight[claim.delivery_id] = task
            self._claimed[task] = claim.delivery_id
            task.add_done_callback(self._finished)
        if len(claims) == free:
            self._full = True
            return None
        return seconds_until(await flows.next_due(self.runtime), self.runtime.clock.now())

    async def destination(self, url: str) -> Destination:
        """The partner URL's pinned address, checked as the settings say at each attempt."""
        return await resolve_destination(
            url, allow_private=self.settings.webhook_allow_private_networks)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._inflight.pop(self._claimed.pop(task, ""), None)
        if self._full:  # a slot is free for a delivery that is already due
            self.wake()

    async def _deliver(self, claim: flows.Claim) -> None:
        result = await self.sender.send(
            url=claim.url, secret=claim.secret, msg_id=message_id(claim.delivery_id),
            body=claim.body)
        try:
            outcome = await flows.settle(self.runtime, claim, result)
        except Exception as exc:  # the lease runs out and the delivery is tried again
            log.warning("webhook delivery %s not settled: %s", claim.delivery_id, exc)
            return
        self.attempts.labels(outcome=outcome).inc()
        if outcome is Outcome.RETRY:
            self.wake()  # the next cycle reads when this retry falls due
        if outcome in (Outcome.FAILED, Outcome.GONE):
            log.warning("webhook delivery %s to partner %s %s: %s", claim.delivery_id,
                        claim.partner_id, outcome, result.error)

    async def stop(self, grace: float = 10.0) -> None:
        """Claim nothing more; let attempts in flight finish within `grace`, then drop them (their
        leases run out and they are retried with the same `webhook-id`)."""
        await super().stop(grace)
        pending = list(self._inflight.values())
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace)
            for task in late:
                task.cancel()

    async def close(self) -> None:
        """After the attempts in flight have ended (finished, or cancelled by `stop`)."""
        await asyncio.gather(*self._inflight.values(), return_exceptions=True)
        await self.sender.close()
