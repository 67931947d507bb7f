"""RabbitMQ: the declared topology, a confirming publisher and a self-healing consumer.

Topology, from one declaration per service:
- `labor.events`, a durable topic exchange; routing key = event type;
- `<service>.events`, a quorum queue bound to the types the service handles, with an explicit
  delivery limit and at-least-once dead-lettering (DLX + `reject-publish` overflow);
- `<service>.retry.<n>`, quorum queues whose message TTL returns a failed message to the main
  queue after the n-th backoff delay;
- `<service>.dlq`, where messages land with the failure reason in their headers;
- `labor.events.unrouted`, the exchange's alternate: events no service is bound to yet.

Consumers do not rely on aio-pika's robust reconnection (issues #231, #626): a supervisor loop
opens a fresh connection, redeclares the topology and consumes again after any loss.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import aiormq
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractIncomingMessage,
    AbstractQueue,
    DeliveryMode,
)
from pamqp.commands import Basic

from labor_runtime.outbox import PublishFailed

log = logging.getLogger(__name__)

DLX_SUFFIX = "labor.dlx"
ATTEMPT_HEADER = "x-labor-attempt"
REASON_HEADER = "x-labor-death-reason"
ORIGINAL_KEY_HEADER = "x-labor-original-routing-key"


@dataclass(frozen=True)
class ServiceQueues:
    """The queues of one consuming service and the event types bound to its main queue."""

    service: str
    event_types: Sequence[str]
    prefix: str = ""
    exchange_name: str = "labor.events"
    retry_delays_ms: Sequence[int] = (1000, 10_000, 60_000)
    delivery_limit: int = 10

    @property
    def exchange(self) -> str:
        return f"{self.prefix}{self.exchange_name}"

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.prefix}{DLX_SUFFIX}"

    @property
    def main(self) -> str:
        return f"{self.prefix}{self.service}.events"

    @property
    def dead_letters(self) -> str:
        return f"{self.prefix}{self.service}.dlq"

    def retry(self, attempt: int) -> str:
        return f"{self.prefix}{self.service}.retry.{attempt}"

    @property
    def max_attempts(self) -> int:
        return len(self.retry_delays_ms) + 1

    def main_arguments(self) -> dict[str, Any]:
        return {
            "x-queue-type": "quorum",
            "x-delivery-limit": self.delivery_limit,
            "x-dead-letter-exchange": self.dead_letter_exchange,
            "x-dead-letter-routing-key": self.main,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }

    def retry_arguments(self, delay_ms: int) -> dict[str, Any]:
        return {
            "x-queue-type": "quorum",
            "x-message-ttl": delay_ms,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": self.main,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }


UNROUTED_SUFFIX = ".unrouted"


async def declare_exchange(channel: AbstractChannel, name: str) -> aio_pika.abc.AbstractExchange:
    """The topic exchange, with an alternate exchange keeping events that no queue is bound to
    yet (kept in `<exchange>.unrouted` for ops, instead of returned and retried forever)."""
    unrouted = name + UNROUTED_SUFFIX
    alternate = await channel.declare_exchange(unrouted, aio_pika.ExchangeType.FANOUT, durable=True)
    queue = await channel.declare_queue(unrouted, durable=True, arguments={"x-queue-type": "quorum"})
    await queue.bind(alternate)
    return await channel.declare_exchange(name, aio_pika.ExchangeType.TOPIC, durable=True,
                                          arguments={"alternate-exchange": unrouted})


async def declare(channel: AbstractChannel, queues: ServiceQueues) -> AbstractQueue:
    """Declare everything a service consumes from (idempotent); returns the main queue."""
    exchange = await declare_exchange(channel, queues.exchange)
    dlx = await channel.declare_exchange(
        queues.dead_letter_exchange, aio_pika.ExchangeType.DIRECT, durable=True
    )
    dlq = await channel.declare_queue(
        queues.dead_letters, durable=True, arguments={"x-queue-type": "quorum"}
    )
    await dlq.bind(dlx, routing_key=queues.main)
    for attempt, delay in enumerate(queues.retry_delays_ms, start=1):
        await channel.declare_queue(
            queues.retry(attempt), durable=True, arguments=queues.retry_arguments(delay)
        )
    main = await channel.declare_queue(queues.main, durable=True, arguments=queues.main_arguments())
    for event_type in queues.event_types:
        await main.bind(exchange, routing_key=event_type)
    return main


async def remove_namespace(url: str, prefix: str, services: Sequence[str],
                           exchange_name: str = "labor.events", max_retry_queues: int = 10) -> None:
    """Delete every queue and exchange of a bus prefix: a test's, a benchmark's or a purged
    stack's. Quorum queues are Raft groups; leaving thousands behind slows the whole broker."""
    if not prefix:
        raise ValueError("refusing to remove the unprefixed production namespace")
    connection = await connect(url)
    try:
        channel = await connection.channel()
        names = [f"{prefix}{exchange_name}{UNROUTED_SUFFIX}"]
        for service in services:
            queues = ServiceQueues(service=service, event_types=(), prefix=prefix,
                                   exchange_name=exchange_name)
            names += [queues.main, queues.dead_letters]
            names += [queues.retry(n) for n in range(1, max_retry_queues + 1)]
        for name in names:
            await channel.queue_delete(name)
        for name in (f"{prefix}{exchange_name}", f"{prefix}{exchange_name}{UNROUTED_SUFFIX}",
                     f"{prefix}{DLX_SUFFIX}"):
            await channel.exchange_delete(name)
    finally:
        await connection.close()


async def connect(url: str, *, heartbeat: int = 20, timeout: float = 10.0) -> AbstractConnection:
    return await aio_pika.connect(url, heartbeat=heartbeat, timeout=timeout)


class Publisher:
    """Publishes with confirms; a nack, a returned (unroutable) message or a timeout is a failure."""

    def __init__(self, url: str, exchange: str, *, timeout: float = 10.0, heartbeat: int = 20) -> None:
        self.url = url
        self.exchange_name = exchange
        self.timeout = timeout
        self.heartbeat = heartbeat
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None
        self._lock = asyncio.Lock()

    @property
    def connected(self) -> bool:
        return self._channel is not None and not self._channel.is_closed

    async def ensure_channel(self) -> AbstractChannel:
        if self.connected:
            assert self._channel is not None
            return self._channel
        async with self._lock:
            if not self.connected:
                await self.close()
                self._connection = await connect(self.url, heartbeat=self.heartbeat, timeout=self.timeout)
                channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
                await declare_exchange(channel, self.exchange_name)
                self._channel = channel
        assert self._channel is not None
        return self._channel

    async def publish_raw(
        self,
        routing_key: str,
        body: bytes,
        *,
        message_id: str,
        traceparent: str | None = None,
        headers: dict[str, Any] | None = None,
        exchange: str | None = None,
    ) -> None:
        """Publish one persistent message and wait for the broker's confirm."""
        try:
            channel = await self.ensure_channel()
            target = (
                channel.default_exchange
                if exchange == ""
                else await channel.get_exchange(exchange or self.exchange_name, ensure=False)
            )
            message = aio_pika.Message(
                body,
                message_id=message_id,
                content_type="application/cloudevents+json",
                delivery_mode=DeliveryMode.PERSISTENT,
                headers={**(headers or {}), **({"traceparent": traceparent} if traceparent else {})},
            )
            confirmation = await target.publish(
                message, routing_key=routing_key, mandatory=True, timeout=self.timeout
            )
        except (aio_pika.exceptions.DeliveryError, aio_pika.exceptions.PublishError) as exc:
            raise PublishFailed(f"not confirmed: {exc}") from exc
        except (TimeoutError, aiormq.exceptions.AMQPError, ConnectionError, OSError) as exc:
            await self.close()
            raise PublishFailed(f"broker unavailable: {type(exc).__name__}: {exc}") from exc
        if not isinstance(confirmation, Basic.Ack):
            raise PublishFailed(f"not confirmed: {confirmation!r}")

    async def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and not connection.is_closed:
            try:
                await asyncio.wait_for(connection.close(), timeout=5)
            except Exception as exc:  # closing a broken connection may fail; it is gone either way
                log.debug("publisher close: %s", exc)


class Rejected(Exception):
    """A message that can never succeed (malformed, wrong schema): dead-letter it now."""


BatchHandler = Callable[[Sequence[AbstractIncomingMessage]], Awaitable[list[BaseException | None]]]
"""Applies deliveries that arrived together; per message, None (done: ack) or why it failed:
`Rejected` (poison: dead-letter now) or any other exception (retry with backoff)."""


@dataclass
class ConsumerStats:
    processed: int = 0
    retried: int = 0
    dead_lettered: int = 0
    reconnects: int = 0
    in_flight: int = 0
    listeners: list[Callable[[str], None]] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        for listener in self.listeners:
            listener(outcome)


class Consumer:
    """Consumes a service's main queue with manual acks, retry with backoff and dead-lettering.

    Deliveries are handed to `handle` in batches of what has arrived (at most `batch_size`), by
    `concurrency` batch loops; a message is acknowledged only once `handle` has committed its
    effect.
    """

    def __init__(
        self,
        url: str,
        queues: ServiceQueues,
        handle: BatchHandler,
        *,
        prefetch: int = 64,
        batch_size: int = 32,
        concurrency: int = 2,
        heartbeat: int = 20,
        publish_timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.queues = queues
        self.handle = handle
        self.prefetch = prefetch
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.heartbeat = heartbeat
        self.stats = ConsumerStats()
        self.consuming = asyncio.Event()
        self._stopping = asyncio.Event()
        self._lost = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._arrived: list[AbstractIncomingMessage] = []
        self._arrival = asyncio.Event()
        # Strong references: aio-pika holds robust objects weakly (issue #536).
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None
        self._queue: AbstractQueue | None = None
        self._tag: str | None = None
        self._dead_letter_publisher = Publisher(url, queues.exchange, timeout=publish_timeout,
                                                heartbeat=heartbeat)

    async def run(self) -> None:
        """Consume until `stop`; reconnects with backoff after any broker or network failure."""
        batchers = [asyncio.create_task(self._batches(), name=f"{self.queues.main}-batch-{n}")
                    for n in range(self.concurrency)]
        try:
            await self._supervise()
        finally:
            for task in batchers:
                task.cancel()
            await asyncio.gather(*batchers, return_exceptions=True)

    async def _supervise(self) -> None:
        delay = 0.2
        while not self._stopping.is_set():
            try:
                await self._consume_until_lost()
                delay = 0.2
            except Exception as exc:  # broker down or topology error: retry after a pause
                if self._stopping.is_set():
                    break
                log.warning("consumer %s: %s: %s; reconnecting in %.1fs", self.queues.main,
                            type(exc).__name__, exc, delay)
            self.consuming.clear()
            await self._close_connection()
            if self._stopping.is_set():
                break
            self.stats.reconnects += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=delay)
            delay = min(delay * 2, 5.0)

    async def _consume_until_lost(self) -> None:
        self._lost.clear()
        self._forget_arrived()
        self._connection = await connect(self.url, heartbeat=self.heartbeat)
        self._connection.close_callbacks.add(lambda *_: self._lost.set())
        self._channel = await self._connection.channel()
        self._channel.close_callbacks.add(lambda *_: self._lost.set())
        await self._channel.set_qos(prefetch_count=self.prefetch)
        self._queue = await declare(self._channel, self.queues)
        self._tag = await self._queue.consume(self._on_message)
        self.consuming.set()
        log.info("consuming %s", self.queues.main)
        stop = asyncio.ensure_future(self._stopping.wait())
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            await asyncio.wait({stop, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            lost.cancel()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        self.stats.in_flight += 1
        self._idle.clear()
        self._arrived.append(message)
        self._arrival.set()

    def _forget_arrived(self) -> None:
        """Drop deliveries of a lost channel not yet handled: the broker delivers them again."""
        self.stats.in_flight -= len(self._arrived)
        self._arrived.clear()
        if self.stats.in_flight <= 0:
            self.stats.in_flight = 0
            self._idle.set()

    async def _batches(self) -> None:
        """Take what has arrived, up to a batch, and settle it; again until stopped."""
        while True:
            await self._arrival.wait()
            batch = self._arrived[:self.batch_size]
            del self._arrived[:len(batch)]
            if not self._arrived:
                self._arrival.clear()
            if not batch:
                continue
            try:
                await self._process(batch)
            finally:
                self.stats.in_flight -= len(batch)
                if self.stats.in_flight <= 0:
                    self.stats.in_flight = 0
                    self._idle.set()

    async def _process(self, batch: list[AbstractIncomingMessage]) -> None:
        try:
            outcomes = await self.handle(batch)
        except Exception as exc:  # the handler itself broke: every message is retried
            outcomes = [exc] * len(batch)
        for message, outcome in zip(batch, outcomes, strict=True):
            await self._settle_outcome(message, outcome)

    async def _settle_outcome(self, message: AbstractIncomingMessage,
                              outcome: BaseException | None) -> None:
        if outcome is None:
            await self._settle(message.ack())
            self.stats.processed += 1
            self.stats.count("processed")
            return
        if isinstance(outcome, Rejected):
            await self._dead_letter(message, f"rejected: {outcome}")
            return
        raw_attempt = (message.headers or {}).get(ATTEMPT_HEADER, 1)
        attempt = raw_attempt if isinstance(raw_attempt, int) else 1
        reason = f"{type(outcome).__name__}: {outcome}"
        if attempt >= self.queues.max_attempts:
            await self._dead_letter(message, f"failed after {attempt} attempts: {reason}")
        else:
            await self._retry(message, attempt, reason)

    async def _retry(self, message: AbstractIncomingMessage, attempt: int, reason: str) -> None:
        log.warning("%s: attempt %d failed (%s); retrying", self.queues.main, attempt, reason)
        if await self._forward(message, self.queues.retry(attempt), {ATTEMPT_HEADER: attempt + 1,
                                                                     REASON_HEADER: reason[:1000]}):
            self.stats.retried += 1
            self.stats.count("retried")

    async def _dead_letter(self, message: AbstractIncomingMessage, reason: str) -> None:
        log.error("%s: dead-lettering message %s: %s", self.queues.main, message.message_id, reason)
        if await self._forward(message, self.queues.dead_letters, {REASON_HEADER: reason[:1000]}):
            self.stats.dead_lettered += 1
            self.stats.count("dead_lettered")

    async def _forward(self, message: AbstractIncomingMessage, queue: str, extra: dict[str, Any]) -> bool:
        """Copy the message to `queue` (confirmed), then ack it; on failure requeue it instead."""
        headers = dict(message.headers or {})
        headers.setdefault(ORIGINAL_KEY_HEADER, message.routing_key or "")
        headers.update(extra)
        try:
            await self._dead_letter_publisher.publish_raw(
                queue,
                message.body,
                message_id=message.message_id or "",
                headers=headers,
                exchange="",
            )
        except PublishFailed as exc:
            log.warning("cannot forward to %s (%s); requeueing", queue, exc)
            await self._settle(message.nack(requeue=True))
            return False
        await self._settle(message.ack())
        return True

    @staticmethod
    async def _settle(operation: Awaitable[Any]) -> None:
        try:
            await operation
        except Exception as exc:  # channel gone: the broker redelivers, the inbox dedupes
            log.warning("ack/nack lost with the channel: %s", exc)

    async def stop(self, grace: float = 10.0) -> None:
        """Stop taking messages, let in-flight ones finish and be acked, then disconnect."""
        channel_open = self._channel is not None and not self._channel.is_closed
        if self._queue is not None and self._tag is not None and channel_open:
            try:
                await self._queue.cancel(self._tag)
            except Exception as exc:  # connection already gone
                log.debug("cancel: %s", exc)
        try:
            await asyncio.wait_for(self._idle.wait(), timeout=grace)
        except TimeoutError:
            log.warning("%s: %d messages still in flight at shutdown", self.queues.main,
                        self.stats.in_flight)
        self._stopping.set()
        await self._close_connection()
        await self._dead_letter_publisher.close()

    async def _close_connection(self) -> None:
        connection, self._connection = self._connection, None
        self._channel = None
        self._queue = None
        self._tag = None
        if connection is not None and not connection.is_closed:
            try:
                await asyncio.wait_for(connection.close(), timeout=5)
            except Exception as exc:  # already broken
                log.debug("consumer close: %s", exc)
