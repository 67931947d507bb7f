"""Test support (a pytest plugin): real PostgreSQL and RabbitMQ, isolated per run and per test.

Each test run gets its own RabbitMQ vhost (removed afterwards) and each test its own databases and
bus prefix. Services come from environment variables (TEST_DATABASE_URL, TEST_AMQP_URL); when a
Docker engine answers and none is given, testcontainers starts them instead.
"""

from __future__ import annotations

import asyncio
import os
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
