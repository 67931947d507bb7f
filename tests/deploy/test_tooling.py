"""The Makefile documents itself and wires every target; .ci/run fails on failures, including
a run that collects no tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TARGETS = ("install", "up", "down", "logs", "status", "token", "test", "lint", "contracts", "bench",
           "demo", "dlq-list", "dlq-replay")


def _make(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    if shutil.which("make") is None:
        pytest.fail("make is not installed")
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, check=False)


def test_make_without_a_target_lists_every_target() -> None:
    result = _make()
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0].replace("\x1b[36m", "") for line in result.stdout.splitlines()
              if line.startswith("  ")}
    assert set(TARGETS) <= listed, f"undocumented: {set(TARGETS) - listed}"


@pytest.mark.parametrize(("target", "variables"), [
    ("up", []), ("down", []), ("status", []), ("logs", ["FOLLOW=0"]),
    ("token", ["ROLE=officer_a", "DISTRICT=d01"]), ("lint", []), ("contracts", []),
    ("bench", []), ("demo", []), ("dlq-list", ["SERVICE=cases"]),
    ("dlq-replay", ["SERVICE=cases", "MESSAGE_ID=m1"]), ("test", []), ("install", []),
])
def test_every_target_has_a_recipe(target: str, variables: list[str]) -> None:
    result = _make("-n", target, *variables)
    assert result.returncode == 0, result.stderr


def test_targets_that_need_a_variable_say_so() -> None:
    for target, hint in (("token", "ROLE="), ("dlq-list", "SERVICE="), ("dlq-replay", "SERVICE=")):
        result = _make(target)
        assert result.returncode != 0 and hint in result.stderr


def test_ci_script_is_strict_bash() -> None:
    script = ROOT / ".ci" / "run"
    text = script.read_text()
    assert text.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in text
    assert "make test" in text and "scripts/infra.sh" in text
    assert script.stat().st_mode & 0o111, ".ci/run is executable"
    assert subprocess.run(["bash", "-n", str(script)], check=False).returncode == 0
    assert subprocess.run(["bash", "-n", str(ROOT / "scripts" / "infra.sh")], check=False).returncode == 0


@pytest.mark.integration
def test_make_test_fails_when_no_test_is_collected() -> None:
    result = _make("test", "ARGS=tests/deploy/test_tooling.py -k no_such_test_anywhere", timeout=600)
    assert result.returncode != 0
    assert "collected no tests" in result.stderr
