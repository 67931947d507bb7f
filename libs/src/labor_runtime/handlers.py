"""From an AMQP message to a committed effect: parse, dedupe (inbox), handle, in one transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aio_pika.abc import AbstractIncomingMessage
from labor_contracts.envelope import Envelope
from labor_contracts.registry import EVENT_TYPES
from opentelemetry import trace
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from labor_runtime.bus import MessageHandler, Rejected
from labor_runtime.clock import Clock
from labor_runtime.db import UnitOfWork
from labor_runtime.inbox import first_delivery
from labor_runtime.tracing import context_from

EventHandler = Callable[[UnitOfWork, Envelope, Any], Awaitable[None]]


def message_handler(
    *,
    consumer: str,
    handlers: dict[str, EventHandler],
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    source: str,
    tracer: trace.Tracer,
    after_commit: Callable[[bool], None] | None = None,
) -> MessageHandler:
    """Build the consumer callback for a service's event handlers."""

    async def handle(message: AbstractIncomingMessage) -> None:
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
        with tracer.start_as_current_span(
            f"consume {envelope.type}",
            context=context_from(carrier),
            kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.system": "rabbitmq", "messaging.message.id": envelope.id,
                        "messaging.destination.name": envelope.type, "cloudevents.event_subject":
                        envelope.subject or ""},
        ):
            async with UnitOfWork(sessions, source, clock, after_commit) as uow:
                if not await first_delivery(uow.session, consumer=consumer, event_id=envelope.id,
                                            event_type=envelope.type):
                    return
                await handler(uow, envelope, data)
                await uow.commit()

    return handle


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
