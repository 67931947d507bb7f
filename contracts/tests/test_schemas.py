"""Contracts are versioned: committed schemas are current, and no change breaks a version (T7)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from labor_contracts.registry import EVENT_MODELS, EVENT_TYPES
from labor_contracts.schemas import (
    all_schemas,
    asyncapi,
    breaking_changes,
    breaking_changes_between,
    dump,
    load_schemas,
)

ROOT = Path(__file__).parents[1]
COMMITTED = ROOT / "schemas"
RELEASED = ROOT / "released"


def test_committed_schemas_are_current():
    """Fails when a contract changed without `make contracts` (regenerate and commit)."""
    committed = load_schemas(COMMITTED)
    generated = all_schemas()
    assert sorted(committed) == sorted(generated), "run `make contracts`"
    for event_type, schema in generated.items():
        assert dump(schema) == dump(committed[event_type]), f"{event_type}: run `make contracts`"
    assert (COMMITTED / "asyncapi.json").read_text() == dump(asyncapi())


def test_no_breaking_change_against_the_last_release():
    releases = sorted(p for p in RELEASED.iterdir() if p.is_dir())
    assert releases, "contracts/released/<version>/ holds the last released schemas"
    problems = breaking_changes_between(load_schemas(releases[-1]), all_schemas())
    assert problems == []


def test_every_type_is_versioned_and_unique():
    for model in EVENT_MODELS:
        assert model.event_type.rsplit(".", 1)[-1].startswith("v")
    assert len(EVENT_TYPES) == len(EVENT_MODELS)


def _accepted():
    return copy.deepcopy(all_schemas()["intake.complaint.accepted.v1"])


def test_t7_adding_an_optional_field_is_compatible():
    new = _accepted()
    new["properties"]["project_code"] = {"type": "string", "default": ""}
    assert breaking_changes(_accepted(), new) == []


def test_t7_removed_field_is_breaking():
    new = _accepted()
    del new["properties"]["worker_count"]
    new["required"].remove("worker_count")
    assert breaking_changes(_accepted(), new) == ["$.worker_count: field removed or renamed"]


def test_t7_renamed_field_is_breaking():
    new = _accepted()
    new["properties"]["workers"] = new["properties"].pop("worker_count")
    new["required"] = [("workers" if r == "worker_count" else r) for r in new["required"]]
    problems = breaking_changes(_accepted(), new)
    assert "$.worker_count: field removed or renamed" in problems
    assert "$.workers: new field is required (add it as optional)" in problems


def test_t7_optional_made_required_is_breaking():
    new = _accepted()
    new["required"].append("district")
    assert breaking_changes(_accepted(), new) == ["$.district: optional field made required"]


def test_t7_type_change_is_breaking():
    new = _accepted()
    new["properties"]["worker_count"] = {"type": "string"}
    assert breaking_changes(_accepted(), new) == ["$.worker_count: type changed"]


def test_t7_nested_change_through_refs_is_breaking():
    new = _accepted()
    new["$defs"]["EmployerRef"]["properties"]["name"] = {"type": "integer"}
    assert breaking_changes(_accepted(), new) == ["$.employer.name: type changed"]


def test_t7_description_change_is_not_breaking():
    new = _accepted()
    new["properties"]["worker_count"]["description"] = "reworded"
    assert breaking_changes(_accepted(), new) == []


def test_t7_dropping_an_event_type_is_breaking():
    old = all_schemas()
    new = dict(old)
    del new["intake.complaint.accepted.v1"]
    assert breaking_changes_between(old, new) == [
        "intake.complaint.accepted.v1: event type removed (publish it until no consumer needs it)"]


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_asyncapi_documents_every_type(event_type):
    channels = asyncapi()["channels"]
    assert any(c["address"] == event_type for c in channels.values())
