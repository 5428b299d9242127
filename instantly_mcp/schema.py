"""Leaner published tool schemas: the same contract with less of the model's context spent on it.

Pydantic's JSON schema repeats a title on every property, spells `X | None` as anyOf [X, null] and
writes `"default": null`. None of it tells the model anything (absent = null for our optional fields;
arguments are validated by the pydantic models, not by this schema), so it is dropped before publishing.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from mcp.server.mcpserver import MCPServer

log = logging.getLogger(__name__)
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


def slim_tools(server: MCPServer) -> MCPServer:
    """Publish lean input and output schemas for every registered tool (validation is unchanged)."""
    manager = getattr(server, "_tool_manager", None)
    if manager is None:  # pragma: no cover - SDK internals moved; the schema snapshot test will notice
        log.warning("cannot slim tool schemas: MCPServer has no _tool_manager")
        return server
    for tool in manager.list_tools():
        tool.parameters = lean_schema(tool.parameters)
        if tool.fn_metadata.output_schema is not None:
            tool.fn_metadata.output_schema = lean_schema(tool.fn_metadata.output_schema, nullable=True)
    return server
