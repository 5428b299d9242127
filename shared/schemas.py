"""Compact published tool schemas: the same contract with less of the model's context spent on it.

tools/list goes to the model on every turn. Pydantic's JSON schema repeats a title on every property,
spells `X | None` as anyOf [X, null] and writes `"default": null`. None of it tells the model anything
(absent = null for our optional fields; arguments are validated by the pydantic models, not by these
dicts), so shared.server publishes copies without it:
- inputs: optional fields become plain X (leaving a field out is how to say null);
- outputs: optional fields stay nullable, as a compact type list, because clients validate results
  against the output schema; descriptions and defaults are dropped (the result itself is what the model reads).
The field's own keywords always win over the collapsed branch's (e.g. a described value rule).
"""

from __future__ import annotations

import copy
import re
from typing import Any

_NULL = {"type": "null"}


def lean_schema(schema: Any, *, nullable: bool = False) -> Any:
    """A copy of a JSON schema without titles and null defaults. Optional (X | None) fields become plain X for
    inputs; for outputs (nullable=True) they stay nullable, as a compact type list where possible."""
    node = copy.deepcopy(schema)
    _lean(node, nullable)
    return node


def _lean(node: Any, nullable: bool) -> None:
    if not isinstance(node, dict):
        return
    node.pop("title", None)
    if "default" in node and node["default"] is None:
        del node["default"]
    if node.get("additionalProperties") is True:
        del node["additionalProperties"]  # the JSON-schema default
    for key in ("anyOf", "oneOf"):
        branches = node.get(key)
        if isinstance(branches, list) and _NULL in branches:
            rest = [b for b in branches if b != _NULL]
            if len(rest) == 1 and isinstance(rest[0], dict) and nullable and isinstance(rest[0].get("type"), str):
                # {"anyOf": [{"type": "string"}, {"type": "null"}]} -> {"type": ["string", "null"]}
                del node[key]
                for k, v in rest[0].items():
                    node.setdefault(k, v)
                node["type"] = [rest[0]["type"], "null"]
            elif len(rest) == 1 and isinstance(rest[0], dict) and not nullable:
                # An optional argument: leaving it out is the way to say null.
                del node[key]
                for k, v in rest[0].items():
                    node.setdefault(k, v)  # the field's own keywords (description, extra schema) win
    for key in ("properties", "$defs"):
        for child in (node.get(key) or {}).values():
            _lean(child, nullable)
    for key in ("items", "additionalProperties"):
        _lean(node.get(key), nullable)
    if node.get("additionalProperties") is True:
        del node["additionalProperties"]
    for key in ("anyOf", "oneOf", "allOf"):
        for child in node.get(key) or []:
            _lean(child, nullable)


def _drop_annotations(node: Any) -> None:
    """Descriptions and defaults say nothing about a result the model already holds."""
    if isinstance(node, list):
        for value in node:
            _drop_annotations(value)
    elif isinstance(node, dict):
        node.pop("description", None)
        node.pop("default", None)
        for key, value in node.items():
            # maps of names to schemas: recurse into the schemas, never treat a name as a keyword
            children = value.values() if key in ("properties", "$defs") and isinstance(value, dict) else [value]
            for child in children:
                _drop_annotations(child)


_FILLER = frozenset({"a", "an", "the", "of", "on", "to", "its", "for"})


def _stem(word: str) -> str:
    for suffix in ("ing", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)]
    return word


def _words(text: str) -> set[str]:
    return {_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower())} - _FILLER


def restates_name(name: str, description: Any) -> bool:
    """A description that only says the field's name again ("First name." on first_name, "{{city}}" on city,
    "Track opens." on open_tracking) tells the model nothing its name does not."""
    if not isinstance(description, str) or not description.strip():
        return False
    return _words(description) <= _words(name.replace("_", " "))


def _trim_input(node: Any, name: str = "") -> None:
    """What an input schema says without telling the model anything, removed:
    - `"default": false` on a boolean (absent = false is what a flag means);
    - `"additionalProperties": false` on nested objects (unknown fields are rejected by the server either way,
      with an error naming the valid ones);
    - a description that only restates the field's name."""
    if isinstance(node, list):
        for value in node:
            _trim_input(value)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "boolean" and node.get("default") is False:
        del node["default"]
    if node.get("additionalProperties") is False and name != "":
        del node["additionalProperties"]
    for key, value in node.items():
        if key in ("properties", "$defs") and isinstance(value, dict):
            for child_name, child in value.items():
                _trim_input(child, child_name if key == "properties" else "$def")
                if key == "properties" and isinstance(child, dict) and restates_name(child_name,
                                                                                    child.get("description")):
                    del child["description"]
        elif isinstance(value, dict | list):
            _trim_input(value, "$inner")


def compact_input_schema(schema: dict[str, Any]) -> dict[str, Any]:
    lean = lean_schema(schema)
    _trim_input(lean)
    return lean


def compact_output_schema(schema: dict[str, Any]) -> dict[str, Any]:
    lean = lean_schema(schema, nullable=True)
    _drop_annotations(lean)
    return lean
