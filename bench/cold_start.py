"""B4: spawn each server and complete `initialize` over stdio, median of N, against a bare MCPServer floor."""

from __future__ import annotations

import os
import statistics
import subprocess
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


BREAKDOWN = """
import time
t0 = time.perf_counter(); import mcp.server.mcpserver; t1 = time.perf_counter()
import {pkg}.server as s; t2 = time.perf_counter(); s.build(); t3 = time.perf_counter()
print((t2 - t1) * 1000, (t3 - t2) * 1000)
"""


def breakdown(pkg: str, env: dict[str, str], repeats: int = 3) -> tuple[float, float]:
    """Median ms of (importing our modules after mcp, building the server's tools), each in a fresh process."""
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", BREAKDOWN.format(pkg=pkg)], capture_output=True, text=True,
                             env=env, cwd=str(ROOT), check=True).stdout.split()
        runs.append((float(out[0]), float(out[1])))
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


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
        parts = {name: breakdown(name.replace("-mcp", "_mcp"), env) for name in targets if name != "floor"}
    floor = statistics.median(times["floor"])
    rows = []
    for name in ("instantly-mcp", "stripe-mcp", "orchestrator-mcp"):
        overhead = (statistics.median(times[name]) - floor) * 1000
        imports, build = parts[name]
        note = (f"Of the overhead, importing our modules after mcp takes {imports:.0f} ms and building the tool "
                f"schemas {build:.0f} ms (fresh processes; no server imports the stripe SDK, ~150 ms, before its "
                "first Stripe call). Meeting the bound would need the tool modules themselves to load lazily; not done.") if overhead > GOAL_MS else ""
        rows.append(Row(
            id="B4", what=f"cold start {name}", figure=f"+{overhead:.0f} ms over floor",
            goal=f"<= +{GOAL_MS:.0f} ms", verdict="met" if overhead <= GOAL_MS else "missed",
            detail=[f"{name}: {spread(times[name])}", f"floor: {spread(times['floor'])}",
                    f"our imports {imports:.0f} ms, tool build {build:.0f} ms"],
            note=note,
        ))
    return rows
