"""JSON Schema and AsyncAPI generation, and the compatibility rule for changes inside a version.

Inside one `vN` a change may only add optional fields; consumers ignore what they do not know.
Anything else (a field removed or renamed, optional made required, a type changed) needs `vN+1`
published side by side, so that services can be deployed one at a time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from labor_contracts.envelope import Envelope, schema_url
from labor_contracts.registry import EVENT_TYPES

Schema = dict[str, Any]
_PROSE = {"description", "title", "examples", "default"}
EXCHANGE = "labor.events"


def event_schema(event_type: str) -> Schema:
    schema = EVENT_TYPES[event_type].model_json_schema(mode="serialization")
    schema["$id"] = schema_url(event_type)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def all_schemas() -> dict[str, Schema]:
    return {event_type: event_schema(event_type) for event_type in sorted(EVENT_TYPES)}


def asyncapi() -> Schema:
    """AsyncAPI 3.0 document: one channel (routing key) and one message per event type."""
    channels: Schema = {}
    operations: Schema = {}
    messages: Schema = {}
    for event_type, model in sorted(EVENT_TYPES.items()):
        name = event_type.replace(".", "_")
        messages[name] = {
            "name": event_type,
            "title": model.__name__,
            "summary": (model.__doc__ or "").strip().splitlines()[0],
            "contentType": "application/cloudevents+json",
            "payload": event_schema(event_type),
        }
        channels[name] = {
            "address": event_type,
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
            "bindings": {"amqp": {"is": "routingKey",
                                  "exchange": {"name": EXCHANGE, "type": "topic", "durable": True}}},
        }
        operations[f"publish_{name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{name}"},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Labor-security inspection platform events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 envelopes on the topic exchange `labor.events`; "
            "the event type is the routing key. Envelope: "
            + json.dumps(sorted(Envelope.model_fields)),
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def write_schemas(directory: Path) -> list[Path]:
    """Write every event schema and the AsyncAPI document; returns the files written."""
    events_dir = directory / "events"
    events_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for event_type, schema in all_schemas().items():
        path = events_dir / f"{event_type}.json"
        path.write_text(dump(schema))
        written.append(path)
    path = directory / "asyncapi.json"
    path.write_text(dump(asyncapi()))
    written.append(path)
    return written


def load_schemas(directory: Path) -> dict[str, Schema]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((directory / "events").glob("*.json"))}


def dump(schema: Schema) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Why `new` cannot replace `old` inside the same version; empty when it can."""
    problems: list[str] = []
    _compare(old, old, new, new, "$", problems)
    return problems


def breaking_changes_between(old: dict[str, Schema], new: dict[str, Schema]) -> list[str]:
    """Compare two sets of event schemas: a type may be added, never dropped or broken."""
    problems = []
    for event_type, old_schema in sorted(old.items()):
        if event_type not in new:
            problems.append(f"{event_type}: event type removed (publish it until no consumer needs it)")
            continue
        problems.extend(f"{event_type}: {p}" for p in breaking_changes(old_schema, new[event_type]))
    return problems


def _resolve(schema: Schema, root: Schema) -> Schema:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = root["$defs"][name]
    return schema


def _shape(schema: Schema, root: Schema) -> Any:
    """The part of a schema that decides what values are valid, with prose and refs removed."""
    schema = _resolve(schema, root)
    shape: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _PROSE or key == "$defs":
            continue
        if isinstance(value, dict):
            shape[key] = _shape(value, root) if key != "properties" else {
                k: _shape(v, root) for k, v in value.items()
            }
        elif isinstance(value, list):
            shape[key] = [_shape(v, root) if isinstance(v, dict) else v for v in value]
        else:
            shape[key] = value
    return shape


def _compare(old: Schema, old_root: Schema, new: Schema, new_root: Schema, path: str,
             problems: list[str]) -> None:
    old = _resolve(old, old_root)
    new = _resolve(new, new_root)
    if old.get("type") == "object" and new.get("type") == "object" and "properties" in old:
        old_props: Schema = old.get("properties", {})
        new_props: Schema = new.get("properties", {})
        old_required = set(old.get("required", []))
        new_required = set(new.get("required", []))
        for name, old_prop in old_props.items():
            if name not in new_props:
                problems.append(f"{path}.{name}: field removed or renamed")
                continue
            if name in new_required and name not in old_required:
                problems.append(f"{path}.{name}: optional field made required")
            _compare(old_prop, old_root, new_props[name], new_root, f"{path}.{name}", problems)
        for name in sorted(new_required - set(old_props)):
            problems.append(f"{path}.{name}: new field is required (add it as optional)")
        return
    if _shape(old, old_root) != _shape(new, new_root):
        problems.append(f"{path}: type changed")
