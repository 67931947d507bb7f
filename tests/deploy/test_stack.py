"""scripts/stack.py, the launcher behind `make up`: settings it passes, isolation between two
stacks, and a real start and stop of an isolated stack (intake and the SMTP sink)."""

from __future__ import annotations

import asyncio
import json
import os
import random
import smtplib
import socket
import time
import uuid
from email.message import EmailMessage
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from labor_runtime.db import drop_database


def test_every_variable_the_launcher_sets_is_a_settings_field(stack_module: ModuleType, service: str,
                                                             fields: set[str]) -> None:
    config = stack_module.StackConfig(otlp_endpoint="http://127.0.0.1:4318")
    unknown = set(stack_module.service_environment(config, service)) - fields
    assert not unknown, f"{sorted(unknown)} are not fields of {service}'s settings"


def test_the_launcher_environment_is_valid_for_the_settings(stack_module: ModuleType, service: str,
                                                            port: int, settings_type: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    for field in settings_type.model_fields:
        monkeypatch.delenv(field.upper(), raising=False)
    config = stack_module.StackConfig(state_dir=Path("/tmp/stack"), db_suffix="_dev", bus_prefix="dev.")
    for key, value in stack_module.service_environment(config, service).items():
        monkeypatch.setenv(key, value)
    settings = settings_type()
    assert settings.port == port
    assert settings.database_url.endswith(f"/{service}_dev")
    assert settings.bus_prefix == "dev."
    assert settings.clock_control is True
    assert str(settings.telemetry_spans_file) == f"/tmp/stack/spans/{service}.jsonl"


def test_two_stacks_share_nothing(stack_module: ModuleType) -> None:
    developer = stack_module.StackConfig()
    e2e = stack_module.StackConfig(state_dir=Path("/tmp/e2e"), port_base=18001, db_suffix="_e2e",
                                   bus_prefix="e2e.")
    services = stack_module.SERVICES
    assert [developer.port(s) for s in services] == [8001, 8002, 8003, 8004, 8005]
    assert {developer.port(s) for s in services} & {e2e.port(s) for s in services} == set()
    assert developer.smtp[1] == 8025 and e2e.smtp[1] == 18025
    assert {developer.database_url(s) for s in services} & {e2e.database_url(s) for s in services} == set()
    for service in services:
        a = stack_module.service_environment(developer, service)
        b = stack_module.service_environment(e2e, service)
        assert a["BUS_PREFIX"] != b["BUS_PREFIX"]
        assert a["TELEMETRY_SPANS_FILE"] != b["TELEMETRY_SPANS_FILE"]


def test_bad_options_are_refused(stack_module: ModuleType) -> None:
    with pytest.raises(stack_module.StackError):
        stack_module.StackConfig(db_suffix="; DROP")
    with pytest.raises(stack_module.StackError):
        stack_module.StackConfig(services=("billing",))


def test_a_recycled_pid_is_not_taken_for_a_stack_process(stack_module: ModuleType) -> None:
    ticks = stack_module._start_ticks(os.getpid())
    record = stack_module.ProcessRecord("x", os.getpid(), [], "", ticks, time.time())
    assert stack_module.is_alive(record)
    record.start_ticks = (ticks or 0) + 1  # same PID, another process
    assert not stack_module.is_alive(record)


def _free_port_base() -> int:
    for _ in range(50):
        base = random.randrange(20000, 29000, 100) + 1
        ports = [base + i for i in range(5)] + [base + 24]
        if all(_port_free(p) for p in ports):
            return base
    raise AssertionError("no free port range")


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.integration
def test_an_isolated_stack_starts_serves_and_stops(stack_module: ModuleType, infrastructure: Any,
                                                   tmp_path: Path) -> None:
    state = tmp_path / "stack"
    suffix = f"_t{uuid.uuid4().hex[:8]}"
    database_url = stack_module.StackConfig(postgres_url=infrastructure.database_url,
                                            db_suffix=suffix).database_url("intake")
    try:
        stack = stack_module.start_stack(
            state, _free_port_base(), suffix, f"t{uuid.uuid4().hex[:6]}.", services=("intake",),
            amqp_url=infrastructure.amqp_url, postgres_url=infrastructure.database_url, timeout=90)
        statuses = {s.name: s for s in stack_module.stack_status(state)}
        assert set(statuses) == {"intake", "mail-sink"}
        assert all(s.running and s.ready for s in statuses.values())

        credentials = json.loads((state / "credentials.json").read_text())
        assert (state / "credentials.json").stat().st_mode & 0o077 == 0, "credentials are private"
        key = credentials["api_keys"]["hotline_12333"]["key"]
        assert key == stack.api_key("hotline_12333")
        url = stack.url("intake") + "/v1/complaints"
        assert httpx.post(url, json={}).status_code == 401
        assert httpx.post(url, json={}, headers={"X-API-Key": key}).status_code == 422, \
            "the seeded key is accepted (the empty body is then refused)"

        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "notify@test", "worker@test", "送达"
        message.set_content("your document")
        with smtplib.SMTP(stack.smtp_host, stack.smtp_port) as smtp:
            smtp.send_message(message)
        saved = list(stack.mail_dir.glob("*.eml"))
        assert len(saved) == 1 and b"X-Envelope-To: worker@test" in saved[0].read_bytes()

        pids = {s.name: s.pid for s in statuses.values()}
        again = stack_module.start_stack(state, stack.config.port_base, suffix,
                                         stack.config.bus_prefix, services=("intake",),
                                         amqp_url=infrastructure.amqp_url,
                                         postgres_url=infrastructure.database_url)
        assert again.credentials == credentials
        assert {s.name: s.pid for s in stack_module.stack_status(state)} == pids, "nothing restarted"
    finally:
        try:
            stopped = stack_module.stop_stack(state, purge=True)
        finally:
            asyncio.run(drop_database(database_url))  # also when the start or the purge failed
    assert sorted(stopped) == ["intake", "mail-sink"]
    assert stack_module.stack_status(state) == []
    assert _port_free(stack.config.port("intake")) and _port_free(stack.smtp_port)
    assert not asyncio.run(_database_exists(infrastructure.database_url, f"intake{suffix}")), \
        "down --purge drops the stack's databases"


async def _database_exists(server_url: str, name: str) -> bool:
    import asyncpg
    from labor_runtime.db import asyncpg_dsn

    connection = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        return bool(await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await connection.close()
