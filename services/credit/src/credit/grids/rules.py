"""Pure grid rules (网格, R-ORG-1): the four-level tree keyed by statistical division codes.

A statistical division code (统计用区划代码) has 12 digits: 2 province + 2 city + 2 county +
3 township + 3 village. A level's code ends in zeros where the levels below it would be, and
a grid's code starts with its parent's significant digits. A grids file is CSV with the header
`code,name,level,parent_code,district[,active]` or JSON Lines with those keys.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Level(StrEnum):
    """The four levels: city (市), county/district (区县), township/street (乡镇街道),
    village/community (村社区)."""

    CITY = "city"
    DISTRICT = "district"
    TOWNSHIP = "township"
    VILLAGE = "village"


ORDER = (Level.CITY, Level.DISTRICT, Level.TOWNSHIP, Level.VILLAGE)
_SIGNIFICANT = {Level.CITY: 4, Level.DISTRICT: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12}
"""How many leading digits of the code a level fills; the rest are zeros."""
DISTRICT = re.compile(r"[A-Za-z0-9_-]{1,32}")
"""A district brigade's code (区大队), e.g. d01."""
COLUMNS = ("code", "name", "level", "parent_code", "district", "active")
_REQUIRED = ("code", "name", "level")


@dataclass(frozen=True)
class Grid:
    """A grid as a file or the table states it."""

    code: str
    name: str
    level: Level
    parent_code: str | None
    district: str | None
    active: bool = True


@dataclass(frozen=True)
class Line:
    """One line of a grids file: its number (1 = the first line of the file) and the grid."""

    number: int
    grid: Grid


@dataclass(frozen=True)
class LineError:
    line: int
    reason: str


@dataclass
class Parsed:
    lines: list[Line] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


def level_of(code: str) -> Level | None:
    """The level a 12-digit code's zeros say, or None when the code cannot be a division code."""
    if len(code) != 12 or not code.isdigit() or code[:2] == "00" or code[2:4] == "00":
        return None
    for level in reversed(ORDER):
        cut = _SIGNIFICANT[level]
        previous = _SIGNIFICANT[ORDER[ORDER.index(level) - 1]] if level != Level.CITY else 2
        if code[cut:] == "0" * (12 - cut) and code[previous:cut].strip("0"):
            return level
    return None


def parent_of(code: str, level: Level) -> str | None:
    """The code the parent of a grid at `level` must have: its significant digits, zero-filled."""
    if level == Level.CITY:
        return None
    cut = _SIGNIFICANT[ORDER[ORDER.index(level) - 1]]
    return code[:cut] + "0" * (12 - cut)


def _text(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _grid(raw: Mapping[str, object]) -> Grid | str:
    """A grid from one record's fields, or what is wrong with them."""
    missing = [name for name in _REQUIRED if _text(raw.get(name)) is None]
    if missing:
        return f"missing {', '.join(missing)}"
    if any("\x00" in str(value) for value in raw.values()):
        return "a NUL character in a field"
    unknown = sorted(set(raw) - set(COLUMNS))
    if unknown:
        return f"unknown column {', '.join(unknown)}"
    level_text = str(_text(raw["level"]))
    if level_text not in set(Level):
        return f"level {level_text!r} is not one of {', '.join(ORDER)}"
    active = raw.get("active", True)
    if isinstance(active, str):
        if active.strip().lower() not in {"", "true", "false", "1", "0"}:
            return f"active {active!r} is not true or false"
        active = active.strip().lower() in {"", "true", "1"}
    if not isinstance(active, bool):
        return f"active {active!r} is not true or false"
    name = str(_text(raw["name"]))
    if len(name) > 200:
        return "name longer than 200 characters"
    district = _text(raw.get("district"))
    if district is not None and not DISTRICT.fullmatch(district):
        return f"district {district!r} is not a brigade code such as d01"
    return Grid(code=str(_text(raw["code"])), name=name, level=Level(level_text),
                parent_code=_text(raw.get("parent_code")), district=district,
                active=active)


def parse(text: str) -> Parsed:
    """Read a grids file, CSV (with its header) or JSON Lines (one object a line)."""
    parsed = Parsed()
    body = text.lstrip("\ufeff")
    if body.lstrip().startswith("{"):
        for number, raw_line in enumerate(body.splitlines(), start=1):
            if not raw_line.strip():
                continue
            try:
                record = json.loads(raw_line)
            except json.JSONDecodeError as exc:
                parsed.errors.append(LineError(number, f"not JSON: {exc.msg}"))
                continue
            if not isinstance(record, dict):
                parsed.errors.append(LineError(number, "not a JSON object"))
                continue
            _add(parsed, number, record)
        return parsed
    reader = csv.DictReader(io.StringIO(body))
    header = [name.strip() for name in reader.fieldnames or ()]
    missing = [name for name in _REQUIRED if name not in header]
    if missing:
        parsed.errors.append(LineError(1, f"header lacks {', '.join(missing)}; columns are "
                                       f"{','.join(COLUMNS)}"))
        return parsed
    reader.fieldnames = header
    for row in reader:
        if None in row:
            parsed.errors.append(LineError(reader.line_num, "more fields than the header names"))
            continue
        if not any((value or "").strip() for value in row.values()):
            continue
        _add(parsed, reader.line_num, row)
    return parsed


def _add(parsed: Parsed, number: int, record: Mapping[str, object]) -> None:
    grid = _grid(record)
    if isinstance(grid, str):
        parsed.errors.append(LineError(number, grid))
    else:
        parsed.lines.append(Line(number, grid))


def validate(lines: Iterable[Line], known: Mapping[str, Grid]) -> list[LineError]:
    """Every reason a line cannot join the tree made of `known` grids and the file's own lines:
    the code's structure, its level, its parent one level up with the same prefix, its district."""
    lines = list(lines)
    errors: list[LineError] = []
    tree = dict(known)
    seen: dict[str, int] = {}
    for line in lines:
        if line.grid.code in seen:
            errors.append(LineError(line.number, f"code {line.grid.code} also on line "
                                    f"{seen[line.grid.code]}"))
        seen.setdefault(line.grid.code, line.number)
        tree[line.grid.code] = line.grid
    for line in lines:
        errors += [LineError(line.number, reason) for reason in _problems(line.grid, tree)]
    return sorted(errors, key=lambda error: error.line)


def _problems(grid: Grid, tree: Mapping[str, Grid]) -> list[str]:
    structural = level_of(grid.code)
    if structural is None:
        return [f"code {grid.code!r} is not a 12-digit statistical division code"]
    if structural != grid.level:
        return [f"code {grid.code} is a {structural} code (its zeros), not a {grid.level}"]
    problems = []
    expected = parent_of(grid.code, grid.level)
    if grid.parent_code != expected:
        problems.append(f"parent_code {grid.parent_code or '(empty)'} should be "
                        f"{expected or '(empty) for a city'}: the code's prefix")
    if grid.level == Level.CITY:
        if grid.district is not None:
            problems.append("a city has no district")
        return problems
    if grid.district is None:
        problems.append(f"a {grid.level} needs its district brigade code (e.g. d01)")
    parent = tree.get(expected or "")
    if parent is None:
        problems.append(f"parent {expected} is neither in the file nor loaded")
    elif (grid.level != Level.DISTRICT and grid.district is not None
          and parent.district != grid.district):  # a district's parent is the city
        problems.append(f"district {grid.district} differs from its parent's "
                        f"({parent.district})")
    if grid.active and parent is not None and not parent.active:
        problems.append(f"active under the retired grid {parent.code}")
    return problems


def changed(lines: Iterable[Line], stored: Mapping[str, Grid]) -> list[Grid]:
    """The file's grids that are new or differ from what is stored, parents before children."""
    fresh = [line.grid for line in lines if stored.get(line.grid.code) != line.grid]
    return sorted(fresh, key=lambda grid: (ORDER.index(grid.level), grid.code))
