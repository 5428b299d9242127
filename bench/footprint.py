"""B5: the size of `tools/list` per server: total bytes, and the model-facing bytes per tool
(name + title + description + input schema, compact JSON), against the budgets of issue 14 §4."""

from __future__ import annotations

import json

from mcp import Client

from bench.common import Row

OFFICIAL_STRIPE_BYTES = 21_600  # the official Stripe MCP server's tools/list, 22 tools (shared/reference/stripe.md)
# Model-facing budgets (bytes of compact JSON): per server and for all three together.
BUDGETS = {"instantly": 16_000, "stripe": 12_000, "orchestrator": 12_000}
TOTAL_BUDGET = 40_000


def _compact(value: object) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def model_facing(tool: object) -> int:
    """What a model reads of one tool on every turn: name, title, description, input schema."""
    return _compact({"name": tool.name, "title": tool.title, "description": tool.description,  # type: ignore[attr-defined]
                     "inputSchema": tool.input_schema})  # type: ignore[attr-defined]


async def measure() -> dict[str, dict[str, object]]:
    """Per server: its tools' model-facing sizes and the whole tools/list size, as a client sees them."""
    from instantly_mcp.server import build as instantly
    from orchestrator_mcp.server import build as orchestrator
    from stripe_mcp.server import build as stripe

    out: dict[str, dict[str, object]] = {}
    for name, build in (("instantly", instantly), ("stripe", stripe), ("orchestrator", orchestrator)):
        async with Client(build()) as client:
            tools = (await client.list_tools()).tools
        out[name] = {
            "per_tool": {t.name: model_facing(t) for t in tools},
            "total": _compact({"tools": [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]}),
        }
    return out


async def run() -> list[Row]:
    sizes = await measure()
    rows = []
    facing_all = 0
    for name, data in sizes.items():
        per_tool: dict[str, int] = data["per_tool"]  # type: ignore[assignment]
        facing = sum(per_tool.values())
        facing_all += facing
        biggest = sorted(per_tool.items(), key=lambda kv: -kv[1])[:3]
        rows.append(Row(
            id="B5", what=f"tools/list {name} ({len(per_tool)} tools)",
            figure=f"{facing} B model-facing ({data['total']} B whole list)",
            goal=f"<= {BUDGETS[name]} B model-facing", verdict="met" if facing <= BUDGETS[name] else "missed",
            detail=[f"largest: {', '.join(f'{n} {b} B' for n, b in biggest)}",
                    f"per tool: {json.dumps(per_tool, separators=(',', ':'))}"],
            note="" if facing <= BUDGETS[name] else "tool consolidation (issue 14 §4) pending",
        ))
    rows.append(Row(id="B5", what="tools/list, all three servers", figure=f"{facing_all} B model-facing",
                    goal=f"<= {TOTAL_BUDGET} B", verdict="met" if facing_all <= TOTAL_BUDGET else "missed",
                    note="" if facing_all <= TOTAL_BUDGET else "tool consolidation (issue 14 §4) pending"))
    sandbox = await _sandbox_orchestrator()
    extra = sum(v for k, v in sandbox.items() if k.startswith(("simulate_", "sandbox_")))
    rows.append(Row(id="B5", what=f"tools/list orchestrator in sandbox mode ({len(sandbox)} tools)",
                    figure=f"{sum(sandbox.values())} B model-facing ({extra} B of simulation tools)",
                    goal="info (budgets are for real keys)", verdict="info",
                    detail=[f"per tool: {json.dumps(sandbox, separators=(',', ':'))}"]))
    return rows


async def _sandbox_orchestrator() -> dict[str, int]:
    """The orchestrator as sandbox mode lists it: its tools plus the simulation tools (never listed with real keys)."""
    from orchestrator_mcp.server import build
    from shared.deps import ServerOptions

    async with Client(build(ServerOptions(sandbox=True))) as client:
        return {t.name: model_facing(t) for t in (await client.list_tools()).tools}
