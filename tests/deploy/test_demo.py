"""Issue 10, the README's walk: `make demo` walks the stack `make up` started with the same
stack variables (STATE_DIR, PORT_BASE, DB_SUFFIX, BUS_PREFIX, SERVICES), never another one. The
real run against a stack with non-default variables is in tests/e2e (it reuses that stack)."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
VARIABLES = {"STATE_DIR": "var/stack-demo-test", "PORT_BASE": "18101", "DB_SUFFIX": "_demo",
             "BUS_PREFIX": "demo.", "SERVICES": "intake,cases,credit,notify,publish"}


def demo_command(variables: dict[str, str]) -> list[str]:
    """The command `make demo` runs with these variables (as `make -n` prints it)."""
    if shutil.which("make") is None:
        pytest.fail("make is not installed")
    result = subprocess.run(["make", "--no-print-directory", "-n", "demo",
                             *(f"{k}={v}" for k, v in variables.items())],
                            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.replace("\\\n", " ").splitlines()
             if "scripts/demo.py" in line]
    assert len(lines) == 1, result.stdout
    return shlex.split(lines[0])


@pytest.fixture
def demo(demo_module: ModuleType) -> ModuleType:
    return demo_module


def test_issue10_readme_make_demo_passes_the_stack_variables_of_make_up() -> None:
    argv = demo_command(VARIABLES)
    options = dict(zip(argv[2::2], argv[3::2], strict=True))
    assert options == {"--state-dir": VARIABLES["STATE_DIR"], "--port-base": VARIABLES["PORT_BASE"],
                       "--db-suffix": VARIABLES["DB_SUFFIX"], "--bus-prefix": VARIABLES["BUS_PREFIX"],
                       "--services": VARIABLES["SERVICES"]}


def _record(demo: ModuleType, state: Path, **options: object) -> None:
    """A stack as `make up` records it in its state directory (stack.json, credentials.json)."""
    stack = sys.modules[demo.recorded_stack.__module__]
    config = stack.StackConfig(state_dir=state, **options)
    state.mkdir(parents=True, exist_ok=True)
    stack._save_config(config)
    (state / "credentials.json").write_text(json.dumps({"api_keys": {}}))


def test_issue10_readme_demo_refuses_a_stack_started_with_other_variables(
        demo: ModuleType, tmp_path: Path) -> None:
    state = tmp_path / "stack"
    with pytest.raises(SystemExit, match="run `make up` with the same variables"):
        demo.main(["--state-dir", str(state)])
    _record(demo, state, port_base=18101, db_suffix="_demo", bus_prefix="demo.")
    with pytest.raises(SystemExit, match=r"PORT_BASE=18101 \(not 8001\), DB_SUFFIX='_demo' "
                                         r"\(not ''\), BUS_PREFIX='demo.' \(not ''\)"):
        demo.main(["--state-dir", str(state)])
    with pytest.raises(SystemExit, match="SERVICES leaves out credit, notify, publish"):
        demo.main(["--state-dir", str(state), "--services", "intake,cases"])
    with pytest.raises(SystemExit, match=r"not running or not ready.*intake, cases, credit"):
        demo.main(["--state-dir", str(state), "--port-base", "18101", "--db-suffix", "_demo",
                   "--bus-prefix", "demo."])


def test_issue10_readme_demo_resolves_urls_and_keys_from_the_recorded_stack(
        demo: ModuleType, tmp_path: Path) -> None:
    state = tmp_path / "stack"
    _record(demo, state, port_base=18101, db_suffix="_demo", bus_prefix="demo.")
    recorded = demo.recorded_stack(state)
    assert recorded.url("publish") == "http://127.0.0.1:18105"
    assert recorded.mail_dir == state / "mail" and recorded.notice_dir == state / "notices"
    assert recorded.spans_dir == state / "spans"


def test_issue10_readme_make_up_names_the_state_dir_make_down_needs(
        stack_module: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`make down` alone would stop the default stack, not one with its own STATE_DIR."""
    config = stack_module.StackConfig(state_dir=tmp_path, port_base=18101)
    stack_module._print_summary(stack_module._stack(config, {}))
    assert capsys.readouterr().out.endswith(f"stop with: make down STATE_DIR={tmp_path}\n")
    stack_module._print_summary(stack_module._stack(stack_module.StackConfig(), {}))
    assert capsys.readouterr().out.endswith("stop with: make down\n")
