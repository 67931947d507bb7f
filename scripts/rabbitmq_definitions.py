#!/usr/bin/env python3
"""Write `deploy/rabbitmq/definitions.json` from what the services' code declares.

Each consuming service's `ServiceQueues` comes from its own app (`create_app(settings)` ->
`app.state.runtime.queues`, with the default settings and no bus prefix), so the broker's
boot-time definitions (Docker host, Kubernetes cluster) carry exactly the arguments and bindings
that `labor_runtime.bus.declare` declares: the two must be equal, or a declaration fails with
PRECONDITION_FAILED. `tests/deploy` checks that the committed file matches.

    .venv/bin/python scripts/rabbitmq_definitions.py [--check] [--output PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from labor_runtime.bus import UNROUTED_SUFFIX, ServiceQueues

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "deploy" / "rabbitmq" / "definitions.json"
SERVICES = ("intake", "cases", "credit", "notify", "publish")
VHOST = "/"


def settings_class(service: str) -> type[Any]:
    module = importlib.import_module(f"{service}.settings")
    return getattr(module, f"{service.capitalize()}Settings")  # type: ignore[no-any-return]


@contextlib.contextmanager
def _without_settings_env(settings_type: type[Any]) -> Iterator[None]:
    """Defaults only: a developer's exported BUS_PREFIX or RETRY_DELAYS_MS must not leak in."""
    names = {name.upper() for name in settings_type.model_fields}
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.upper() in names}
    try:
        yield
    finally:
        os.environ.update(saved)


def service_queues(service: str) -> ServiceQueues | None:
    """The queues the service consumes from with its default settings; None if it consumes none."""
    settings_type = settings_class(service)
    app_module = importlib.import_module(f"{service}.app")
    with _without_settings_env(settings_type):
        settings = settings_type(bus_prefix="", environment="development")
    app = app_module.create_app(settings)
    runtime = app.state.runtime
    if not runtime.handlers:
        return None
    queues: ServiceQueues = runtime.queues
    return queues


def _exchange(name: str, kind: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "vhost": VHOST, "type": kind, "durable": True, "auto_delete": False,
            "internal": False, "arguments": arguments or {}}


def _queue(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "vhost": VHOST, "durable": True, "auto_delete": False,
            "arguments": arguments}


def _binding(source: str, queue: str, routing_key: str) -> dict[str, Any]:
    return {"source": source, "vhost": VHOST, "destination": queue, "destination_type": "queue",
            "routing_key": routing_key, "arguments": {}}


def definitions(all_queues: list[ServiceQueues]) -> dict[str, Any]:
    """Topology only (no users: those come from the deployment's own secret)."""
    first = all_queues[0]
    exchange, unrouted, dlx = first.exchange, first.exchange + UNROUTED_SUFFIX, first.dead_letter_exchange
    exchanges = [_exchange(unrouted, "fanout"),
                 _exchange(exchange, "topic", {"alternate-exchange": unrouted}),
                 _exchange(dlx, "direct")]
    queues = [_queue(unrouted, {"x-queue-type": "quorum"})]
    bindings = [_binding(unrouted, unrouted, unrouted)]
    for q in all_queues:
        if (q.exchange, q.dead_letter_exchange) != (exchange, dlx):
            raise SystemExit(f"{q.service} uses another exchange ({q.exchange}, {q.dead_letter_exchange})")
        queues.append(_queue(q.dead_letters, {"x-queue-type": "quorum"}))
        bindings.append(_binding(dlx, q.dead_letters, q.main))
        for attempt, delay in enumerate(q.retry_delays_ms, start=1):
            queues.append(_queue(q.retry(attempt), q.retry_arguments(delay)))
        queues.append(_queue(q.main, q.main_arguments()))
        bindings += [_binding(exchange, q.main, event_type) for event_type in sorted(q.event_types)]
    return {"vhosts": [{"name": VHOST}], "exchanges": exchanges, "queues": queues,
            "bindings": bindings}


def render(services: tuple[str, ...] = SERVICES) -> str:
    found = [q for s in services if (q := service_queues(s)) is not None]
    return json.dumps(definitions(found), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date: run `make definitions`", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
