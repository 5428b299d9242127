"""Compact tool schemas, so the whole tools/list stays small (it is sent to the model on every turn).

pydantic adds a title to every property (it repeats the name) and publishes `X | None = None` as
`anyOf: [X, null], default: null`. shared.server publishes compacted copies of the schemas:
- inputs: no titles; optional fields become plain `X` (absent means None; the server still accepts null);
- outputs: no titles or descriptions; optional fields become `"type": [X, "null"]` (clients validate results
  against the output schema, so it must stay exact).
Validation is untouched: it uses the pydantic models, not these dicts.
"""

from __future__ import annotations

from typing import Any

_NULL = {"type": "null"}


def _collapse_optional(prop: dict[str, Any], *, keep_null: bool) -> None:
    options = prop.get("anyOf")
    if not (isinstance(options, list) and len(options) == 2 and _NULL in options):
        return
    other = next(o for o in options if o != _NULL)
    if keep_null and not isinstance(other.get("type"), str):
        return  # a $ref or a union: leave it exact
    del prop["anyOf"]
    prop.update(other)
    if keep_null:
        prop["type"] = [other["type"], "null"]
    if "default" in prop and prop["default"] is None:
        del prop["default"]


def _compact_object(schema: dict[str, Any], *, output: bool) -> None:
    schema.pop("title", None)
    if output:
        schema.pop("description", None)
    for prop in (schema.get("properties") or {}).values():
        if not isinstance(prop, dict):
            continue
        prop.pop("title", None)
        if output:
            prop.pop("description", None)
        _collapse_optional(prop, keep_null=output)
        if output:
            prop.pop("default", None)  # meaningless in a result
            for node in (prop, prop.get("items")):
                if isinstance(node, dict) and node.get("additionalProperties") is True:
                    del node["additionalProperties"]  # the default anyway
    for sub in (schema.get("$defs") or {}).values():
        if isinstance(sub, dict):
            _compact_object(sub, output=output)
            if output:
                sub.pop("required", None)  # nested result rows: the top level stays exact


def compact_input_schema(schema: dict[str, Any]) -> dict[str, Any]:
    _compact_object(schema, output=False)
    return schema


def compact_output_schema(schema: dict[str, Any]) -> dict[str, Any]:
    _compact_object(schema, output=True)
    return schema
