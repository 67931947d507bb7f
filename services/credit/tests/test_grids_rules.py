"""The grid tree's pure rules (网格, R-ORG-1): codes, levels, parents, districts, changes."""

from __future__ import annotations

from pathlib import Path

from credit.grids.rules import Grid, Level, changed, level_of, parent_of, parse, validate

TREE = (Path(__file__).parent / "grids.csv").read_text(encoding="utf-8")


def test_r_org_1_level_from_the_statistical_code_structure():
    assert level_of("350100000000") == Level.CITY
    assert level_of("350102000000") == Level.DISTRICT
    assert level_of("350102001000") == Level.TOWNSHIP
    assert level_of("350102001001") == Level.VILLAGE
    for bad in ("350000000000", "35010200100", "3501020010011", "35010200100a",
                "000100000000", "350100000001"[:-1] + "x"):
        assert level_of(bad) is None, bad
    assert parent_of("350102001001", Level.VILLAGE) == "350102001000"
    assert parent_of("350102001000", Level.TOWNSHIP) == "350102000000"
    assert parent_of("350102000000", Level.DISTRICT) == "350100000000"
    assert parent_of("350100000000", Level.CITY) is None


def test_r_org_1_the_test_tree_is_valid_csv_and_json_lines():
    parsed = parse(TREE)
    assert parsed.errors == [] and len(parsed.lines) == 10
    assert validate(parsed.lines, {}) == []
    assert [line.number for line in parsed.lines] == list(range(2, 12))
    jsonl = ('{"code": "350100000000", "name": "福州市", "level": "city"}\n\n'
             '{"code": "350102000000", "name": "鼓楼区", "level": "district", '
             '"parent_code": "350100000000", "district": "d01", "active": true}\n')
    parsed = parse(jsonl)
    assert parsed.errors == [] and [line.number for line in parsed.lines] == [1, 3]
    assert validate(parsed.lines, {}) == []


def test_r_org_1_every_bad_line_is_named_with_its_number_and_reason():
    text = TREE + "\n".join([
        "350102001003,错级社区,township,350102001000,d01,true",   # 12: a village code as township
        "350102003001,孤儿社区,village,350102003000,d01,true",    # 13: parent nowhere
        "350102001004,错父社区,village,350102002000,d01,true",    # 14: parent not its prefix
        "350102001005,错区社区,village,350102001000,d02,true",    # 15: district not the parent's
        "35010200100X,坏码,village,350102001000,d01,true",         # 16: not digits
        "350102001001,重复,village,350102001000,d01,true",        # 17: duplicate code
        "350102001006,,village,350102001000,d01,true",            # 18: no name
        "350102001007,坏级,hamlet,350102001000,d01,true",          # 19: unknown level
        "350102001008,无区,village,350102001000,,true",            # 20: no district
    ]) + "\n"
    parsed = parse(text)
    errors = sorted(parsed.errors + validate(parsed.lines, {}), key=lambda e: e.line)
    assert [e.line for e in errors] == [12, 13, 14, 15, 16, 17, 18, 19, 20]
    reasons = {e.line: e.reason for e in errors}
    assert "village code" in reasons[12] and "350102003000" in reasons[13]
    assert "350102002000" in reasons[14] and "should be 350102001000" in reasons[14]
    assert "d02" in reasons[15] and "12-digit" in reasons[16] and "line 5" in reasons[17]
    assert "name" in reasons[18] and "hamlet" in reasons[19] and "district" in reasons[20]


def test_r_org_1_bad_header_and_bad_json_are_named():
    assert [e.line for e in parse("code,title\n1,2\n").errors] == [1]
    errors = parse('{"code": "350100000000", "name": "福州市", "level": "city"}\n{oops\n[1]\n').errors
    assert [(e.line, e.reason[:8]) for e in errors] == [(2, "not JSON"), (3, "not a JS")]


def test_r_org_1_only_new_or_changed_grids_are_written_parents_first():
    lines = parse(TREE).lines
    stored = {line.grid.code: line.grid for line in lines}
    assert changed(lines, stored) == []
    renamed = Grid("350102001001", "鼓东社区（新）", Level.VILLAGE, "350102001000", "d01")
    stored_one_renamed = stored | {renamed.code: renamed}
    assert [g.code for g in changed(lines, stored_one_renamed)] == ["350102001001"]
    fresh = changed(lines, {})
    assert [g.level for g in fresh][:2] == [Level.CITY, Level.DISTRICT]
    assert [ORDER_INDEX[g.level] for g in fresh] == sorted(ORDER_INDEX[g.level] for g in fresh)


ORDER_INDEX = {Level.CITY: 0, Level.DISTRICT: 1, Level.TOWNSHIP: 2, Level.VILLAGE: 3}


def test_r_org_1_a_retired_parent_keeps_no_active_children():
    lines = parse(TREE.replace("350102001000,鼓东街道,township,350102000000,d01,true",
                               "350102001000,鼓东街道,township,350102000000,d01,false")).lines
    errors = validate(lines, {})
    assert {e.line for e in errors} == {5, 6} and all("retired" in e.reason for e in errors)
