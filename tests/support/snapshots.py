"""Tool-schema snapshots: a change to what the model sees must be deliberate.

Re-record with UPDATE_SNAPSHOTS=1 after a deliberate change, and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mcp import Client


async def tool_listing(server: Any) -> dict[str, Any]:
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
    return {
        t.name: {
            "title": t.title,
            "description": t.description,
            "annotations": t.annotations.model_dump(mode="json", exclude_none=True) if t.annotations else None,
            "input_schema": t.input_schema,
            "output_schema": t.output_schema,
        }
        for t in tools
    }


def check_snapshot(listing: dict[str, Any], path: Path) -> None:
    text = json.dumps(listing, indent=1, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") or not path.exists():
        if not path.exists() and not os.environ.get("UPDATE_SNAPSHOTS"):
            raise AssertionError(f"no snapshot at {path}; record it with UPDATE_SNAPSHOTS=1 and review it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    expected = json.loads(path.read_text(encoding="utf-8"))
    changed = sorted(k for k in set(expected) | set(listing) if expected.get(k) != listing.get(k))
    assert not changed, f"tool schemas changed: {changed}. If deliberate, re-record with UPDATE_SNAPSHOTS=1"
