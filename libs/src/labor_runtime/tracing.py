"""W3C trace context helpers: what producers store and consumers continue from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_propagator = TraceContextTextMapPropagator()


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def context_from(headers: Mapping[str, Any]) -> otel_context.Context:
    carrier = {k.lower(): str(v) for k, v in headers.items() if isinstance(v, str | bytes)}
    return _propagator.extract(carrier)
