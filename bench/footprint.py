"""B5: the size of `tools/list` per server: total bytes, and the model-facing bytes per tool
(name + title + description + input schema, compact JSON)."""

from __future__ import annotations

import json

from mcp import Client

from bench.common import Row

OFFICIAL_STRIPE_BYTES = 21_600  # the official Stripe MCP server's tools/list, 22 tools (shared/reference/stripe.md)


def _compact(value: object) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode())


async def run() -> list[Row]:
    from instantly_mcp.server import build as instantly
    from orchestrator_mcp.server import build as orchestrator
    from stripe_mcp.server import build as stripe

    rows = []
    for name, build in (("instantly", instantly), ("stripe", stripe), ("orchestrator", orchestrator)):
        async with Client(build()) as client:
            tools = (await client.list_tools()).tools
        total = _compact({"tools": [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]})
        per_tool = {
            t.name: _compact({"name": t.name, "title": t.title, "description": t.description,
                              "inputSchema": t.input_schema})
            for t in tools
        }
        facing = sum(per_tool.values())
        biggest = sorted(per_tool.items(), key=lambda kv: -kv[1])[:3]
        goal, verdict = "info", "info"
        if name == "stripe":
            goal = f"< {OFFICIAL_STRIPE_BYTES} B (official server)"
            verdict = "met" if total < OFFICIAL_STRIPE_BYTES else "missed"
        rows.append(Row(
            id="B5", what=f"tools/list {name} ({len(tools)} tools)",
            figure=f"{total} B total, {facing} B model-facing", goal=goal, verdict=verdict,
            detail=[f"largest: {', '.join(f'{n} {b} B' for n, b in biggest)}",
                    f"per tool: {json.dumps(per_tool, separators=(',', ':'))}"],
        ))
    return rows
