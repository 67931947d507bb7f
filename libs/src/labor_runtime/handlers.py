"""From AMQP messages to committed effects: parse, dedupe (inbox), handle, commit.

Deliveries that arrive together are applied in one transaction (one BEGIN/COMMIT and one wake-up
for a batch instead of one per event: under load most of a consumer's cost was per transaction).
If any of them fails, the batch is rolled back and each is applied alone in its own transaction,
so one poison message never takes the others with it and each gets its own retry or dead letter.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aio_pika.abc import AbstractIncomingMessage
from labor_contracts.envelope import Envelope
from labor_contracts.registry import EVENT_TYPES
from opentelemetry import trace
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from labor_runtime.bus import BatchHandler, Rejected
from labor_runtime.clock import Clock
from labor_runtime.db import UnitOfWork
from labor_runtime.inbox import first_deliveries
from labor_runtime.tracing import context_from
from labor_runtime.workers import Wakes

log = logging.getLogger(__name__)

EventHandler = Callable[[UnitOfWork, Envelope, Any], Awaitable[None]]


@dataclass(frozen=True)
class _Event:
    envelope: Envelope
    data: BaseModel
    handler: EventHandler
    carrier: dict[str, Any]


def message_handler(
    *,
    consumer: str,
    handlers: dict[str, EventHandler],
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    source: str,
    tracer: trace.Tracer,
    after_commit: Callable[[Wakes], None] | None = None,
) -> BatchHandler:
    """Build the consumer callback for a service's event handlers."""

    def parse(message: AbstractIncomingMessage) -> _Event:
        try:
            envelope = Envelope.from_bytes(message.body)
        except ValidationError as exc:
            raise Rejected(f"not a CloudEvents envelope: {_first_error(exc)}") from exc
        handler = handlers.get(envelope.type)
        model = EVENT_TYPES.get(envelope.type)
        if handler is None or model is None:
            raise Rejected(f"no handler for event type {envelope.type!r}")
        try:
            data = model.model_validate(envelope.data)
        except ValidationError as exc:
            raise Rejected(f"{envelope.type} payload invalid: {_first_error(exc)}") from exc
        carrier = dict(message.headers or {})
        if envelope.traceparent and "traceparent" not in carrier:
            carrier["traceparent"] = envelope.traceparent
        return _Event(envelope, data, handler, carrier)

    async def apply(uow: UnitOfWork, event: _Event) -> None:
        envelope = event.envelope
        with tracer.start_as_current_span(
            f"consume {envelope.type}",
            context=context_from(event.carrier),
            kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.system": "rabbitmq", "messaging.message.id": envelope.id,
                        "messaging.destination.name": envelope.type, "cloudevents.event_subject":
                        envelope.subject or ""},
        ):
            uow.continue_trace(None)  # a handler before it in the batch may have set another
            await event.handler(uow, envelope, event.data)

    async def apply_all(events: Sequence[_Event]) -> None:
        async with UnitOfWork(sessions, source, clock, after_commit) as uow:
            # The inbox of the whole batch in one statement; redeliveries change nothing.
            new = await first_deliveries(uow.session, consumer=consumer, events=[
                (e.envelope.id, e.envelope.type) for e in events])
            for event in events:
                if event.envelope.id in new:
                    new.discard(event.envelope.id)  # the same event twice in a batch: once
                    await apply(uow, event)
            await uow.commit()

    async def handle(messages: Sequence[AbstractIncomingMessage]) -> list[BaseException | None]:
        outcomes: list[BaseException | None] = [None] * len(messages)
        events: list[tuple[int, _Event]] = []
        for index, message in enumerate(messages):
            try:
                events.append((index, parse(message)))
            except Rejected as exc:
                outcomes[index] = exc
        if len(events) > 1:
            try:
                await apply_all([event for _, event in events])
                return outcomes
            except Exception as exc:  # one of them failed: find which, each on its own
                log.info("%s: a batch of %d failed (%s: %s); applying each alone", consumer,
                         len(events), type(exc).__name__, exc)
        for index, event in events:
            try:
                await apply_all([event])
            except Exception as exc:
                outcomes[index] = exc
        return outcomes

    return handle


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
