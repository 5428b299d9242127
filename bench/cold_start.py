"""B4: spawn each server and complete `initialize` over stdio, median of N, against a bare MCPServer floor."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

from mcp import ClientSession, StdioServerParameters, stdio_client

from bench.common import BIN, ROOT, Row, base_env, spread

GOAL_MS = 150.0


async def _once(command: str, args: list[str], env: dict[str, str]) -> float:
    params = StdioServerParameters(command=command, args=args, env=env, cwd=str(ROOT))
    started = time.perf_counter()
    with open(os.devnull, "w", encoding="utf-8") as devnull:
        async with stdio_client(params, errlog=devnull) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            elapsed = time.perf_counter() - started
    return elapsed


async def run(repeats: int = 10) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        env = base_env(ISMCP_STORE_PATH=f"{tmp}/store.sqlite", PYTHONPATH=str(ROOT))
        targets = {
            "floor": (sys.executable, [str(ROOT / "bench" / "floor_server.py")]),
            "instantly-mcp": (str(BIN / "instantly-mcp"), []),
            "stripe-mcp": (str(BIN / "stripe-mcp"), []),
            "orchestrator-mcp": (str(BIN / "orchestrator-mcp"), []),
        }
        times: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(repeats):  # interleaved, so noise hits every target alike
            for name, (command, args) in targets.items():
                times[name].append(await _once(command, args, env))
    floor = statistics.median(times["floor"])
    rows = []
    for name in ("instantly-mcp", "stripe-mcp", "orchestrator-mcp"):
        overhead = (statistics.median(times[name]) - floor) * 1000
        rows.append(Row(
            id="B4", what=f"cold start {name}", figure=f"+{overhead:.0f} ms over floor",
            goal=f"<= +{GOAL_MS:.0f} ms", verdict="met" if overhead <= GOAL_MS else "missed",
            detail=[f"{name}: {spread(times[name])}", f"floor: {spread(times['floor'])}"],
        ))
    return rows
