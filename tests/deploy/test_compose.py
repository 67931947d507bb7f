"""docker-compose.yml against the code: services, ports, settings names, health, start order."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICE_NAMES = ("intake", "cases", "credit", "notify", "publish")
_INTERPOLATION = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}")


def _interpolate(value: Any) -> Any:
    """Compose's `${VAR:-default}` as it resolves with nothing exported in the shell."""
    return _INTERPOLATION.sub(lambda m: m.group(2) or "", value) if isinstance(value, str) else value


def _ports(service: dict[str, Any]) -> set[tuple[int, int]]:
    mapped = set()
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            mapped.add((int(entry["published"]), int(entry["target"])))
        else:
            parts = str(entry).split(":")
            mapped.add((int(parts[-2]) if len(parts) > 1 else int(parts[-1]), int(parts[-1])))
    return mapped


def _environment(service: dict[str, Any]) -> dict[str, Any]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {key: _interpolate(value) for key, value in env.items()}


def test_every_service_runs_its_image_on_its_port(compose: dict[str, Any], service: str,
                                                 port: int) -> None:
    spec = compose["services"][service]
    assert (port, port) in _ports(spec)
    assert spec["build"]["context"] == "."
    assert spec["build"]["dockerfile"] == f"services/{service}/Dockerfile"
    assert spec["command"] == [f"{service}-service", "serve"]
    environment = _environment(spec)
    assert environment["PORT"] == str(port)
    assert environment["HOST"] == "0.0.0.0"  # noqa: S104 - inside the container
    assert environment["DATABASE_URL"].endswith(f"@postgres:5432/{service}")
    assert environment["AMQP_URL"].endswith("@rabbitmq:5672/")


def test_every_environment_variable_is_a_settings_field(compose: dict[str, Any], service: str,
                                                       fields: set[str]) -> None:
    for name in (service, f"{service}-migrate"):
        unknown = set(_environment(compose["services"][name])) - fields
        assert not unknown, f"{name}: {sorted(unknown)} are not fields of {service}'s settings"


def test_the_environment_is_valid_for_the_settings(compose: dict[str, Any], service: str, port: int,
                                                   settings_type: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    for field in settings_type.model_fields:
        monkeypatch.delenv(field.upper(), raising=False)
    for key, value in _environment(compose["services"][service]).items():
        if value is not None:  # a null value stays unset unless exported in the shell
            monkeypatch.setenv(key, str(value))
    settings = settings_type()
    assert settings.port == port
    assert settings.otel_exporter_otlp_endpoint == "http://otel-collector:4318"


def test_a_one_shot_migration_runs_before_each_service(compose: dict[str, Any], service: str) -> None:
    migrate = compose["services"][f"{service}-migrate"]
    spec = compose["services"][service]
    assert migrate["command"] == [f"{service}-service", "migrate"]
    assert migrate["restart"] == "no"
    assert migrate["image"] == spec["image"]
    assert migrate["build"] == spec["build"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert _environment(migrate)["DATABASE_URL"] == _environment(spec)["DATABASE_URL"]
    depends = spec["depends_on"]
    assert depends[f"{service}-migrate"]["condition"] == "service_completed_successfully"
    assert depends["rabbitmq"]["condition"] == "service_healthy"
    assert depends["postgres"]["condition"] == "service_healthy"
    assert "otel-collector" in depends


@pytest.mark.parametrize("name", [*SERVICE_NAMES, "rabbitmq", "postgres", "mailpit"])
def test_healthchecks(compose: dict[str, Any], name: str) -> None:
    check = compose["services"][name]["healthcheck"]
    assert check["test"][0] in ("CMD", "CMD-SHELL")
    if name in SERVICE_NAMES:
        assert check["test"][-1] == "/readyz", "compose waits for readiness (database and broker)"


def test_notify_sends_mail_to_the_mail_sink(compose: dict[str, Any]) -> None:
    environment = _environment(compose["services"]["notify"])
    assert environment["SMTP_HOST"] == "mailpit"
    assert environment["SMTP_PORT"] == "1025"
    assert compose["services"]["notify"]["depends_on"]["mailpit"]["condition"] == "service_healthy"
    assert compose["services"]["mailpit"]["image"].startswith("axllent/mailpit")


def test_infrastructure(compose: dict[str, Any]) -> None:
    services = compose["services"]
    image = services["rabbitmq"]["image"]
    assert image.startswith(("rabbitmq:3.13", "rabbitmq:4")) and "management" in image
    assert services["postgres"]["image"] == "postgres:16"
    assert services["otel-collector"]["image"].startswith("otel/opentelemetry-collector-contrib:")
    mounts = [str(v) for s in services.values() for v in s.get("volumes", [])]
    assert any(m.startswith("./deploy/otel-collector.yaml:") for m in mounts)
    assert any(m.startswith("./deploy/postgres/init:/docker-entrypoint-initdb.d") for m in mounts)
    assert any(m.startswith("./deploy/rabbitmq/definitions.json:") for m in mounts)
    init_sql = "\n".join(p.read_text() for p in (ROOT / "deploy/postgres/init").glob("*.sql"))
    for name in SERVICE_NAMES:
        assert f"CREATE DATABASE {name};" in init_sql


def test_every_mounted_file_exists(compose: dict[str, Any]) -> None:
    for name, spec in compose["services"].items():
        for volume in spec.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"


def test_docker_compose_accepts_the_file() -> None:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is not installed, so docker-compose.yml cannot be checked: "
                    "run `make tools` (apt-get install docker-compose) and test again")
    result = subprocess.run([binary, "-f", "docker-compose.yml", "config", "-q"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
