"""The cases service's folders read as the procedure: each owns its tables, and only the case
file's repository and read side (`casefile/`) read across them."""

from __future__ import annotations

import re
from pathlib import Path

SOURCE = Path(__file__).parents[1] / "src" / "cases"
TABLES = re.compile(r"^from cases\.(\w+)\.models import", re.MULTILINE)


def crossings(source: Path) -> list[str]:
    """`folder/file.py -> other.models` for each import of another folder's tables."""
    found = []
    for path in sorted(source.glob("*/*.py")):
        folder = path.parent.name
        if folder in ("casefile", "migrations"):
            continue
        found += [f"{folder}/{path.name} -> {other}.models"
                  for other in TABLES.findall(path.read_text()) if other != folder]
    return found


def test_no_domain_folder_reads_another_folders_tables():
    assert crossings(SOURCE) == []


def test_the_scan_sees_imports_of_tables(tmp_path):
    (tmp_path / "penalty").mkdir()
    (tmp_path / "penalty" / "flows.py").write_text(
        "from cases.penalty.models import hearings\nfrom cases.lifecycle.models import cases\n")
    assert crossings(tmp_path) == ["penalty/flows.py -> lifecycle.models"]
