"""Stripe's form encoding: `a[b][c]=v`, `a[0][b]=v` and `a[]=v` keys, in bodies and in query strings.

Parsing keeps every level a dict (string keys); `as_list` turns a dict with integer keys into a list when a
handler asks for a list, so `metadata[0]=x` stays a metadata key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from .errors import invalid

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")


def parse_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for key, value in pairs:
        m = _KEY.match(key)
        if not m:
            raise invalid(f"Invalid parameter name: {key}", key)
        parts = [m.group(1), *_PART.findall(m.group(2))]
        node = root
        for i, part in enumerate(parts):
            if part == "":  # `a[]`: the next index
                part = str(len(node))
            if i == len(parts) - 1:
                node[part] = value
                break
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
    return root


def parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    if not body.strip():
        return {}
    if content_type.startswith("application/json"):
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise invalid(f"Invalid JSON body: {exc}") from exc
        if not isinstance(data, dict):
            raise invalid("The request body must be an object.")
        return data
    text = body.decode("utf-8", errors="replace")
    return parse_pairs(parse_qsl(text, keep_blank_values=True))


def as_list(value: Any) -> list[Any] | None:
    """A list from a JSON list or from a dict keyed 0..n (form arrays); None if it is neither."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        if not value:
            return []
        if all(isinstance(k, str) and k.isdigit() for k in value):
            return [value[k] for k in sorted(value, key=int)]
    return None


def canonical(params: dict[str, Any]) -> str:
    """A stable text of the parameters, to tell whether two requests carry the same ones."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)
