"""What the model sees: the tool schemas (snapshot) and the size of the whole tools/list."""

from __future__ import annotations

import json
from pathlib import Path

from mcp import Client

from stripe_mcp.server import build
from tests.support.snapshots import check_snapshot, tool_listing

OFFICIAL_TOOLS_LIST_BYTES = 21_622  # @stripe/mcp 0.2.5, 22 tools: the tools/list result, compact JSON


async def test_tool_schema_snapshot() -> None:
    check_snapshot(await tool_listing(build()), Path(__file__).parent / "snapshots" / "stripe_tools.json")


async def test_tools_list_is_smaller_than_the_official_servers() -> None:
    async with Client(build()) as client:
        tools = (await client.list_tools()).tools
    payload = {"tools": [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]}
    size = len(json.dumps(payload, separators=(",", ":")))
    assert size < OFFICIAL_TOOLS_LIST_BYTES, size
    assert all(t.output_schema for t in tools)  # structured output everywhere, and still smaller
