#!/usr/bin/env python3
"""The whole platform as local processes, no Docker: `up`, `down`, `status`, `logs`.

    .venv/bin/python scripts/stack.py up       # migrate + serve the five services, seed credentials
    .venv/bin/python scripts/stack.py status   # processes and /readyz of each service
    .venv/bin/python scripts/stack.py logs -f  # tail the per-service log files
    .venv/bin/python scripts/stack.py down     # stop exactly what `up` started

A second, isolated stack can run next to a developer's `make up` stack:

    scripts/stack.py --state-dir var/e2e --port-base 18001 --db-suffix _e2e --bus-prefix e2e. up

Everything a stack owns lives in its state directory: `pids/` (one JSON record per process, with
its start time so a recycled PID is never signalled), `logs/`, `spans/` (OpenTelemetry spans as
JSON lines), `mail/` (every e-mail notify sends, as .eml), `notices/` (every notice to the worker
notify POSTs to a filing channel, as `<channel>/<notice_id>.json`) and `credentials.json`.

Importable, so end-to-end tests use the same code path:

    stack = start_stack(state_dir=tmp, port_base=18001, db_suffix="_e2e", bus_prefix="e2e.")
    ...; stop_stack(tmp)          # or: with start_stack(...) as stack: ...
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SERVICES: tuple[str, ...] = ("intake", "cases", "credit", "notify", "publish")  # port offsets 0..4
DEFAULT_STATE_DIR = ROOT / "var" / "stack"
DEFAULT_PORT_BASE = 8001
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432"
SMTP_PORT_OFFSET = 24  # port base 8001 -> development SMTP sink on 8025
NOTICE_PORT_OFFSET = 25  # port base 8001 -> development channel-notice sink on 8026
MAIL_SINK = "mail-sink"
NOTICE_SINK = "notice-sink"
SINKS = (MAIL_SINK, NOTICE_SINK)
# R-INT-1 filing channels: notify POSTs notices to the worker to the one that filed the complaint
# (R-INT-2, R-INT-3). The same names as notify's FilingChannel (tests/deploy checks it).
NOTICE_CHANNELS = ("window", "hotline_12333", "sunshine_wage_platform", "wechat_miniprogram",
                   "petition_transfer")
STAFF_ROLES = ("grid_worker", "officer_a", "reviewer_b", "executor_c", "brigade_chief",
               "detachment_chief", "ops")


@dataclass(frozen=True)
class DevKey:
    """A development API key seeded by `up` (`<service>-service issue-key ...`)."""

    service: str
    client: str
    kind: str  # channel | partner
    scopes: tuple[str, ...]


DEV_KEYS: tuple[DevKey, ...] = (
    DevKey("intake", "hotline_12333", "channel", ("complaints:write",)),
)
# A development partner regulator, registered through publish's own API so that its key reads the
# feed (a bare API key without a partner record is refused).
DEV_PARTNER = {"name": "housing_bureau", "agency": "housing_construction", "webhook_url": None,
               "categories": ["penalty_decision"]}


class StackError(RuntimeError):
    """The stack could not be started or stopped; the message says why and where to look."""


@dataclass(frozen=True)
class StackConfig:
    state_dir: Path = DEFAULT_STATE_DIR
    port_base: int = DEFAULT_PORT_BASE
    db_suffix: str = ""
    bus_prefix: str = ""
    services: tuple[str, ...] = SERVICES
    amqp_url: str = DEFAULT_AMQP_URL
    postgres_url: str = DEFAULT_POSTGRES_URL  # the server; each service gets its own database
    host: str = "127.0.0.1"
    smtp_port: int | None = None
    notice_port: int | None = None
    otlp_endpoint: str | None = None
    log_level: str = "INFO"
    extra_env: dict[str, str] = field(default_factory=dict)
    # channel -> `whsec_` secret, shared by notify and the notice sink; never saved in stack.json
    notice_secrets: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        unknown = [s for s in self.services if s not in SERVICES]
        if unknown:
            raise StackError(f"unknown services {unknown}; known: {', '.join(SERVICES)}")
        if self.db_suffix and not self.db_suffix.replace("_", "a").isalnum():
            raise StackError(f"--db-suffix may hold letters, digits and '_' only: {self.db_suffix!r}")
        owner: dict[int, str] = {}
        for name, port in self.ports().items():
            if port in owner:
                raise StackError(f"{name} and {owner[port]} would both listen on port {port}: "
                                 "choose another --smtp-port or --notice-port")
            owner[port] = name

    def ports(self) -> dict[str, int]:
        """Every port the stack may listen on: the five services' (a subset keeps its offsets)
        and the two development sinks'."""
        return {**{s: self.port(s) for s in SERVICES}, MAIL_SINK: self.smtp[1],
                NOTICE_SINK: self.notice_sink[1]}

    def port(self, service: str) -> int:
        return self.port_base + SERVICES.index(service)

    def url(self, service: str) -> str:
        return f"http://{self.host}:{self.port(service)}"

    def database_url(self, service: str) -> str:
        """The server URL with the service's own database (any database in it is replaced)."""
        parts = urllib.parse.urlsplit(self.postgres_url)
        return urllib.parse.urlunsplit(parts._replace(path=f"/{service}{self.db_suffix}"))

    @property
    def smtp(self) -> tuple[str, int]:
        return self.host, self.smtp_port or self.port_base + SMTP_PORT_OFFSET

    @property
    def notice_sink(self) -> tuple[str, int]:
        return self.host, self.notice_port or self.port_base + NOTICE_PORT_OFFSET

    @property
    def notice_sink_url(self) -> str:
        host, port = self.notice_sink
        return f"http://{host}:{port}"

    def notice_url(self, channel: str) -> str:
        """The filing channel's notice endpoint in development: one path per channel on the sink."""
        return f"{self.notice_sink_url}/{channel}"

    def path(self, *parts: str) -> Path:
        return self.state_dir.joinpath(*parts)


def service_environment(config: StackConfig, service: str) -> dict[str, str]:
    """The settings a service process gets (plain env vars named like its settings fields)."""
    port = config.port(service)
    env = {
        "ENVIRONMENT": "development",
        "HOST": config.host,
        "PORT": str(port),
        "PUBLIC_BASE_URL": config.url(service),
        "DATABASE_URL": config.database_url(service),
        "AMQP_URL": config.amqp_url,
        "BUS_PREFIX": config.bus_prefix,
        "TELEMETRY_SPANS_FILE": str(config.path("spans", f"{service}.jsonl")),
        "CLOCK_CONTROL": "true",
        "LOG_LEVEL": config.log_level,
    }
    if config.otlp_endpoint:
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = config.otlp_endpoint
    if service == "notify":
        host, smtp_port = config.smtp
        env |= {"SMTP_HOST": host, "SMTP_PORT": str(smtp_port)}
        if config.notice_secrets:  # plain http is allowed outside production
            env |= {"WORKER_NOTICE_ENDPOINTS": json.dumps(
                        {c: config.notice_url(c) for c in config.notice_secrets}),
                    "WORKER_NOTICE_SECRETS": json.dumps(config.notice_secrets)}
    if service == "publish":
        # Partners in development are plain-HTTP servers on 127.0.0.1.
        env |= {"WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true", "WEBHOOK_REQUIRE_HTTPS": "false"}
    return env | config.extra_env


@dataclass
class ServiceEndpoint:
    name: str
    url: str
    port: int
    database_url: str
    log: Path


@dataclass
class Stack:
    """A running stack, as `start_stack` left it."""

    config: StackConfig
    services: dict[str, ServiceEndpoint]
    smtp_host: str
    smtp_port: int
    mail_dir: Path
    notice_url: str  # the channel-notice sink; a channel's endpoint is <notice_url>/<channel>
    notice_dir: Path  # <notice_dir>/<channel>/<notice_id>.json
    spans_dir: Path
    credentials: dict[str, Any]

    def url(self, service: str) -> str:
        return self.services[service].url

    def api_key(self, client: str) -> str:
        return str(self.credentials["api_keys"][client]["key"])

    def notice_secret(self, channel: str) -> str:
        """The signing secret notify uses for the channel (and the sink verifies with)."""
        return str(self.credentials["worker_notices"]["channels"][channel]["secret"])

    def stop(self, timeout: float = 30.0) -> list[str]:
        return stop_stack(self.config.state_dir, timeout=timeout)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- process records -------------------------------------------------------------------------


@dataclass
class ProcessRecord:
    name: str
    pid: int  # also the process group id: every process starts its own session
    argv: list[str]
    log: str
    start_ticks: int | None  # /proc/<pid>/stat field 22: tells a recycled PID apart
    started_at: float

    @classmethod
    def load(cls, path: Path) -> ProcessRecord | None:
        try:
            return cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            return None


def _start_ticks(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2:].split()[19])


def _state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2:].split()[0]


def is_alive(record: ProcessRecord) -> bool:
    """True when the recorded process still runs (and is the same process, not a recycled PID)."""
    _reap(record.pid)
    if Path("/proc").is_dir():
        state = _state(record.pid)
        if state is None or state in ("Z", "X"):
            return False
        return record.start_ticks is None or _start_ticks(record.pid) == record.start_ticks
    try:
        os.kill(record.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reap(pid: int) -> None:
    """Collect our own exited child (when the stack runs inside a test process)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _records(config: StackConfig) -> dict[str, ProcessRecord]:
    records = {}
    for path in sorted(config.path("pids").glob("*.json")):
        record = ProcessRecord.load(path)
        if record is not None:
            records[record.name] = record
    return records


def _spawn(config: StackConfig, name: str, argv: list[str], env: dict[str, str]) -> ProcessRecord:
    log = config.path("logs", f"{name}.log")
    with log.open("ab") as out:
        out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(argv)}\n".encode())
        out.flush()
        process = subprocess.Popen(
            argv, env={**os.environ, **env}, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True)
    record = ProcessRecord(name, process.pid, argv, str(log), _start_ticks(process.pid), time.time())
    config.path("pids", f"{name}.json").write_text(json.dumps(asdict(record), indent=2) + "\n")
    return record


def _signal_group(record: ProcessRecord, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(record.pid, sig)


def _stop_records(config: StackConfig, records: Sequence[ProcessRecord], timeout: float) -> list[str]:
    """SIGTERM each process group (graceful shutdown), SIGKILL what is left after `timeout`."""
    live = [r for r in records if is_alive(r)]
    for record in live:
        _signal_group(record, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(is_alive(r) for r in live) and time.monotonic() < deadline:
        time.sleep(0.1)
    for record in live:
        if is_alive(record):
            _signal_group(record, signal.SIGKILL)
    for record in live:
        while is_alive(record) and time.monotonic() < deadline + 5:
            time.sleep(0.05)
    for record in records:
        config.path("pids", f"{record.name}.json").unlink(missing_ok=True)
    return [r.name for r in live]


@contextlib.contextmanager
def _locked(config: StackConfig) -> Iterator[None]:
    """One `up`/`down` at a time per state directory."""
    import fcntl

    config.state_dir.mkdir(parents=True, exist_ok=True)
    with config.path(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# --- helpers ---------------------------------------------------------------------------------


def _executable(name: str) -> str:
    """`<svc>-service` from the interpreter's own environment (the workspace venv)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise StackError(f"{name} not found: run `make install` (uv sync --all-packages) first")
    return found


def free_port_base(host: str = "127.0.0.1") -> int:
    """A port base whose every stack port is free now, for tests and benchmarks that run their own
    stack. Drawn below the kernel's ephemeral range (32768 up), where the outgoing connections of
    everything else on the machine take their local ports and could take one between the check
    and the bind."""
    for _ in range(100):
        config = StackConfig(port_base=random.randrange(20001, 32601, 100))
        if all(port_free(host, p) for p in config.ports().values()):
            return config.port_base
    raise StackError("no free block of ports between 20001 and 32700")


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _http_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http://host
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None


def _smtp_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            return sock.recv(64).startswith(b"220")
    except OSError:
        return False


def tail(path: Path | str, lines: int = 30) -> str:
    try:
        with Path(path).open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 64 * 1024))
            return b"\n".join(handle.read().splitlines()[-lines:]).decode(errors="replace")
    except OSError:
        return ""


def _run(config: StackConfig, service: str, *args: str, timeout: float = 120) -> str:
    """Run `<svc>-service <args>` to completion with the service's environment; its stdout."""
    argv = [_executable(f"{service}-service"), *args]
    log = config.path("logs", f"{service}.log")
    result = subprocess.run(
        argv, env={**os.environ, **service_environment(config, service)}, cwd=ROOT,
        capture_output=True, text=True, timeout=timeout, check=False)
    with log.open("a") as out:
        out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {service}-service {args[0]}\n")
        out.write(result.stderr)
        if args[0] != "issue-key":  # never write a key's plaintext to a log
            out.write(result.stdout)
    if result.returncode != 0:
        raise StackError(f"`{service}-service {' '.join(args)}` failed (exit {result.returncode}):\n"
                         f"{(result.stderr or result.stdout).strip()[-3000:]}")
    return result.stdout


def _migrate_all(config: StackConfig, services: Sequence[str]) -> None:
    """Create each database and apply migrations (in parallel: they are independent)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, len(services))) as pool:
        futures = {s: pool.submit(_run, config, s, "migrate") for s in services}
        errors = []
        for service, future in futures.items():
            try:
                future.result()
            except (StackError, subprocess.TimeoutExpired) as exc:
                errors.append(f"[{service}] {exc}")
    if errors:
        raise StackError("migration failed:\n" + "\n".join(errors))


def _wait_ready(config: StackConfig, records: dict[str, ProcessRecord], timeout: float) -> None:
    pending = set(records)
    deadline = time.monotonic() + timeout
    while pending:
        for name in sorted(pending):
            record = records[name]
            if not is_alive(record):
                raise StackError(f"{name} exited during start-up; last lines of {record.log}:\n"
                                 f"{tail(record.log)}")
            if name == MAIL_SINK:
                ready = _smtp_answers(*config.smtp)
            elif name == NOTICE_SINK:
                ready = _http_status(f"{config.notice_sink_url}/healthz") == 200
            else:
                ready = _http_status(f"{config.url(name)}/readyz") == 200
            if ready:
                pending.discard(name)
        if pending and time.monotonic() > deadline:
            details = "\n".join(f"--- {n}: {records[n].log}\n{tail(records[n].log, 15)}"
                                for n in sorted(pending))
            raise StackError(f"not ready after {timeout:.0f}s: {', '.join(sorted(pending))}\n{details}")
        if pending:
            time.sleep(0.25)


def _register_partner(config: StackConfig) -> dict[str, Any]:
    """POST /v1/partners as ops; the name gets a suffix so that a re-seeded stack never collides."""
    from labor_runtime.security import mint_token
    from labor_runtime.settings import DEV_JWT_SECRET

    token = mint_token(DEV_JWT_SECRET, subject="stack-seed", roles=["ops"], name="stack-seed")
    body = {**DEV_PARTNER, "name": f"{DEV_PARTNER['name']}-{time.strftime('%Y%m%d%H%M%S')}"}
    request = urllib.request.Request(  # noqa: S310 - http(s) URL of our own service
        f"{config.url('publish')}/v1/partners", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            created = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise StackError(f"could not register the development partner: {exc.read().decode()}") from exc
    return {"service": "publish", "url": config.url("publish"), "kind": "partner",
            "partner_id": created["id"], "scopes": ["feed: " + ", ".join(created["categories"])],
            "key": created["api_key"], "header": "X-API-Key"}


def _seed_credentials(config: StackConfig) -> dict[str, Any]:
    api_keys: dict[str, Any] = {}
    for key in DEV_KEYS:
        if key.service not in config.services:
            continue
        args = ["issue-key", "--client", key.client, "--kind", key.kind]
        for scope in key.scopes:
            args += ["--scope", scope]
        plaintext = _run(config, key.service, *args).strip().splitlines()[-1]
        api_keys[key.client] = {"service": key.service, "url": config.url(key.service),
                                "kind": key.kind, "scopes": list(key.scopes), "key": plaintext,
                                "header": "X-API-Key"}
    if "publish" in config.services:
        api_keys[DEV_PARTNER["name"]] = _register_partner(config)
    host, smtp_port = config.smtp
    return {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "services": {s: {"url": config.url(s), "database_url": config.database_url(s)}
                     for s in config.services},
        "api_keys": api_keys,
        "staff_tokens": {
            "how": "make token ROLE=officer_a DISTRICT=d01  (labor-ops token --role officer_a "
                   "--district d01); DISTRICT=city for the city detachment; detachment_chief and "
                   "ops are city-wide without one",
            "roles": list(STAFF_ROLES),
            "signing_key": "the development default of AUTH_JWT_KEY",
        },
        "smtp": {"host": host, "port": smtp_port, "mail_dir": str(config.path("mail"))},
        "worker_notices": _notice_credentials(config),
        "amqp_url": config.amqp_url,
        "bus_prefix": config.bus_prefix,
    }


def _notice_credentials(config: StackConfig) -> dict[str, Any]:
    return {"sink": config.notice_sink_url, "notice_dir": str(config.path("notices")),
            "channels": {c: {"url": config.notice_url(c), "secret": secret}
                         for c, secret in config.notice_secrets.items()}}


def _notice_secrets(config: StackConfig) -> dict[str, str]:
    """One signing secret per filing channel: those of the last `up` (credentials.json), so that
    a restarted notify or sink keeps matching the other; a new one for a channel without."""
    from labor_runtime.webhooks import new_secret, secret_key

    saved: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        saved = json.loads(config.path("credentials.json").read_text())["worker_notices"]["channels"]
    secrets = {}
    for channel in NOTICE_CHANNELS:
        try:
            secret = str(saved[channel]["secret"])
            secret_key(secret)
        except (KeyError, TypeError, ValueError):
            secret = new_secret()
        secrets[channel] = secret
    return secrets


def _stack(config: StackConfig, credentials: dict[str, Any]) -> Stack:
    host, smtp_port = config.smtp
    return Stack(
        config=config,
        services={s: ServiceEndpoint(s, config.url(s), config.port(s), config.database_url(s),
                                     config.path("logs", f"{s}.log")) for s in config.services},
        smtp_host=host, smtp_port=smtp_port, mail_dir=config.path("mail"),
        notice_url=config.notice_sink_url, notice_dir=config.path("notices"),
        spans_dir=config.path("spans"), credentials=credentials)


# --- the API ---------------------------------------------------------------------------------


def start_stack(
    state_dir: Path | str = DEFAULT_STATE_DIR,
    port_base: int = DEFAULT_PORT_BASE,
    db_suffix: str = "",
    bus_prefix: str = "",
    *,
    services: Sequence[str] = SERVICES,
    amqp_url: str = DEFAULT_AMQP_URL,
    postgres_url: str = DEFAULT_POSTGRES_URL,
    smtp_port: int | None = None,
    notice_port: int | None = None,
    otlp_endpoint: str | None = None,
    log_level: str = "INFO",
    extra_env: dict[str, str] | None = None,
    timeout: float = 120.0,
    seed: bool = True,
    echo: bool = False,
) -> Stack:
    """Start (or complete) a stack: migrate, serve, wait for /readyz, seed credentials.

    Processes already running from this state directory are kept; on failure, what this call
    started is stopped again and a StackError says why (with the log's last lines).
    """
    config = StackConfig(Path(state_dir).resolve(), port_base, db_suffix, bus_prefix,
                         tuple(services), amqp_url, postgres_url, smtp_port=smtp_port,
                         notice_port=notice_port, otlp_endpoint=otlp_endpoint,
                         log_level=log_level, extra_env=dict(extra_env or {}))
    say = print if echo else (lambda *_a, **_k: None)
    for sub in ("pids", "logs", "spans", "mail", "notices"):
        config.path(sub).mkdir(parents=True, exist_ok=True)
    with _locked(config):
        config = replace(config, notice_secrets=_notice_secrets(config))
        running = {n: r for n, r in _records(config).items() if is_alive(r)}
        wanted = [*SINKS, *config.services]
        missing = [n for n in wanted if n not in running]
        if not missing and config.path("credentials.json").exists():
            say("stack already running")
            saved = _load_config(config.state_dir)  # its ports and names, whatever was asked now
            return _stack(saved or config, json.loads(config.path("credentials.json").read_text()))
        _save_config(config)
        busy = [f"{n} port {p}" for n, p in config.ports().items()
                if n in missing and not port_free(config.host, p)]
        if busy:
            raise StackError(f"ports in use: {', '.join(busy)}. Another stack running? "
                             "Stop it (`make down`) or choose another --port-base.")
        to_migrate = [s for s in config.services if s in missing]
        if to_migrate:
            say(f"migrating {', '.join(to_migrate)} ...")
            _migrate_all(config, to_migrate)
        started: dict[str, ProcessRecord] = {}
        try:
            if MAIL_SINK in missing:
                host, port = config.smtp
                started[MAIL_SINK] = _spawn(config, MAIL_SINK, [
                    sys.executable, str(Path(__file__).resolve()), "mail-sink", "--host", host,
                    "--port", str(port), "--dir", str(config.path("mail"))], {})
            if NOTICE_SINK in missing:
                host, port = config.notice_sink
                started[NOTICE_SINK] = _spawn(config, NOTICE_SINK, [  # secrets: env, not argv
                    sys.executable, str(Path(__file__).resolve()), "notice-sink", "--host", host,
                    "--port", str(port), "--dir", str(config.path("notices"))],
                    {"WORKER_NOTICE_SECRETS": json.dumps(config.notice_secrets)})
            for service in to_migrate:
                say(f"starting {service} on {config.url(service)}")
                started[service] = _spawn(config, service,
                                          [_executable(f"{service}-service"), "serve"],
                                          service_environment(config, service))
            _wait_ready(config, started, timeout)
            credentials = (_seed_credentials(config) if seed
                           else {"worker_notices": _notice_credentials(config)})
        except BaseException:
            _stop_records(config, list(started.values()), timeout=15)
            raise
        path = config.path("credentials.json")
        path.write_text(json.dumps(credentials, indent=2, ensure_ascii=False) + "\n")
        path.chmod(0o600)
        return _stack(config, credentials)


def stop_stack(state_dir: Path | str = DEFAULT_STATE_DIR, timeout: float = 30.0,
               purge: bool = False) -> list[str]:
    """Stop the processes recorded in the state directory (services first, then the sinks);
    returns the names of those that were still running.

    `purge` also drops the stack's databases and, when it has a bus prefix of its own, deletes
    its exchanges and queues (a stack without a prefix shares the default names: left alone).
    """
    config = StackConfig(Path(state_dir).resolve())
    if not config.state_dir.exists():
        return []
    with _locked(config):
        records = _records(config)
        services = [r for n, r in records.items() if n not in SINKS]
        stopped = _stop_records(config, services, timeout)
        stopped += _stop_records(config, [r for n, r in records.items() if n in SINKS], timeout)
        if purge and (saved := _load_config(config.state_dir)) is not None:
            import asyncio

            asyncio.run(_purge(saved))
        return stopped


def recorded_stack(state_dir: Path | str = DEFAULT_STATE_DIR) -> Stack | None:
    """The stack `up` recorded in this state directory, as it was started (its ports, database
    suffix, bus prefix and credentials), or None when it holds none."""
    state = Path(state_dir).resolve()
    config = _load_config(state)
    try:
        credentials = json.loads((state / "credentials.json").read_text())
    except (OSError, ValueError):
        return None
    return None if config is None else _stack(config, credentials)


def _save_config(config: StackConfig) -> None:
    """Remember what this state directory's stack owns (for `down --purge`)."""
    previous = _load_config(config.state_dir)
    earlier = [s for s in (previous.services if previous else ()) if s not in config.services]
    data = {**asdict(config), "state_dir": str(config.state_dir),
            "services": [*config.services, *earlier], "extra_env": {}, "notice_secrets": {}}
    config.path("stack.json").write_text(json.dumps(data, indent=2) + "\n")


def _load_config(state_dir: Path) -> StackConfig | None:
    try:
        data = json.loads((state_dir / "stack.json").read_text())
    except (OSError, ValueError):
        return None
    return StackConfig(**{**data, "state_dir": Path(data["state_dir"]), "services": tuple(data["services"])})


async def _purge(config: StackConfig) -> None:
    from labor_runtime.bus import remove_namespace
    from labor_runtime.db import drop_database

    for service in config.services:
        await drop_database(config.database_url(service))
    if config.bus_prefix:
        await remove_namespace(config.amqp_url, config.bus_prefix, config.services)


@dataclass
class ProcessStatus:
    name: str
    pid: int | None
    running: bool
    url: str | None
    ready: bool | None
    log: str


def stack_status(state_dir: Path | str = DEFAULT_STATE_DIR) -> list[ProcessStatus]:
    config = StackConfig(Path(state_dir).resolve())
    credentials = {}
    with contextlib.suppress(OSError, ValueError):
        credentials = json.loads(config.path("credentials.json").read_text())
    urls = {name: info["url"] for name, info in credentials.get("services", {}).items()}
    statuses = []
    for name, record in _records(config).items():
        running = is_alive(record)
        url = urls.get(name)
        ready: bool | None = None
        if running and url:
            ready = _http_status(f"{url}/readyz") == 200
        elif running and name == MAIL_SINK and "smtp" in credentials:
            url = f"smtp://{credentials['smtp']['host']}:{credentials['smtp']['port']}"
            ready = _smtp_answers(credentials["smtp"]["host"], credentials["smtp"]["port"])
        elif running and name == NOTICE_SINK and "worker_notices" in credentials:
            url = credentials["worker_notices"]["sink"]
            ready = _http_status(f"{url}/healthz") == 200
        statuses.append(ProcessStatus(name, record.pid, running, url, ready, record.log))
    order = {n: i for i, n in enumerate((*SERVICES, *SINKS))}
    return sorted(statuses, key=lambda s: order.get(s.name, 99))


# --- development SMTP sink -------------------------------------------------------------------


def run_mail_sink(host: str, port: int, directory: Path) -> None:
    """A real SMTP server (aiosmtpd) saving each message as `<dir>/<time>-<id>.eml`."""
    import threading
    import uuid

    from aiosmtpd.controller import Controller

    directory.mkdir(parents=True, exist_ok=True)

    class SaveToDirectory:
        async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
            name = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
            envelope_headers = (f"X-Envelope-From: {envelope.mail_from}\r\n"
                                f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n").encode()
            partial = directory / f".{name}.part"
            partial.write_bytes(envelope_headers + envelope.original_content)
            partial.rename(directory / name)
            print(f"saved {name} from {envelope.mail_from} to {envelope.rcpt_tos}", flush=True)
            return "250 Message accepted for delivery"

    controller = Controller(SaveToDirectory(), hostname=host, port=port)
    controller.start()
    print(f"SMTP sink on {host}:{port}, saving to {directory}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    controller.stop()


# --- development channel-notice sink ---------------------------------------------------------


NOTICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


def notice_sink_server(host: str, port: int, directory: Path,
                       secrets: Mapping[str, str]) -> ThreadingHTTPServer:
    """Every filing channel's notice endpoint, `POST /<channel>`, as a vendor would run it: the
    Standard Webhooks signature verified with the channel's secret (the reference package), each
    notice saved once as `<dir>/<channel>/<notice_id>.json` (a retry repeats the notice_id)."""
    from standardwebhooks import Webhook

    verifiers = {channel: Webhook(secret) for channel, secret in secrets.items()}
    for channel in verifiers:
        (directory / channel).mkdir(parents=True, exist_ok=True)

    class Handler(BaseHTTPRequestHandler):
        server_version = "labor-notice-sink/1.0"

        def do_GET(self) -> None:
            if self.path == "/healthz":
                self._answer(200, {"status": "ok", "channels": sorted(verifiers)})
            else:
                self._answer(404, {"error": "POST /<channel>; GET /healthz"})

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            channel = urllib.parse.urlsplit(self.path).path.strip("/")
            verifier = verifiers.get(channel)
            if verifier is None:
                self._answer(404, {"error": f"no such channel {channel!r}; "
                                            f"known: {', '.join(sorted(verifiers))}"})
                return
            try:
                verifier.verify(body, dict(self.headers), json_parse=False)
            except Exception as exc:  # any unverifiable POST is refused, as a vendor would
                print(f"refused POST /{channel}: signature not verified ({exc})", flush=True)
                self._answer(401, {"error": f"signature not verified: {exc}"})
                return
            notice_id = self.headers["webhook-id"]
            try:
                notice = json.loads(body)
            except ValueError:
                notice = None
            problem = _notice_problem(channel, notice_id, notice)
            if problem or not isinstance(notice, dict):
                print(f"refused POST /{channel}: {problem}", flush=True)
                self._answer(400, {"error": problem})
                return
            first = _save_notice(directory / channel, notice_id, notice)
            print(f"{'saved' if first else 'again'} {channel}/{notice_id}.json "
                  f"({notice.get('kind')})", flush=True)
            self._answer(200, {"received": notice_id, "channel": channel, "duplicate": not first})

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            reply = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: Any) -> None:
            return None  # one line per notice is printed above; readiness probes stay quiet

    return ThreadingHTTPServer((host, port), Handler)


def _notice_problem(channel: str, notice_id: str, notice: object) -> str | None:
    """Why a verified POST is still not a notice for this channel (400); None when it is."""
    if not isinstance(notice, dict):
        return "the body is not a JSON object"
    if not NOTICE_ID.fullmatch(notice_id):
        return "webhook-id is not a usable notice_id"
    if notice.get("notice_id") != notice_id:
        return "webhook-id differs from the body's notice_id"
    if notice.get("channel") != channel:
        return f"a notice for channel {notice.get('channel')!r} posted to /{channel}"
    return None


def _save_notice(directory: Path, notice_id: str, notice: dict[str, Any]) -> bool:
    """Write the notice unless it is there already; False for a repeat (idempotent on notice_id)."""
    import uuid

    partial = directory / f".{notice_id}.{uuid.uuid4().hex[:8]}.part"
    partial.write_text(json.dumps(notice, ensure_ascii=False, indent=2) + "\n")
    try:
        os.link(partial, directory / f"{notice_id}.json")  # atomic, and never replaces
    except FileExistsError:
        return False
    finally:
        partial.unlink()
    return True


def run_notice_sink(host: str, port: int, directory: Path, secrets: Mapping[str, str]) -> None:
    import threading

    server = notice_sink_server(host, port, directory, secrets)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(f"notice sink on http://{host}:{port}/<channel> ({', '.join(sorted(secrets))}), "
          f"saving to {directory}/<channel>/<notice_id>.json", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.shutdown()
    server.server_close()


# --- command line ----------------------------------------------------------------------------


def _print_summary(stack: Stack) -> None:
    config = stack.config
    print(f"\nstack up (state: {config.state_dir})")
    for name, endpoint in stack.services.items():
        print(f"  {name:<8} {endpoint.url:<24} docs {endpoint.url}/docs   db {endpoint.database_url}")
    print(f"  smtp     smtp://{stack.smtp_host}:{stack.smtp_port:<13} mail saved to {stack.mail_dir}")
    print(f"  notices  {stack.notice_url}/<channel>   worker notices saved to "
          f"{stack.notice_dir}/<channel>/<notice_id>.json")
    print(f"  amqp     {config.amqp_url}  bus prefix {config.bus_prefix or '(none)'}")
    print(f"  spans    {stack.spans_dir}/<service>.jsonl    logs {config.path('logs')}/<service>.log")
    keys = stack.credentials.get("api_keys", {})
    if keys:
        print("\ndevelopment credentials (also in "
              f"{config.path('credentials.json')}):")
        for client, info in keys.items():
            print(f"  {info['kind']} key {client} for {info['service']} "
                  f"({', '.join(info['scopes'])}):\n    X-API-Key: {info['key']}")
    print("  staff token: make token ROLE=officer_a DISTRICT=d01 (or DISTRICT=city)   "
          f"(roles: {', '.join(STAFF_ROLES)})")
    default = config.state_dir == DEFAULT_STATE_DIR.resolve()
    print("\nstop with: make down" + ("" if default else f" STATE_DIR={config.state_dir}"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stack.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    def common(p: argparse.ArgumentParser, defaults: bool) -> None:
        """The stack's identity; accepted before or after the command."""
        def d(value: object) -> object:
            return value if defaults else argparse.SUPPRESS
        p.add_argument("--state-dir", type=Path, default=d(DEFAULT_STATE_DIR),
                       help="where PIDs, logs, spans, mail and credentials go (default var/stack)")
        p.add_argument("--port-base", type=int, default=d(DEFAULT_PORT_BASE),
                       help="port of intake; the others follow (default 8001 -> 8001..8005)")
        p.add_argument("--db-suffix", default=d(""), help="appended to every database name")
        p.add_argument("--bus-prefix", default=d(""), help="prefix of exchange and queue names")

    common(parser, defaults=True)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="migrate and start the services, seed credentials")
    common(up, defaults=False)
    up.add_argument("--services", default=",".join(SERVICES),
                    help="comma-separated subset (default: all five)")
    up.add_argument("--amqp-url", default=os.environ.get("STACK_AMQP_URL", DEFAULT_AMQP_URL))
    up.add_argument("--postgres-url", default=os.environ.get("STACK_POSTGRES_URL", DEFAULT_POSTGRES_URL),
                    help="server URL; database names are the service names plus --db-suffix")
    up.add_argument("--smtp-port", type=int, default=None, help="default: port base + 24")
    up.add_argument("--notice-port", type=int, default=None,
                    help="channel-notice sink; default: port base + 25")
    up.add_argument("--otlp-endpoint", default=os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
    up.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "INFO"))
    up.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="extra setting for every service (repeatable)")
    up.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for /readyz")
    down = sub.add_parser("down", help="stop the processes `up` started")
    common(down, defaults=False)
    down.add_argument("--timeout", type=float, default=30.0)
    down.add_argument("--purge", action="store_true",
                      help="also drop the databases and the bus-prefixed exchanges and queues")
    status = sub.add_parser("status", help="processes and readiness (exit 1 unless all ready)")
    common(status, defaults=False)
    status.add_argument("--json", action="store_true")
    logs = sub.add_parser("logs", help="tail the log files")
    common(logs, defaults=False)
    logs.add_argument("names", nargs="*", help="services (default: all)")
    logs.add_argument("-n", "--lines", type=int, default=50)
    logs.add_argument("-f", "--follow", action="store_true")
    sink = sub.add_parser("mail-sink", help=argparse.SUPPRESS)
    sink.add_argument("--host", default="127.0.0.1")
    sink.add_argument("--port", type=int, required=True)
    sink.add_argument("--dir", type=Path, required=True)
    notices = sub.add_parser("notice-sink", help=argparse.SUPPRESS)  # secrets: WORKER_NOTICE_SECRETS
    notices.add_argument("--host", default="127.0.0.1")
    notices.add_argument("--port", type=int, required=True)
    notices.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args(argv)
    state_dir = args.state_dir.resolve()

    try:
        if args.command == "up":
            extra = dict(item.split("=", 1) for item in args.env)
            stack = start_stack(
                state_dir, args.port_base, args.db_suffix, args.bus_prefix,
                services=[s for s in args.services.split(",") if s], amqp_url=args.amqp_url,
                postgres_url=args.postgres_url, smtp_port=args.smtp_port,
                notice_port=args.notice_port, otlp_endpoint=args.otlp_endpoint,
                log_level=args.log_level, extra_env=extra, timeout=args.timeout, echo=True)
            _print_summary(stack)
        elif args.command == "down":
            stopped = stop_stack(state_dir, timeout=args.timeout, purge=args.purge)
            print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")
        elif args.command == "status":
            statuses = stack_status(state_dir)
            if args.json:
                print(json.dumps([asdict(s) for s in statuses], indent=2))
            elif not statuses:
                print(f"no stack recorded in {state_dir} (start one with `make up`)")
            else:
                print(f"{'name':<11} {'pid':>7}  {'state':<8} {'ready':<6} {'url':<26} log")
                for s in statuses:
                    ready = "-" if s.ready is None else ("yes" if s.ready else "NO")
                    print(f"{s.name:<11} {s.pid or '':>7}  {'running' if s.running else 'DEAD':<8} "
                          f"{ready:<6} {s.url or '':<26} {s.log}")
            return 0 if statuses and all(s.running and s.ready for s in statuses) else 1
        elif args.command == "logs":
            names = args.names or [*SERVICES, *SINKS]
            files = [str(p) for n in names if (p := state_dir / "logs" / f"{n}.log").exists()]
            if not files:
                print(f"no logs in {state_dir / 'logs'}")
                return 1
            tail_argv = ["tail", "-n", str(args.lines), *(["-F"] if args.follow else []), *files]
            with contextlib.suppress(KeyboardInterrupt):
                return subprocess.call(tail_argv)
        elif args.command == "mail-sink":
            run_mail_sink(args.host, args.port, args.dir)
        elif args.command == "notice-sink":
            secrets = json.loads(os.environ.get("WORKER_NOTICE_SECRETS") or "{}")
            if not secrets:
                raise StackError("notice-sink needs WORKER_NOTICE_SECRETS: {channel: whsec_...}")
            run_notice_sink(args.host, args.port, args.dir, secrets)
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
