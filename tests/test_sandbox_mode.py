"""Sandbox mode: three servers started at once share one auto-started sandbox per API, which keeps its
state, says so in every result, and can be reset."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from contextlib import AsyncExitStack
from pathlib import Path

from mcp import ClientSession, StdioServerParameters, stdio_client

from shared.asgi import free_port
from tests.conftest import subprocess_env

BIN = Path(sys.executable).parent


def sandbox_pids(port: int) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in cmd and str(port).encode() in cmd and any(b".sandbox" in c for c in cmd):
            pids.append(int(proc.name))
    return pids


async def test_three_servers_share_one_auto_started_sandbox(tmp_path: Path) -> None:
    ip, sp = free_port(), free_port()
    env = subprocess_env(ISMCP_SANDBOX_DIR=str(tmp_path / "sandboxes"), ISMCP_SANDBOX_INSTANTLY_PORT=str(ip),
                         ISMCP_SANDBOX_STRIPE_PORT=str(sp))
    calls = {"instantly-mcp": ("instantly_workspace", {}), "stripe-mcp": ("stripe_get_balance", {}),
             "orchestrator-mcp": ("system_status", {})}
    try:
        async with AsyncExitStack() as stack:
            sessions = {}
            for script in calls:
                params = StdioServerParameters(command=str(BIN / script), args=["--sandbox"], env=env)
                errlog = stack.enter_context(open(tmp_path / f"{script}.log", "w", encoding="utf-8"))
                read, write = await stack.enter_async_context(stdio_client(params, errlog=errlog))
                sessions[script] = await stack.enter_async_context(ClientSession(read, write))
                await sessions[script].initialize()
            results = await asyncio.gather(*(sessions[s].call_tool(name, args) for s, (name, args) in calls.items()))
        for script, result in zip(calls, results, strict=True):
            assert not result.is_error, (script, result.content[0].text)
            assert "sandbox" in result.content[0].text.lower(), script
        assert len(sandbox_pids(ip)) == 1 and len(sandbox_pids(sp)) == 1
        status = subprocess.run([str(BIN / "orchestrator-mcp"), "sandbox", "status"], env=env, capture_output=True,
                                text=True, timeout=60)
        assert status.stdout.count("running at") == 2
        reset = subprocess.run([str(BIN / "orchestrator-mcp"), "sandbox", "reset"], env=env, capture_output=True,
                               text=True, timeout=60)
        assert reset.returncode == 0 and reset.stdout.count("reset") == 2
    finally:
        for pid in sandbox_pids(ip) + sandbox_pids(sp):
            subprocess.run(["kill", str(pid)], check=False)
