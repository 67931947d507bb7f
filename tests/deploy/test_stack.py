"""scripts/stack.py, the launcher behind `make up`: settings it passes, isolation between two
stacks, the channel-notice sink, and a real start and stop of an isolated stack (intake and the
two development sinks)."""

from __future__ import annotations

import asyncio
import json
import os
import smtplib
import time
import uuid
from email.message import EmailMessage
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from labor_runtime.db import drop_database
from labor_runtime.webhooks import new_secret, signed_headers


def _secrets(stack_module: ModuleType) -> dict[str, str]:
    return {channel: new_secret() for channel in stack_module.NOTICE_CHANNELS}


def test_every_variable_the_launcher_sets_is_a_settings_field(stack_module: ModuleType, service: str,
                                                             fields: set[str]) -> None:
    config = stack_module.StackConfig(otlp_endpoint="http://127.0.0.1:4318",
                                      notice_secrets=_secrets(stack_module))
    unknown = set(stack_module.service_environment(config, service)) - fields
    assert not unknown, f"{sorted(unknown)} are not fields of {service}'s settings"


def test_the_launcher_environment_is_valid_for_the_settings(stack_module: ModuleType, service: str,
                                                            port: int, settings_type: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    for field in settings_type.model_fields:
        monkeypatch.delenv(field.upper(), raising=False)
    config = stack_module.StackConfig(state_dir=Path("/tmp/stack"), db_suffix="_dev", bus_prefix="dev.",
                                      notice_secrets=_secrets(stack_module))
    for key, value in stack_module.service_environment(config, service).items():
        monkeypatch.setenv(key, value)
    settings = settings_type()
    assert settings.port == port
    assert settings.database_url.endswith(f"/{service}_dev")
    assert settings.bus_prefix == "dev."
    assert settings.clock_control is True
    assert str(settings.telemetry_spans_file) == f"/tmp/stack/spans/{service}.jsonl"


def test_notify_posts_each_channels_notices_to_the_sink_signed_with_its_secret(
        stack_module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """R-INT-2, R-INT-3 in development: every filing channel has an endpoint on the notice sink
    (plain http, accepted outside production) and the secret the sink verifies with."""
    from notify.settings import NotifySettings
    from notify.worker_notices.rules import FilingChannel

    assert set(stack_module.NOTICE_CHANNELS) == {str(c) for c in FilingChannel}
    for field in NotifySettings.model_fields:
        monkeypatch.delenv(field.upper(), raising=False)
    secrets = _secrets(stack_module)
    config = stack_module.StackConfig(port_base=18001, notice_secrets=secrets)
    for key, value in stack_module.service_environment(config, "notify").items():
        monkeypatch.setenv(key, value)
    settings = NotifySettings()
    assert {str(c): str(url) for c, url in settings.worker_notice_endpoints.items()} == {
        c: f"http://127.0.0.1:18026/{c}" for c in stack_module.NOTICE_CHANNELS}
    assert {str(c): s.get_secret_value() for c, s in settings.worker_notice_secrets.items()} == secrets
    for service in stack_module.SERVICES:
        if service != "notify":
            assert not {k for k in stack_module.service_environment(config, service)
                        if k.startswith("WORKER_NOTICE")}, f"{service} gets no notice secrets"
    assert "whsec_" not in repr(config), "the secrets stay out of reprs and logs"


def test_the_notice_secrets_of_the_last_up_are_reused(stack_module: ModuleType, tmp_path: Path) -> None:
    """A restarted notify or sink must keep verifying each other: the secrets come from
    credentials.json when they are there; a channel without a (valid) one gets a new one."""
    from labor_runtime.webhooks import secret_key

    config = stack_module.StackConfig(state_dir=tmp_path)
    fresh = stack_module._notice_secrets(config)
    assert set(fresh) == set(stack_module.NOTICE_CHANNELS)
    assert all(secret_key(s) for s in fresh.values())
    saved = {**fresh, "window": "whsec_c2hvcnQ="}  # too short: replaced
    credentials = stack_module._notice_credentials(stack_module.StackConfig(
        state_dir=tmp_path, notice_secrets=saved))
    (tmp_path / "credentials.json").write_text(json.dumps({"worker_notices": credentials}))
    again = stack_module._notice_secrets(config)
    assert {c: again[c] == fresh[c] for c in again} == {
        c: c != "window" for c in stack_module.NOTICE_CHANNELS}
    assert secret_key(again["window"])


def test_two_stacks_share_nothing(stack_module: ModuleType) -> None:
    developer = stack_module.StackConfig()
    e2e = stack_module.StackConfig(state_dir=Path("/tmp/e2e"), port_base=18001, db_suffix="_e2e",
                                   bus_prefix="e2e.")
    services = stack_module.SERVICES
    assert [developer.port(s) for s in services] == [8001, 8002, 8003, 8004, 8005]
    assert {developer.port(s) for s in services} & {e2e.port(s) for s in services} == set()
    assert developer.smtp[1] == 8025 and e2e.smtp[1] == 18025
    assert developer.notice_sink[1] == 8026 and e2e.notice_sink[1] == 18026
    assert developer.notice_url("window") == "http://127.0.0.1:8026/window"
    for config in (developer, e2e):
        assert len(set(config.ports().values())) == len(services) + 2, "no two processes share a port"
    assert set(developer.ports().values()) & set(e2e.ports().values()) == set()
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
    for clash in ({"smtp_port": 8004}, {"notice_port": 8025}, {"smtp_port": 8026},
                  {"notice_port": 8001}):
        with pytest.raises(stack_module.StackError, match="would both listen on port"):
            stack_module.StackConfig(**clash)
    assert stack_module.StackConfig(smtp_port=9025, notice_port=9026).ports()["notice-sink"] == 9026


@pytest.fixture
def notice_sink(stack_module: ModuleType, tmp_path: Path) -> Any:
    """The channel-notice sink in this process, on a free port."""
    import threading

    secrets = _secrets(stack_module)
    server = stack_module.notice_sink_server("127.0.0.1", 0, tmp_path / "notices", secrets)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path / "notices", secrets
    finally:
        server.shutdown()
        server.server_close()


def _post_notice(url: str, secret: str, notice: dict[str, Any],
                 notice_id: str | None = None) -> httpx.Response:
    body = json.dumps(notice, ensure_ascii=False)
    headers = signed_headers(secret, notice_id or notice["notice_id"], int(time.time()), body)
    return httpx.post(url, content=body.encode(), headers={**headers,
                                                           "content-type": "application/json"})


def test_the_notice_sink_saves_each_verified_notice_once(notice_sink: Any) -> None:
    """Signed as notify signs (labor_runtime.webhooks), verified with the reference package; a
    retry (same notice_id) is answered 200 again and leaves the saved notice as it was."""
    url, directory, secrets = notice_sink
    assert httpx.get(f"{url}/healthz").status_code == 200
    notice_id = str(uuid.uuid4())
    notice = {"notice_id": notice_id, "kind": "correction_notice", "channel": "hotline_12333",
              "tracking_code": "T-1", "missing": ["identity_proof"], "items": ["身份证明"]}
    first = _post_notice(f"{url}/hotline_12333", secrets["hotline_12333"], notice)
    assert first.status_code == 200
    assert first.json() == {"received": notice_id, "channel": "hotline_12333", "duplicate": False}
    saved = directory / "hotline_12333" / f"{notice_id}.json"
    assert json.loads(saved.read_text(encoding="utf-8")) == notice
    again = _post_notice(f"{url}/hotline_12333", secrets["hotline_12333"], {**notice, "items": []})
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert json.loads(saved.read_text(encoding="utf-8")) == notice, "the first one is kept"
    assert sorted(p.name for p in directory.rglob("*")) == sorted(
        [*secrets, f"{notice_id}.json"]), "one file, no leftovers"


def test_the_notice_sink_refuses_what_it_cannot_verify(notice_sink: Any) -> None:
    url, directory, secrets = notice_sink
    notice = {"notice_id": str(uuid.uuid4()), "kind": "registration_answer", "channel": "window",
              "tracking_code": "T-2", "outcome": "registered"}
    assert _post_notice(f"{url}/window", secrets["hotline_12333"], notice).status_code == 401, \
        "another channel's secret"
    assert _post_notice(f"{url}/window", new_secret(), notice).status_code == 401
    unsigned = httpx.post(f"{url}/window", json=notice)
    assert unsigned.status_code == 401 and "signature" in unsigned.json()["error"]
    assert _post_notice(f"{url}/fax", secrets["window"], notice).status_code == 404
    assert _post_notice(f"{url}/hotline_12333", secrets["hotline_12333"], notice).status_code == 400, \
        "a notice for another channel"
    assert _post_notice(f"{url}/window", secrets["window"], notice,
                        notice_id="../../escape").status_code == 400
    assert not list(directory.rglob("*.json"))


def test_a_recycled_pid_is_not_taken_for_a_stack_process(stack_module: ModuleType) -> None:
    ticks = stack_module._start_ticks(os.getpid())
    record = stack_module.ProcessRecord("x", os.getpid(), [], "", ticks, time.time())
    assert stack_module.is_alive(record)
    record.start_ticks = (ticks or 0) + 1  # same PID, another process
    assert not stack_module.is_alive(record)


@pytest.mark.integration
def test_an_isolated_stack_starts_serves_and_stops(stack_module: ModuleType, infrastructure: Any,
                                                   tmp_path: Path) -> None:
    state = tmp_path / "stack"
    suffix = f"_t{uuid.uuid4().hex[:8]}"
    database_url = stack_module.StackConfig(postgres_url=infrastructure.database_url,
                                            db_suffix=suffix).database_url("intake")
    try:
        stack = stack_module.start_stack(
            state, stack_module.free_port_base(), suffix, f"t{uuid.uuid4().hex[:6]}.", services=("intake",),
            amqp_url=infrastructure.amqp_url, postgres_url=infrastructure.database_url, timeout=90)
        statuses = {s.name: s for s in stack_module.stack_status(state)}
        assert set(statuses) == {"intake", "mail-sink", "notice-sink"}
        assert all(s.running and s.ready for s in statuses.values())
        assert statuses["notice-sink"].url == stack.notice_url

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

        secret = stack.notice_secret("hotline_12333")  # as notify got it, from credentials.json
        assert secret == credentials["worker_notices"]["channels"]["hotline_12333"]["secret"]
        notice = {"notice_id": str(uuid.uuid4()), "kind": "registration_answer",
                  "channel": "hotline_12333", "tracking_code": "T-3", "outcome": "registered"}
        assert _post_notice(f"{stack.notice_url}/hotline_12333", secret, notice).status_code == 200
        assert (stack.notice_dir / "hotline_12333" / f"{notice['notice_id']}.json").is_file()
        assert secret not in (state / "logs" / "notice-sink.log").read_text()
        assert secret not in (state / "pids" / "notice-sink.json").read_text(), "not in argv"

        pids = {s.name: s.pid for s in statuses.values()}
        again = stack_module.start_stack(state, stack.config.port_base, suffix,
                                         stack.config.bus_prefix, services=("intake",),
                                         amqp_url=infrastructure.amqp_url,
                                         postgres_url=infrastructure.database_url)
        assert again.credentials == credentials
        assert {s.name: s.pid for s in stack_module.stack_status(state)} == pids, "nothing restarted"

        stack_module.stop_stack(state)
        restarted = stack_module.start_stack(state, stack.config.port_base, suffix,
                                             stack.config.bus_prefix, services=("intake",),
                                             amqp_url=infrastructure.amqp_url,
                                             postgres_url=infrastructure.database_url, timeout=90)
        assert restarted.credentials["worker_notices"] == credentials["worker_notices"], \
            "a restarted stack signs and verifies notices with the same secrets"
    finally:
        try:
            stopped = stack_module.stop_stack(state, purge=True)
        finally:
            asyncio.run(drop_database(database_url))  # also when the start or the purge failed
    assert sorted(stopped) == ["intake", "mail-sink", "notice-sink"]
    assert stack_module.stack_status(state) == []
    assert stack_module.port_free("127.0.0.1", stack.config.port("intake"))
    assert stack_module.port_free("127.0.0.1", stack.smtp_port)
    assert stack_module.port_free(*stack.config.notice_sink)
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
