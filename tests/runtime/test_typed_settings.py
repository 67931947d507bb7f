"""A service's runtime is typed with its own settings (`CasesRuntime = Runtime[CasesSettings]`):
code reads `runtime.settings.<its field>` as is. Checking the settings' class at run time
(`assert isinstance(settings, CasesSettings)`) is what that typing replaced; mypy checks the rest."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*ROOT.glob("services/*/src/**/*.py"), *ROOT.glob("libs/src/**/*.py")])


def _names(node: ast.expr) -> list[str]:
    """The class names an isinstance() checks against: `A`, `module.A` or a tuple of them."""
    if isinstance(node, ast.Tuple):
        return [name for element in node.elts for name in _names(element)]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, ast.Name):
        return [node.id]
    return []


def settings_checks(source: str) -> list[int]:
    """Lines of `source` that check an object against a settings class with isinstance()."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "isinstance" and len(node.args) == 2
            and any(name.endswith("Settings") for name in _names(node.args[1]))]


def test_the_scan_sees_the_service_sources_and_each_form_of_the_check() -> None:
    assert any(path.match("services/cases/src/cases/lifecycle/flows.py") for path in SOURCES)
    assert any(path.match("libs/src/labor_runtime/runtime.py") for path in SOURCES)
    assert settings_checks("settings = runtime.settings\n"
                           "assert isinstance(settings, CasesSettings)\n") == [2]
    assert settings_checks("if not isinstance(runtime.settings, (str, settings.CreditSettings)):\n"
                           "    raise TypeError\n") == [1]
    assert settings_checks("assert isinstance(value, Decimal)\n") == []


def test_no_flow_asks_the_runtime_for_its_settings_type() -> None:
    found = [f"{path.relative_to(ROOT)}:{line}" for path in SOURCES
             for line in settings_checks(path.read_text(encoding="utf-8"))]
    assert not found, ("type the runtime with the service's settings (e.g. `runtime: CasesRuntime`) "
                       f"instead of checking their class: {found}")
