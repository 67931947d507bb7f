"""Test support (a pytest plugin): real PostgreSQL and RabbitMQ, isolated per run and per test.

Each test run gets its own RabbitMQ vhost (removed afterwards) and each test its own databases and
bus prefix. Services come from environment variables (TEST_DATABASE_URL, TEST_AMQP_URL); when a
Docker engine answers and none is given, testcontainers starts them instead.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Generic

import httpx
import pytest
from aio_pika.abc import AbstractConnection, AbstractIncomingMessage
from fastapi import FastAPI
from labor_contracts.envelope import Envelope
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from yarl import URL

from labor_runtime.bus import Publisher, connect, declare_exchange, remove_namespace
from labor_runtime.db import drop_database, ensure_database
from labor_runtime.runtime import Runtime, S
from labor_runtime.settings import SettingsT
from labor_runtime.timers import TimerSweeper, unfired_due

DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


def docker_engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@dataclass
class Infrastructure:
    database_url: str  # server URL; tests create their own databases on it
    amqp_url: str  # the run's own vhost
    origin: str


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[Infrastructure]:
    database_url = os.environ.get("TEST_DATABASE_URL")
    amqp_url = os.environ.get("TEST_AMQP_URL")
    containers = []
    origin = "environment"
    if (database_url is None or amqp_url is None) and docker_engine_answers():
        from testcontainers.postgres import PostgresContainer
        from testcontainers.rabbitmq import RabbitMqContainer

        pg = PostgresContainer("postgres:16", driver="asyncpg").start()
        mq = RabbitMqContainer("rabbitmq:4-management").start()
        containers = [pg, mq]
        database_url = database_url or pg.get_connection_url()
        params = mq.get_connection_params()
        amqp_url = amqp_url or f"amqp://guest:guest@{params.host}:{params.port}/"
        origin = "testcontainers"
    database_url = database_url or DEFAULT_DATABASE_URL
    amqp_url = amqp_url or DEFAULT_AMQP_URL
    vhost = f"test-{uuid.uuid4().hex[:10]}"
    use_vhost = origin == "environment" and shutil.which("rabbitmqctl") is not None
    if use_vhost:
        _rabbitmqctl("add_vhost", vhost)
        _rabbitmqctl("set_permissions", "-p", vhost, make_url_user(amqp_url), ".*", ".*", ".*")
        amqp_url = str(URL(amqp_url).with_path("/" + vhost))
    print(f"\n[infrastructure] {origin}: postgres {make_url(database_url).host}, amqp {amqp_url}")
    try:
        yield Infrastructure(database_url, amqp_url, origin)
    finally:
        if use_vhost:
            _rabbitmqctl("delete_vhost", vhost)
        for container in containers:
            container.stop()


def make_url_user(amqp_url: str) -> str:
    return URL(amqp_url).user or "guest"


@asynccontextmanager
async def temporary_database(server_url: str, label: str = "t") -> AsyncIterator[str]:
    """A fresh database on the server, dropped afterwards."""
    url = make_url(server_url).set(database=f"{label}_{uuid.uuid4().hex[:12]}").render_as_string(False)
    await ensure_database(url)
    try:
        yield url
    finally:
        await drop_database(url)


# Every consumer name a test may declare queues for, removed after each test.
TEST_CONSUMERS = ("intake", "cases", "credit", "notify", "publish", "producer", "consumer")


@pytest.fixture
async def bus_prefix(infrastructure: Infrastructure) -> AsyncIterator[str]:
    """A namespace of the test's own on the run's vhost, removed when the test ends."""
    prefix = f"t{uuid.uuid4().hex[:8]}."
    yield prefix
    await remove_namespace(infrastructure.amqp_url, prefix, TEST_CONSUMERS)


class PrivateBroker:
    """A RabbitMQ node of the test's own, on its own port, that a test may stop and restart.

    The machine's broker is shared with `make up` and other runs; restarting it would disturb
    them, so failure tests use a node of their own (same binaries, separate data directory).
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.node = f"t{port}@localhost"
        self.base = Path(tempfile.mkdtemp(prefix="rmq-"))
        shutil.chown(self.base, "rabbitmq", "rabbitmq")
        plugins = self.base / "enabled_plugins"
        plugins.write_text("[].\n")
        shutil.chown(plugins, "rabbitmq", "rabbitmq")

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _env(self) -> dict[str, str]:
        return {
            "HOME": "/var/lib/rabbitmq",
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_DIST_PORT": str(self.port + 20000),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_PID_FILE": str(self.base / "pid"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq"),
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        }

    def _run(self, *args: str) -> None:
        env = [f"{k}={v}" for k, v in self._env().items()]
        subprocess.run(["runuser", "-u", "rabbitmq", "--", "env", *env, *args],
                       check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run("/usr/lib/rabbitmq/bin/rabbitmq-server", "-detached")
        deadline = time.monotonic() + 90
        while True:  # await_startup needs the node registered with epmd first
            try:
                self._run("/usr/lib/rabbitmq/bin/rabbitmqctl", "-n", self.node, "await_startup",
                          "--timeout", "60")
                return
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def stop(self) -> None:
        self._run("/usr/lib/rabbitmq/bin/rabbitmqctl", "-n", self.node, "stop")

    def restart_app(self) -> None:
        """Stop and start the broker application: every connection drops, durable state stays."""
        self._run("/usr/lib/rabbitmq/bin/rabbitmqctl", "-n", self.node, "stop_app")
        self._run("/usr/lib/rabbitmq/bin/rabbitmqctl", "-n", self.node, "start_app")

    def stop_app(self) -> None:
        self._run("/usr/lib/rabbitmq/bin/rabbitmqctl", "-n", self.node, "stop_app")

    def start_app(self) -> None:
        self._run("/usr/lib/rabbitmq/bin/rabbitmqctl", "-n", self.node, "start_app")

    def cleanup(self) -> None:
        with suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture
def private_broker() -> Iterator[PrivateBroker]:
    if shutil.which("runuser") is None or not Path("/usr/lib/rabbitmq/bin/rabbitmq-server").exists():
        pytest.fail("failure tests need a local RabbitMQ installation to start a private node")
    broker = PrivateBroker(port=5700 + os.getpid() % 200)
    broker.start()
    try:
        yield broker
    finally:
        broker.cleanup()


@asynccontextmanager
async def statements_sent(
        source: AsyncEngine | AsyncConnection) -> AsyncIterator[list[tuple[str, Any]]]:
    """The SQL (driver text and parameters) sent inside the block: by every connection of an
    engine, or by one connection only (a running service's workers share its engine)."""
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        sent.append((statement, parameters))

    target = source.sync_engine if isinstance(source, AsyncEngine) else source.sync_connection
    event.listen(target, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(target, "before_cursor_execute", record)


async def plan_of(engine: AsyncEngine, statement: str, parameters: Any) -> str:
    """PostgreSQL's plan for a statement `statements_sent` saw, as EXPLAIN prints it."""
    async with engine.connect() as conn:
        rows = await conn.exec_driver_sql("EXPLAIN " + statement, parameters)
        return "\n".join(str(row[0]) for row in rows)


async def eventually(check: object, timeout: float = 30.0, interval: float = 0.05) -> None:
    """Wait until the async callable `check` returns truthy; fail with its last value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await check()  # type: ignore[operator]
        if last:
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")


@dataclass
class RunningService(Generic[S]):
    app: FastAPI
    runtime: Runtime[S]
    client: httpx.AsyncClient  # bound to the app in-process
    database_url: str


@asynccontextmanager
async def running_service(
    settings_type: type[SettingsT],
    app_factory: Callable[[SettingsT], FastAPI],
    migrations: Path,
    infrastructure: Infrastructure,
    prefix: str,
    *,
    database_url: str | None = None,
    **overrides: Any,
) -> AsyncIterator[RunningService[SettingsT]]:
    """A service in-process on a fresh, migrated database and the run's vhost, with its lifespan
    (consumer, relay, sweeper) started, and an HTTP client for it. With `database_url` (another
    running instance's), it joins that database instead: a second replica of the service."""
    from labor_runtime.migrations import migrate

    async with AsyncExitStack() as stack:
        url = database_url
        if url is None:
            url = await stack.enter_async_context(
                temporary_database(infrastructure.database_url, settings_type.service_name))
            await asyncio.to_thread(migrate, migrations, url)
        options: dict[str, Any] = {
            "database_url": url, "amqp_url": infrastructure.amqp_url, "bus_prefix": prefix,
            "environment": "test", "outbox_poll_seconds": 0.2, "timer_sweep_seconds": 0.2,
            "retry_delays_ms": [100, 200], "publish_timeout_seconds": 5, "clock_control": True,
            **overrides,
        }
        app = app_factory(settings_type(**options))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield RunningService(app, app.state.runtime, client, url)


class Probe:
    """A queue of the test's own bound to the run's exchange: what a service really published."""

    def __init__(self) -> None:
        self.events: list[Envelope] = []
        self.headers: dict[str, dict[str, Any]] = {}
        """The AMQP headers of each event, by event id."""
        self._connection: AbstractConnection | None = None

    async def start(self, amqp_url: str, exchange_name: str, routing_keys: list[str]) -> None:
        self._connection = await connect(amqp_url)
        channel = await self._connection.channel()
        exchange = await declare_exchange(channel, exchange_name)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        for key in routing_keys:
            await queue.bind(exchange, routing_key=key)

        async def collect(message: AbstractIncomingMessage) -> None:
            async with message.process():
                envelope = Envelope.from_bytes(message.body)
                self.headers[envelope.id] = dict(message.headers or {})
                self.events.append(envelope)

        await queue.consume(collect)

    def of(self, event_type: str) -> list[Envelope]:
        return [e for e in self.events if e.type == event_type]

    async def wait_for(self, event_type: str, count: int = 1) -> list[Envelope]:
        async def arrived() -> bool:
            return len(self.of(event_type)) >= count

        await eventually(arrived)
        return self.of(event_type)

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()


async def swept(sweeper: TimerSweeper) -> None:
    """Fire every timer due on the sweeper's clock. The service's own sweeper loop may hold some
    of them at this moment (a sweep passes locked rows by): wait until it has fired them too."""
    async def none_left() -> bool:
        await sweeper.sweep_once()
        async with sweeper.sessions() as session:
            return await unfired_due(session, sweeper.clock.now()) == 0

    await eventually(none_left)


@asynccontextmanager
async def probing(amqp_url: str, exchange_name: str, routing_keys: list[str]
                  ) -> AsyncIterator[Probe]:
    """A Probe listening from now until the block ends."""
    probe = Probe()
    await probe.start(amqp_url, exchange_name, routing_keys)
    try:
        yield probe
    finally:
        await probe.close()


async def publish_events(amqp_url: str, exchange_name: str, *envelopes: Envelope) -> None:
    """Publish through the real exchange, with confirms, as another service's relay does."""
    publisher = Publisher(amqp_url, exchange_name)
    try:
        for envelope in envelopes:
            await publisher.publish_raw(routing_key=envelope.type, body=envelope.to_bytes(),
                                        message_id=envelope.id)
    finally:
        await publisher.close()


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


Answer = tuple[int, dict[str, str]] | tuple[int, dict[str, str], bytes]


class HttpReceiver:
    """An outside system's HTTP endpoint on 127.0.0.1 (a partner's webhook, a channel's notice
    endpoint): records every POST and answers it from the path's script of (status, headers[,
    body]); the last answer of a script repeats, a path without one gets `default`."""

    def __init__(self, default: Answer = (200, {})) -> None:
        self.default = default
        self.requests: list[ReceivedRequest] = []
        self.scripts: dict[str, list[Answer]] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                status, headers, reply = receiver._record(
                    ReceivedRequest(self.path, {k.lower(): v for k, v in self.headers.items()},
                                    body))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def answer(self, path: str, *responses: Answer) -> None:
        """Answer the next requests to `path` with these; afterwards the last one."""
        with self.lock:
            self.scripts[path] = list(responses)

    def at(self, path: str) -> list[ReceivedRequest]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    async def wait_for(self, path: str, count: int, timeout: float = 20.0) -> list[ReceivedRequest]:
        async def enough() -> bool:
            return len(self.at(path)) >= count

        await eventually(enough, timeout=timeout)
        return self.at(path)

    def _record(self, request: ReceivedRequest) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.requests.append(request)
            script = self.scripts.get(request.path, [self.default])
            answer = script.pop(0) if len(script) > 1 else script[0]
        return answer if len(answer) == 3 else (*answer, b"")


def png(width: int = 1, height: int = 1) -> bytes:
    """A real PNG image (white), as a mobile form's signature pad or a camera gives one."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def openapi_cases(operation: Any, examples: int) -> list[Any]:
    """Up to `examples` requests schemathesis generates for one operation of a service's OpenAPI,
    the same on every run (derandomized, no example database): the schema's own examples first."""
    from hypothesis import HealthCheck, Phase, given, settings

    cases: list[Any] = []

    @settings(max_examples=examples, database=None, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    @given(operation.as_strategy())
    def collect(case: Any) -> None:
        cases.append(case)

    collect()
    return cases


# Fuzzing a service's OpenAPI (schemathesis) ----------------------------------------------------

FUZZ_DISTRICT = "d01"
# Where the test clock is moved: shifting time is not under test.
FUZZ_SKIPPED = frozenset({("POST", "/v1/ops/clock")})
CREDENTIAL_HEADERS = ("authorization", "x-api-key")


@dataclass(frozen=True)
class Caller:
    """Who a fuzz run sends requests as, and how many generated requests per operation."""

    name: str
    headers: dict[str, str]
    examples: int  # schema-valid requests per operation
    negatives: int = 0  # invalid requests per operation
    authenticated: bool = True


def staff_bearer(*roles: str, district: str | None, subject: str) -> dict[str, str]:
    from labor_runtime.security import mint_token
    from labor_runtime.settings import DEV_JWT_SECRET

    token = mint_token(DEV_JWT_SECRET, subject=subject, roles=list(roles), district=district)
    return {"Authorization": f"Bearer {token}"}


def fuzz_callers(*, channel_key: str, partner_key: str, examples: int = 1,
                 privileged_examples: int = 6) -> list[Caller]:
    """Each staff role of a district in turn, city-wide staff holding every role (the most
    privileged, so the most examples), a channel's and a partner's key, forged credentials and
    no credentials at all."""
    from labor_runtime.security import STAFF_ROLES

    district_staff = [
        Caller(f"{role} of {FUZZ_DISTRICT}",
               staff_bearer(role, district=FUZZ_DISTRICT, subject=f"fuzz-{role}"), examples)
        for role in sorted(STAFF_ROLES)]
    city = staff_bearer(*sorted(STAFF_ROLES), district=None, subject="fuzz-city")
    forged = {"Authorization": "Bearer " + city["Authorization"].rsplit(".", 1)[0] + ".forged",
              "X-API-Key": "lk_forged_forged"}
    return [*district_staff,
            Caller("city-wide staff", city, privileged_examples, privileged_examples // 2),
            Caller("channel", {"X-API-Key": channel_key}, examples),
            Caller("partner", {"X-API-Key": partner_key}, examples),
            Caller("forged credentials", forged, 1, authenticated=False),
            Caller("anonymous", {}, examples, authenticated=False)]


async def callers_of(service: RunningService[Any], *, channel_scopes: list[str],
                     partner_scopes: list[str], examples: int = 1,
                     privileged_examples: int = 6) -> list[Caller]:
    """`fuzz_callers` with a channel's and a partner's key issued by the service."""
    from labor_runtime.security import issue_api_key

    async with service.runtime.uow() as uow:
        # a channel the bureau knows (R-INT-1), so that filing reaches past the client check
        channel = await issue_api_key(uow.session, client="hotline_12333", kind="channel",
                                      scopes=channel_scopes)
        partner = await issue_api_key(uow.session, client="fuzz-partner", kind="partner",
                                      scopes=partner_scopes)
        await uow.commit()
    return fuzz_callers(channel_key=channel, partner_key=partner, examples=examples,
                        privileged_examples=privileged_examples)


def _shadowed(target: str, path: str, templates: dict[str, Any]) -> bool:
    """Whether a template other than `path` also matches the request path `target`
    (`/v1/complaints/batch` is also a `/v1/complaints/{tracking_code}`)."""
    return any(re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)), target)
               for template in templates if template != path)


def _negative_cases(operation: Any, examples: int) -> list[Any]:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.generation.modes import GenerationMode

    cases: list[Any] = []
    # The caller's credentials replace the generated ones: leaving them out is not the negation
    # under test (the anonymous caller sends none).
    credentials = {"Authorization": "Bearer -", "X-API-Key": "-"}

    @settings(max_examples=examples, database=None, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE, headers=credentials))
    def collect(case: Any) -> None:
        cases.append(case)

    with suppress(Unsatisfiable):  # nothing in the operation can be made invalid
        collect()
    return cases


async def fuzz_openapi(
    service: RunningService[Any],
    callers: list[Caller],
    *,
    known_ids: dict[str, list[str]] | None = None,
) -> list[str]:
    """Every operation of the service's OpenAPI, sent in-process as each caller in turn with
    generated requests (schema-valid, then invalid ones), every answer checked as schemathesis
    checks it; returns the failures (an empty list: none).

    `known_ids` maps a path parameter to ids of objects the test created: every other request
    names one of them, so that generation reaches past 404.

    Checks left out, and why: positive_data_acceptance, since domain rules the schema cannot
    express (a credit code's or identity number's check character) rightly refuse some
    schema-valid requests with 422; ignored_auth re-sends requests synchronously, which cannot
    reach an app served in the test's own event loop, so the forged and anonymous callers check
    the same here: no operation that declares security answers them with success;
    unsupported_method and missing_required_header need schemathesis' coverage phase, and
    tests/runtime/test_openapi_security_and_allow.py covers methods on every path;
    use_after_free needs DELETE operations, which no service has."""
    from schemathesis import openapi
    from schemathesis.checks import (
        allow_header_conformance,
        content_type_conformance,
        negative_data_rejection,
        not_a_server_error,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )
    from schemathesis.core.failures import FailureGroup
    from schemathesis.core.result import Err

    async def ready() -> bool:  # /readyz's documented 503 while the consumer starts is no finding
        return (await service.client.get("/readyz")).status_code == 200

    await eventually(ready)
    positive_checks = [not_a_server_error, status_code_conformance, content_type_conformance,
                       response_headers_conformance, response_schema_conformance]
    negative_checks = [*positive_checks, negative_data_rejection]
    document = service.app.openapi()
    schema = openapi.from_dict(document)
    most = max(caller.examples for caller in callers)
    most_negatives = max(caller.negatives for caller in callers)
    known_ids = known_ids or {}
    failures: list[str] = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures.append(f"not a valid operation: {result.err()}")
            continue
        operation = result.ok()
        method, path = operation.method.upper(), operation.path
        if (method, path) in FUZZ_SKIPPED:
            continue
        secured = bool(document["paths"][path][operation.method.lower()].get("security"))
        positives = openapi_cases(operation, most)
        negatives = _negative_cases(operation, most_negatives) if most_negatives else []
        for caller in callers:
            sent = [(case, positive_checks) for case in positives[:caller.examples]]
            sent += [(case, negative_checks) for case in negatives[:caller.negatives]]
            for number, (case, checks) in enumerate(sent):
                for name in case.path_parameters or {}:
                    if checks is positive_checks and number % 2 == 0 and known_ids.get(name):
                        case.path_parameters[name] = known_ids[name][number // 2 % len(
                            known_ids[name])]
                kwargs = case.as_transport_kwargs(base_url="http://test")
                kwargs.pop("cookies", None)
                if isinstance(kwargs.get("data"), str | bytes):  # a raw body (a CSV file)
                    kwargs["content"] = kwargs.pop("data")
                headers = {k: v for k, v in (kwargs.pop("headers", None) or {}).items()
                           if k.lower() not in CREDENTIAL_HEADERS}
                try:
                    response = await service.client.request(
                        **kwargs, headers={**headers, **caller.headers})
                except Exception as exc:  # the app's 500, raised through the in-process transport
                    failures.append(f"{method} {path} as {caller.name} raised {exc!r}: {kwargs}")
                    continue
                label = f"{method} {path} as {caller.name} -> {response.status_code}"
                if secured and not caller.authenticated and response.status_code < 300:
                    failures.append(f"{label}: answered without valid credentials")
                try:
                    case.validate_response(response, checks=checks)
                except FailureGroup as exc:
                    failures.append(f"{label}: {str(exc)[:600]}")
        target = positives[0].formatted_path
        if _shadowed(target, path, document["paths"]):
            continue  # its Allow rightly names the other template's methods too
        options = await service.client.request("OPTIONS", target)
        try:
            positives[0].validate_response(options, checks=[allow_header_conformance])
        except FailureGroup as exc:
            failures.append(f"OPTIONS {path}: {str(exc)[:600]}")
    return failures


async def fuzz_stateful(service: RunningService[Any], caller: Caller, *, scenarios: int = 10,
                        steps: int = 6, paths: str = "") -> tuple[list[str], list[str]]:
    """Schemathesis' state machine over the OpenAPI links (declared, and those it infers) among
    the operations whose path matches the regex `paths`: sequences such as create a partner,
    then read, update and list it, as `caller`,
    each answer under the same checks as `fuzz_openapi`; returns the calls made (operation and
    status) and the failures. Bounded: `scenarios` sequences of up
    to `steps` calls. The machine runs in a worker thread and sends each request through the
    in-process client on the test's event loop, which the test leaves free meanwhile."""
    from hypothesis import HealthCheck, Phase, settings
    from schemathesis import openapi
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )
    from schemathesis.core.failures import FailureGroup
    from schemathesis.core.transport import Response

    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_headers_conformance, response_schema_conformance]
    loop = asyncio.get_running_loop()
    failures: list[str] = []
    calls: list[str] = []
    document = service.app.openapi()
    # Only the resources whose links the run follows, when the API has many.
    document = {**document, "paths": {path: operations for path, operations in
                                      document["paths"].items() if re.match(paths, path)}}
    machine = openapi.from_dict(document).as_state_machine()

    class Sequences(machine):  # type: ignore[misc, valid-type]
        def call(self, case: Any, **kwargs: Any) -> Response:
            request = case.as_transport_kwargs(base_url="http://test")
            request.pop("cookies", None)
            if isinstance(request.get("data"), str | bytes):
                request["content"] = request.pop("data")
            headers = {k: v for k, v in (request.pop("headers", None) or {}).items()
                       if k.lower() not in CREDENTIAL_HEADERS}
            sent = asyncio.run_coroutine_threadsafe(service.client.request(
                **request, headers={**headers, **caller.headers}), loop)
            response = sent.result(timeout=60)
            calls.append(f"{case.operation.label} -> {response.status_code}")
            return Response.from_any(response)

        def validate_response(self, response: Response, case: Any, *args: Any,
                              **kwargs: Any) -> None:
            try:
                case.validate_response(response, checks=checks)
            except FailureGroup as exc:
                failures.append(f"{case.operation.label} -> {response.status_code}: "
                                f"{str(exc)[:600]}")

    bounded = settings(max_examples=scenarios, stateful_step_count=steps, deadline=None,
                       database=None, derandomize=True, phases=[Phase.generate],
                       suppress_health_check=list(HealthCheck))
    await asyncio.to_thread(Sequences.run, settings=bounded)
    return calls, failures
