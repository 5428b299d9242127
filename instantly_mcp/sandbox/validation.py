"""A small JSON-Schema subset validator with Instantly's (Fastify/ajv) message style, e.g.
`body must have required property 'name'`, `body/leads must NOT have more than 1000 items`.

Unknown properties are ignored (Fastify's removeAdditional), as the real API does."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from instantly_mcp.sandbox.ids import is_uuid, parse_ts
from instantly_mcp.sandbox.web import ApiError

_TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _format_ok(fmt: str, value: Any) -> bool:
    if not isinstance(value, str):
        return True
    if fmt == "uuid":
        return is_uuid(value)
    if fmt == "email":
        return bool(EMAIL_RE.match(value))
    if fmt == "date":
        try:
            date.fromisoformat(value)
            return len(value) == 10
        except ValueError:
            return False
    if fmt == "date-time":
        try:
            parse_ts(value)
            return "T" in value
        except ValueError:
            return False
    if fmt == "uri":
        return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$", value))
    return True


def _fail(where: str, text: str) -> ApiError:
    return ApiError(400, f"{where} {text}")


def validate(value: Any, schema: dict[str, Any], where: str = "body") -> None:
    """Raise ApiError(400) at the first violation."""
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else list(types)
        if not any(_TYPE_CHECKS[t](value) for t in names):
            raise _fail(where, f"must be {','.join(names)}")
    if "enum" in schema and value not in schema["enum"]:
        raise _fail(where, "must be equal to one of the allowed values")
    if value is None:
        return
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            raise _fail(where, f"must NOT have fewer than {schema['minLength']} characters")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            raise _fail(where, f'must match pattern "{schema["pattern"]}"')
        if "format" in schema and not _format_ok(schema["format"], value):
            raise _fail(where, f'must match format "{schema["format"]}"')
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise _fail(where, f"must be >= {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            raise _fail(where, f"must be <= {schema['maximum']}")
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            raise _fail(where, f"must NOT have fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            raise _fail(where, f"must NOT have more than {schema['maxItems']} items")
        if "items" in schema:
            for i, item in enumerate(value):
                validate(item, schema["items"], f"{where}/{i}")
    if isinstance(value, dict):
        if "minProperties" in schema and len(value) < schema["minProperties"]:
            raise _fail(where, f"must NOT have fewer than {schema['minProperties']} properties")
        for name in schema.get("required", ()):
            if name not in value:
                raise _fail(where, f"must have required property '{name}'")
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            if name in props:
                validate(item, props[name], f"{where}/{name}")
            elif isinstance(extra, dict):
                validate(item, extra, f"{where}/{name}")


def known(value: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The body restricted to the schema's properties (what Fastify would keep)."""
    props = schema.get("properties", {})
    return {k: v for k, v in value.items() if k in props}
