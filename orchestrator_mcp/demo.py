"""`make demo`: start the three servers exactly as claude-desktop.json does and talk to them as a client.

Until the full scenario lands this is a smoke check: each server is spawned over stdio, initialized,
and asked for its tools; the run fails (non-zero exit) if any server does not answer.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

from mcp import ClientSession, StdioServerParameters, stdio_client

CONFIG = Path(__file__).resolve().parent.parent / "claude-desktop.json"


def server_commands() -> dict[str, list[str]]:
    """The servers from claude-desktop.json, with the placeholder path replaced by this install's bin dir."""
    config = json.loads(CONFIG.read_text(encoding="utf-8"))
    bindir = str(Path(sys.executable).parent)
    out = {}
    for name, entry in config["mcpServers"].items():
        command = entry["command"].replace("/ABSOLUTE/PATH/TO/instantly-stripe-mcp/.venv/bin", bindir)
        out[name] = [command, *entry.get("args", [])]
    return out


async def check(name: str, argv: list[str]) -> tuple[str, int, float]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "ISMCP_STORE_PATH", "TMPDIR")}
    params = StdioServerParameters(command=argv[0], args=argv[1:], env=env)
    started = time.monotonic()
    with open(os.devnull, "w", encoding="utf-8") as devnull:
        async with stdio_client(params, errlog=devnull) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            tools = (await session.list_tools()).tools
    return name, len(tools), time.monotonic() - started


async def smoke() -> int:
    rows = []
    for name, argv in server_commands().items():
        try:
            rows.append(await check(name, argv))
        except Exception as exc:  # noqa: BLE001 - report any failure as a failed step
            print(f"FAIL  {name}: {type(exc).__name__}: {exc}")
            return 1
    print(f"{'server':<14}{'tools':>6}{'start+list (s)':>16}")
    for name, count, secs in rows:
        print(f"{name:<14}{count:>6}{secs:>16.2f}")
    print("All three servers answered initialize and tools/list over stdio.")
    return 0


def main() -> int:
    return asyncio.run(smoke())
