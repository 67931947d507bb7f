"""Shared facts for the deployment tests: the services, their ports and settings classes, and
the repository's scripts loaded as modules (they live outside any package).

A test taking a `service` argument runs once per service (intake, cases, credit, notify,
publish); `port` and `settings_type` follow it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"intake": 8001, "cases": 8002, "credit": 8003, "notify": 8004, "publish": 8005}
SETTINGS_CLASSES = {"intake": "IntakeSettings", "cases": "CasesSettings",
                    "credit": "CreditSettings", "notify": "NotifySettings",
                    "publish": "PublishSettings"}


def load_script(name: str) -> ModuleType:
    """`scripts/<name>.py` as a module (registered first: dataclasses look their module up)."""
    module_name = f"labor_scripts_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def settings_class(service: str) -> Any:
    module = importlib.import_module(f"{service}.settings")
    return getattr(module, SETTINGS_CLASSES[service])


def env_names(service: str) -> set[str]:
    """The environment variables a service reads: its settings fields, upper-cased."""
    return {name.upper() for name in settings_class(service).model_fields}


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    with (ROOT / "docker-compose.yml").open() as handle:
        return yaml.safe_load(handle)  # type: ignore[no-any-return]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "service" in metafunc.fixturenames:
        metafunc.parametrize("service", list(SERVICES))


@pytest.fixture
def port(service: str) -> int:
    return SERVICES[service]


@pytest.fixture
def settings_type(service: str) -> Any:
    return settings_class(service)


@pytest.fixture
def fields(service: str) -> set[str]:
    return env_names(service)


@pytest.fixture(scope="session")
def stack_module() -> ModuleType:
    return load_script("stack")


@pytest.fixture(scope="session")
def demo_module() -> ModuleType:
    return load_script("demo")


@pytest.fixture(scope="session")
def definitions_module() -> ModuleType:
    return load_script("rabbitmq_definitions")
