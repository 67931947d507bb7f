"""Each service's Dockerfile builds from the repository root, with no Docker engine needed:
its instructions are checked, and its build stage (COPY + `uv sync`) is replayed in a scratch
directory to prove the image's venv holds a working `<svc>-service` and nothing else."""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICE_NAMES = ("intake", "cases", "credit", "notify", "publish")


def _instructions(service: str) -> list[tuple[str, str]]:
    text = (ROOT / "services" / service / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
            for line in lines]


def _stages(service: str) -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for op, args in _instructions(service):
        if op == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((op, args))
    return stages


def _copy_sources(args: str) -> list[str]:
    words = [w for w in shlex.split(args) if not w.startswith("--")]
    return words[:-1]


def _workspace_members() -> list[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    members = []
    for pattern in pyproject["tool"]["uv"]["workspace"]["members"]:
        members += sorted(str(p.parent.relative_to(ROOT)) for p in ROOT.glob(f"{pattern}/pyproject.toml"))
    return members


def _dockerignored(path: str) -> bool:
    for pattern in (ROOT / ".dockerignore").read_text().splitlines():
        pattern = pattern.strip().lstrip("/")
        if not pattern or pattern.startswith("#"):
            continue
        parts = path.strip("/").split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if pattern.startswith("**/"):
            if any(fnmatch.fnmatch(part, pattern[3:]) for part in parts):
                return True
        elif any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes):
            return True
    return False


def test_the_dockerfile_is_multi_stage_and_runs_as_a_user(service: str, port: int) -> None:
    stages = _stages(service)
    assert len(stages) >= 2, "multi-stage: build tools stay out of the runtime image"
    runtime = dict(stages[-1])
    assert "USER" in runtime and runtime["USER"].split(":")[0] not in ("root", "0")
    assert runtime["EXPOSE"] == str(port)
    assert "/healthz" in runtime["HEALTHCHECK"]
    assert runtime["CMD"] == f'["{service}-service", "serve"]'
    assert "/app/.venv" in " ".join(args for op, args in stages[-1] if op == "COPY")


def test_the_build_installs_only_this_service_from_the_lock(service: str) -> None:
    runs = [args for op, args in _instructions(service) if op == "RUN" and "uv sync" in args]
    assert runs, "dependencies come from uv.lock"
    for args in runs:
        assert "--frozen" in args and f"--package {service}" in args and "--no-dev" in args
    assert "--no-editable" in runs[-1]
    text = (ROOT / "services" / service / "Dockerfile").read_text()
    assert "UV_PROJECT_ENVIRONMENT=/app/.venv" in text


def test_every_copied_path_exists_in_the_root_context(service: str) -> None:
    copied = []
    for op, args in _instructions(service):
        if op == "COPY" and "--from=" not in args:
            for source in _copy_sources(args):
                assert (ROOT / source).exists(), f"COPY {source}: not in the root build context"
                assert not _dockerignored(source), f"COPY {source}: excluded by .dockerignore"
                copied.append(source.rstrip("/"))
    for member in _workspace_members():  # uv reads every member to open the workspace
        assert f"{member}/pyproject.toml" in copied, f"{member}/pyproject.toml is not copied"
    for needed in ("uv.lock", "pyproject.toml", "contracts", "libs", f"services/{service}"):
        assert needed in copied


def _uv() -> str:
    found = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    if not Path(found).exists():
        pytest.fail("uv is not installed: run `make install`")
    return found


def _replay_build_stage(service: str, scratch: Path) -> Path:
    """Run the build stage's COPY and `uv sync` instructions; returns the venv they made."""
    build = next(stage for stage in _stages(service) if stage[0][1].endswith(" AS build"))
    src = scratch / "src"
    src.mkdir(parents=True)
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(scratch / "venv"), "UV_LINK_MODE": "hardlink",
           "UV_PYTHON": sys.executable, "UV_PYTHON_DOWNLOADS": "never", "VIRTUAL_ENV": ""}
    ignore = shutil.ignore_patterns(".venv", "__pycache__", "tests", "*.pyc")
    for op, args in build:
        if op == "COPY" and "--from=" not in args:
            *sources, dest = shlex.split(args)
            for source in sources:
                origin, target = ROOT / source, src / dest
                if origin.is_dir():
                    shutil.copytree(origin, target, ignore=ignore, dirs_exist_ok=True)
                else:
                    (target if dest.endswith("/") else target.parent).mkdir(parents=True, exist_ok=True)
                    shutil.copy(origin, target)
        elif op == "RUN" and (match := re.search(r"\buv (sync\b.*)", args)):
            result = subprocess.run([_uv(), *shlex.split(match.group(1))], cwd=src, env=env,
                                    capture_output=True, text=True, timeout=600, check=False)
            assert result.returncode == 0, f"uv {match.group(1)}:\n{result.stderr[-3000:]}"
    return scratch / "venv"


@pytest.fixture(scope="module")
def built_venvs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | BaseException]:
    """All five build stages at once (they are independent)."""
    scratch = {s: tmp_path_factory.mktemp(f"image-{s}") for s in SERVICE_NAMES}  # not thread-safe

    def build(service: str) -> Path | BaseException:
        try:
            return _replay_build_stage(service, scratch[service])
        except BaseException as exc:  # reported by that service's own test
            return exc

    with ThreadPoolExecutor(max_workers=len(SERVICE_NAMES)) as pool:
        return dict(zip(SERVICE_NAMES, pool.map(build, SERVICE_NAMES), strict=True))


def test_the_build_stage_makes_a_working_service(service: str,
                                                 built_venvs: dict[str, Path | BaseException]) -> None:
    venv = built_venvs[service]
    if isinstance(venv, BaseException):
        raise venv
    result = subprocess.run([str(venv / "bin" / f"{service}-service"), "--help"], cwd="/",
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "migrate" in result.stdout and "serve" in result.stdout
    site = next((venv / "lib").glob("python3*/site-packages"))
    installed = {p.name.split("-")[0].lower() for p in site.glob("*.dist-info")}
    assert {service, "labor_runtime", "labor_contracts"} <= installed
    others = set(SERVICE_NAMES) - {service}
    assert not installed & others, f"other services in the image: {installed & others}"
    assert "pytest" not in installed, "development dependencies in the image"
    assert not list(site.glob("*.pth")) or all("src" not in p.read_text() for p in site.glob("_*.pth")), \
        "editable install: the image would need the source tree"
    assert (site / service / "migrations").is_dir(), "the migrations ship in the wheel"
