"""Issue 10, the README's walk: docs/rules.md is the shipped copy of the business rules. Every
rule ID the code cites is defined there, and every setting it names exists with the default it
states, so the copy cannot drift from the code; and nothing in the repository points outside it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cases.settings import CasesSettings
from credit.settings import CreditSettings
from intake.settings import IntakeSettings
from labor_runtime.settings import ServiceSettings
from notify.settings import NotifySettings
from publish.settings import PublishSettings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS: dict[str, type[ServiceSettings]] = {
    "intake": IntakeSettings, "cases": CasesSettings, "credit": CreditSettings,
    "notify": NotifySettings, "publish": PublishSettings}
RULES = ROOT / "docs" / "rules.md"
RULE_ID = re.compile(r"R-[A-Z]+-[0-9]+")
SETTING_ROW = re.compile(r"^\| `([A-Z0-9_]+)` \| (\w+) \| `([^`]*)` \| (R-[A-Z]+-[0-9]+)", re.M)
SHIPPED = ("services", "libs", "contracts", "scripts", "tests", "bench", "deploy", "docs", ".ci")
TEXT_SUFFIXES = {".py", ".md", ".toml", ".yml", ".yaml", ".json", ".sh", ".cfg", ".ini", ".txt",
                 ".mako", ".csv", ""}
SKIPPED_PARTS = {"__pycache__", ".venv", "var", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


def shipped_files() -> Iterator[Path]:
    yield from (ROOT / name for name in ("README.md", "Makefile", "docker-compose.yml",
                                         "pyproject.toml", "conftest.py"))
    for top in SHIPPED:
        for path in (ROOT / top).rglob("*"):
            if (path.is_file() and path.suffix in TEXT_SUFFIXES
                    and not SKIPPED_PARTS & set(path.relative_to(ROOT).parts)):
                yield path


def defined_rules() -> set[str]:
    return set(re.findall(r"^- (R-[A-Z]+-[0-9]+) ", RULES.read_text(), re.M))


def test_issue10_readme_every_rule_id_the_code_cites_is_in_docs_rules() -> None:
    cited: dict[str, Path] = {}
    for path in shipped_files():
        for rule in RULE_ID.findall(path.read_text(errors="replace")):
            cited.setdefault(rule, path.relative_to(ROOT))
    missing = {rule: str(path) for rule, path in cited.items() if rule not in defined_rules()}
    assert len(cited) > 30, "the scan found the rules the code cites"
    assert missing == {}, f"define these rules in docs/rules.md (first cited in): {missing}"


ROWS = SETTING_ROW.findall(RULES.read_text())


def test_issue10_readme_docs_rules_names_the_settings_of_the_domain_numbers() -> None:
    assert len(ROWS) > 50
    assert {rule for *_, rule in ROWS} <= defined_rules()


@pytest.mark.parametrize(("name", "owner", "default", "rule"), ROWS,
                         ids=[f"{owner}.{name}" for name, owner, *_ in ROWS])
def test_issue10_readme_each_setting_in_docs_rules_exists_with_that_default(
        name: str, owner: str, default: str, rule: str) -> None:
    fields = SETTINGS[owner].model_fields
    assert name.lower() in fields, f"{owner} has no setting {name} ({rule})"
    assert str(fields[name.lower()].get_default(call_default_factory=True)) == default, \
        f"docs/rules.md says {owner}'s {name} defaults to {default} ({rule})"


def test_issue10_readme_the_repository_points_at_nothing_outside_itself() -> None:
    """A shipped checkout has no ../shared specs and no /work/ machine paths."""
    outside = [str(path.relative_to(ROOT)) for path in shipped_files()
               if path != Path(__file__).resolve()
               and re.search(r"\.\./shared|/work/", path.read_text(errors="replace"))]
    assert outside == []
