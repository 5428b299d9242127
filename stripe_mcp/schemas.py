"""Compact tool schemas, so the whole tools/list stays small (it is sent to the model on every turn).

pydantic adds a title to every property (it repeats the name) and publishes `X | None = None` as
`anyOf: [X, null], default: null`. After the tools are registered we rewrite the published schemas in place:
- inputs: no titles; optional fields become plain `X` (absent means None; the server still accepts null);
- outputs: no titles or descriptions; optional fields become `"type": [X, "null"]` (clients validate results
  against the output schema, so it must stay exact).
Validation is untouched: it uses the pydantic models, not these dicts.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)
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


def compact_server_schemas(server: Any) -> None:
    """Rewrite the registered tools' published schemas. MCPServer has no public hook for this, so we reach its
    tool manager; if that ever moves, the schemas are just larger (the snapshot test shows it)."""
    manager = getattr(server, "_tool_manager", None)
    if manager is None:
        log.warning("cannot compact tool schemas: MCPServer internals changed")
        return
    for tool in manager.list_tools():
        compact_input_schema(tool.parameters)
        if tool.fn_metadata.output_schema is not None:
            compact_output_schema(tool.fn_metadata.output_schema)
