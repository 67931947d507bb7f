"""Every threshold and deadline has one default, in its service's settings: the pure rule modules of
every service take theirs as arguments and carry no number of their own (DOMAIN.md: "every threshold
and deadline is configuration with this default, never a literal scattered in code")."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cases.settings import CasesSettings

SERVICES = Path(__file__).parents[2]
RULE_MODULES = sorted({*SERVICES.glob("*/src/*/**/rules.py"), *SERVICES.glob("*/src/*/**/domain/*.py"),
                       *SERVICES.glob("*/src/*/casefile/base.py"), *SERVICES.glob("*/src/*/*/procedure.py")})
NUMBERS = (int, float, Decimal, timedelta)


def module_name(path: Path) -> str:
    """`services/cases/src/cases/penalty/rules.py` → `cases.penalty.rules`."""
    return ".".join(path.relative_to(SERVICES).with_suffix("").parts[2:])


def numbers_in(value: object) -> bool:
    """Whether a default is, or holds, a number (a bool is a switch, not a threshold)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, NUMBERS):
        return True
    if isinstance(value, dict):
        return any(numbers_in(item) for item in value.values())
    if isinstance(value, tuple | list | set | frozenset):
        return any(numbers_in(item) for item in value)
    return False


def functions_of(module: ModuleType) -> Iterator[tuple[str, Any]]:
    """The module's own functions and the methods of its own classes, by qualified name (a
    dataclass's generated `__init__` is left to `dataclasses_of`, which names the field)."""
    for name, value in vars(module).items():
        if getattr(value, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(value):
            yield name, value
        elif inspect.isclass(value):
            generated = {"__init__"} if dataclasses.is_dataclass(value) else set()
            for attribute, member in vars(value).items():
                function = getattr(member, "__func__", member)
                if inspect.isfunction(function) and attribute not in generated:
                    yield f"{name}.{attribute}", function


def dataclasses_of(module: ModuleType) -> Iterator[type[Any]]:
    for value in vars(module).values():
        if (inspect.isclass(value) and dataclasses.is_dataclass(value)
                and value.__module__ == module.__name__):
            yield value


def own_defaults(module: ModuleType) -> list[str]:
    """Each parameter or dataclass field of the module that falls back on a number of its own."""
    found = []
    for name, function in functions_of(module):
        for parameter in inspect.signature(function).parameters.values():
            if numbers_in(parameter.default):
                found.append(f"{module.__name__}.{name}({parameter.name}={parameter.default!r})")
    for cls in dataclasses_of(module):
        for field in dataclasses.fields(cls):
            default = (field.default_factory() if field.default_factory is not dataclasses.MISSING
                       else field.default)
            if numbers_in(default):
                found.append(f"{module.__name__}.{cls.__name__}.{field.name} = {default!r}")
    return found


def test_the_rule_modules_of_every_service_are_inspected():
    """The glob reaches every service, so a moved module is not silently left out of the check."""
    names = {module_name(path) for path in RULE_MODULES}
    assert {"cases.penalty.rules", "cases.major.rules", "intake.deadlines.rules",
            "credit.grading.rules", "notify.delivery.rules", "publish.webhooks.rules"} <= names


def test_every_rule_takes_its_thresholds_from_settings_and_carries_no_default_of_its_own():
    found = [default for path in RULE_MODULES
             for default in own_defaults(importlib.import_module(module_name(path)))]
    assert found == [], ("rules take thresholds and deadlines as required arguments from the "
                         "service's settings, the one place their default is written; these carry "
                         "their own:\n" + "\n".join(found))


def test_the_retired_r_maj_2_setting_is_refused_at_start_not_ignored(monkeypatch):
    monkeypatch.setenv("MAJOR_MILESTONE_MINUTES", '{"wages_paid": 4320}')
    with pytest.raises(ValueError, match="MAJOR_WAGES_PAID_WITHIN_HOURS"):
        CasesSettings()
