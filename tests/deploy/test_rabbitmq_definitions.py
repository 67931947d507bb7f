"""deploy/rabbitmq/definitions.json declares exactly what the services' code declares.

The broker refuses a redeclaration with other arguments (PRECONDITION_FAILED), so a queue
imported at boot with arguments other than `ServiceQueues` produces would stop the service
from consuming. Checked twice: against `ServiceQueues(...)` in Python, and on the real broker
(import into a scratch vhost, then declare the way the services do).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import shutil
import subprocess
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import aio_pika
import pytest
from labor_runtime.bus import ServiceQueues, declare

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = ROOT / "deploy" / "rabbitmq" / "definitions.json"
CONSUMERS = ("intake", "cases", "credit", "notify", "publish")


@pytest.fixture(scope="module")
def definitions() -> dict[str, Any]:
    return json.loads(DEFINITIONS.read_text())  # type: ignore[no-any-return]


def _queue(definitions: dict[str, Any], name: str) -> dict[str, Any]:
    found = [q for q in definitions["queues"] if q["name"] == name]
    assert found, f"queue {name} is not declared in {DEFINITIONS.name}"
    return found[0]


def test_the_file_is_generated_from_the_code(definitions_module: ModuleType) -> None:
    assert DEFINITIONS.read_text() == definitions_module.render(), (
        "deploy/rabbitmq/definitions.json is stale: run `make definitions`")


def test_exchanges(definitions: dict[str, Any]) -> None:
    exchanges = {e["name"]: e for e in definitions["exchanges"]}
    events = exchanges["labor.events"]
    assert (events["type"], events["durable"]) == ("topic", True)
    assert events["arguments"] == {"alternate-exchange": "labor.events.unrouted"}
    assert exchanges["labor.events.unrouted"]["type"] == "fanout"
    assert (exchanges["labor.dlx"]["type"], exchanges["labor.dlx"]["durable"]) == ("direct", True)
    assert _queue(definitions, "labor.events.unrouted")["arguments"] == {"x-queue-type": "quorum"}


def test_main_queue_arguments_equal_service_queues(definitions: dict[str, Any], service: str,
                                                   settings_type: Any) -> None:
    defaults = settings_type.model_fields
    queues = ServiceQueues(service=service, event_types=(),
                           retry_delays_ms=tuple(defaults["retry_delays_ms"].get_default(call_default_factory=True)),
                           delivery_limit=defaults["delivery_limit"].get_default())
    main = _queue(definitions, queues.main)
    assert main["durable"] is True and main["auto_delete"] is False
    assert main["arguments"] == queues.main_arguments()
    for attempt, delay in enumerate(queues.retry_delays_ms, start=1):
        assert _queue(definitions, queues.retry(attempt))["arguments"] == queues.retry_arguments(delay)
    assert _queue(definitions, queues.dead_letters)["arguments"] == {"x-queue-type": "quorum"}
    dlq_bindings = [b for b in definitions["bindings"] if b["destination"] == queues.dead_letters]
    assert [(b["source"], b["routing_key"]) for b in dlq_bindings] == [("labor.dlx", queues.main)]


def test_main_queue_bindings_are_the_event_types_the_service_handles(
        definitions: dict[str, Any], service: str, definitions_module: ModuleType) -> None:
    queues = definitions_module.service_queues(service)
    assert queues is not None, f"{service} consumes no events"
    bound = sorted(b["routing_key"] for b in definitions["bindings"]
                   if b["destination"] == queues.main and b["source"] == "labor.events")
    assert bound == sorted(queues.event_types)


def test_development_users_file_has_the_compose_credentials() -> None:
    users = json.loads((ROOT / "deploy/rabbitmq/dev-users.json").read_text())
    user = next(u for u in users["users"] if u["name"] == "labor")
    raw = base64.b64decode(user["password_hash"])
    assert user["hashing_algorithm"] == "rabbit_password_hashing_sha256"
    assert raw[4:] == hashlib.sha256(raw[:4] + b"labor").digest(), "password is labor"
    everything = {"user": "labor", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"}
    assert everything in users["permissions"]
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "amqp://labor:labor@rabbitmq:5672/" in compose


def _rabbitmqctl(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["rabbitmqctl", "-q", *args], input=stdin, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, f"rabbitmqctl {args[0]}: {result.stderr or result.stdout}"
    return result


def _delete_vhost(vhost: str) -> None:
    """Best effort: also after a failed or timed-out add_vhost (the broker may finish it later)."""
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True, timeout=300,
                   check=False)


@pytest.mark.integration
async def test_the_broker_imports_the_file_and_the_services_declare_the_same(
        definitions: dict[str, Any], definitions_module: ModuleType) -> None:
    if shutil.which("rabbitmqctl") is None:
        pytest.fail("rabbitmqctl is needed to import the definitions into a scratch vhost")
    vhost = f"defs-{uuid.uuid4().hex[:8]}"
    scratch = json.loads(json.dumps(definitions).replace('"vhost": "/"', f'"vhost": "{vhost}"'))
    scratch["vhosts"] = [{"name": vhost}]
    try:
        _rabbitmqctl("add_vhost", vhost)
        _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        _rabbitmqctl("import_definitions", "--format", "json", stdin=json.dumps(scratch))
        expected = {q["name"] for q in definitions["queues"]}
        for _ in range(120):  # the import completes asynchronously
            listed = _rabbitmqctl("list_queues", "-p", vhost, "--no-table-headers", "name", "type").stdout
            if {line.split()[0] for line in listed.splitlines() if line.strip()} >= expected:
                break
            await asyncio.sleep(0.25)
        else:
            raise AssertionError(f"queues not imported: {expected} vs\n{listed}")
        assert all(line.split()[1] == "quorum" for line in listed.splitlines() if line.strip())
        connection = await aio_pika.connect(f"amqp://guest:guest@127.0.0.1:5672/{vhost}")
        try:
            for service in CONSUMERS:
                queues = definitions_module.service_queues(service)
                channel = await connection.channel()
                await declare(channel, queues)  # PRECONDITION_FAILED if anything differs
                await channel.close()
        finally:
            await connection.close()
    finally:
        _delete_vhost(vhost)
