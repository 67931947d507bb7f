"""W3C trace context helpers: what producers store and consumers continue from.

Work done after the transaction that caused it (a deadline firing, a delivery worked by a
worker) keeps that transaction's `traceparent` in its row and runs in a span `continued` from it,
so what it emits belongs to the trace of its cause.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

log = logging.getLogger(__name__)

_propagator = TraceContextTextMapPropagator()
_ids = RandomIdGenerator()

UNEXPORTED = TracerProvider().get_tracer("labor_runtime")
"""A tracer whose spans have ids but go nowhere: for loops built without their service's tracer
(tests), so what they emit still continues the trace of its cause."""


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def new_root_traceparent(reason: str) -> str:
    """The traceparent of a new root span, for an event emitted with no trace current."""
    traceparent = f"00-{_ids.generate_trace_id():032x}-{_ids.generate_span_id():016x}-01"
    log.debug("no trace current for %s: starting the new trace %s", reason, traceparent)
    return traceparent


def context_from(headers: Mapping[str, Any]) -> otel_context.Context:
    carrier = {k.lower(): str(v) for k, v in headers.items() if isinstance(v, str | bytes)}
    return _propagator.extract(carrier)


@contextmanager
def continued(tracer: trace.Tracer, traceparent: str | None, name: str,
              attributes: Mapping[str, str] | None = None) -> Iterator[trace.Span]:
    """A span current during the block, a child of `traceparent` (the stored trace of the work's
    cause), or the root of a new trace when the cause kept none; never a child of whatever span
    happens to be current (a loop's previous item)."""
    parent = context_from({"traceparent": traceparent}) if traceparent else otel_context.Context()
    with tracer.start_as_current_span(name, context=parent, attributes=attributes) as span:
        yield span
