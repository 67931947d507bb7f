"""Traces, metrics and JSON logs for one service (OpenTelemetry, Prometheus text format)."""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class JsonLinesSpanExporter(SpanExporter):
    """Appends finished spans to a file, one JSON object a line (development and tests)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = []
        for span in spans:
            ctx = span.get_span_context()
            if ctx is None:
                continue
            lines.append(json.dumps({
                "service": span.resource.attributes.get("service.name"),
                "name": span.name,
                "trace_id": format(ctx.trace_id, "032x"),
                "span_id": format(ctx.span_id, "016x"),
                "parent_id": format(span.parent.span_id, "016x") if span.parent else None,
                "start": span.start_time,
                "end": span.end_time,
                "attributes": {k: str(v) for k, v in (span.attributes or {}).items()},
            }))
        with self._lock, self.path.open("a") as out:
            out.write("".join(line + "\n" for line in lines))
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


def tracer_provider(service: str, *, otlp_endpoint: str | None, spans_file: Path | None) -> TracerProvider:
    """A provider of this service's own (not the process-global one: tests run several services)."""
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(
            endpoint=otlp_endpoint.rstrip("/") + "/v1/traces")))
    if spans_file is not None:
        provider.add_span_processor(BatchSpanProcessor(JsonLinesSpanExporter(spans_file),
                                                       schedule_delay_millis=200))
    return provider


class Metrics:
    """The metrics every service exports; services add their own to `registry`."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.http_requests = Counter("http_requests", "HTTP requests", ["method", "route", "status"],
                                     registry=r)
        self.http_latency = Histogram("http_request_duration_seconds", "HTTP latency", ["route"], registry=r)
        self.events_published = Counter("events_published", "events confirmed by the broker", registry=r)
        self.events_consumed = Counter("events_consumed", "consumed messages by outcome", ["outcome"],
                                       registry=r)
        self.outbox_backlog = Gauge("outbox_backlog", "events committed but not yet confirmed", registry=r)
        self.outbox_oldest = Gauge("outbox_oldest_seconds", "age of the oldest unsent event", registry=r)
        self.deadlines_fired = Counter("deadlines_overdue", "deadlines that passed unmet", ["kind"],
                                       registry=r)
        self.deadlines_open_overdue = Gauge("deadlines_open_overdue", "open deadlines past due",
                                            ["kind"], registry=r)
        self.consumer_up = Gauge("consumer_connected", "1 while consuming from the broker", registry=r)
        self.info = Gauge("service_info", "service identity", ["service"], registry=r)
        self.info.labels(service=service).set(1)


class JsonLogFormatter(logging.Formatter):
    """One JSON object a line, with the active trace id; never the message arguments' repr of PII."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        ctx = trace.get_current_span().get_span_context()
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if ctx.is_valid:
            entry["trace_id"] = format(ctx.trace_id, "032x")
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(service: str, level: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonLogFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request's full URL at INFO, and some outside APIs take credentials in the
    # query (WeChat's appsecret and access_token, DingTalk's access_token): never at INFO.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
