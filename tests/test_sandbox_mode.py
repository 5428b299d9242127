"""Sandbox mode: three servers started at once share one auto-started sandbox per API, which keeps its
state, says so in every result, and can be reset."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from contextlib import AsyncExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from mcp import Client, ClientSession, StdioServerParameters, stdio_client

from instantly_mcp.server import build as build_instantly
from shared.asgi import free_port
from shared.deps import ServerOptions
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


def sandbox_cli(action: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "orchestrator-mcp"), "sandbox", action], env=env, capture_output=True,
                          text=True, timeout=60)


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
        status = sandbox_cli("status", env)
        assert status.stdout.count("running at") == 2
        for pid in sandbox_pids(ip) + sandbox_pids(sp):
            assert f"(pid {pid}, auto-started)" in status.stdout
        reset = sandbox_cli("reset", env)
        assert reset.returncode == 0 and reset.stdout.count("reset") == 2
        stopped = sandbox_cli("stop", env)
        assert stopped.returncode == 0 and stopped.stdout.count("stopped (pid") == 2, stopped.stdout
        assert sandbox_pids(ip) == [] and sandbox_pids(sp) == []
        assert sandbox_cli("status", env).stdout.count("not running") == 2
        assert sandbox_cli("stop", env).stdout.count("not running") == 2
    finally:
        for pid in sandbox_pids(ip) + sandbox_pids(sp):
            subprocess.run(["kill", str(pid)], check=False)


class _OtherApp(BaseHTTPRequestHandler):
    """Some other program's web server: answers 200 with JSON to every GET, /_sandbox/health included."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = b'{"ok": true, "status": "healthy"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


async def test_auto_start_refuses_a_port_held_by_another_program(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    other = ThreadingHTTPServer(("127.0.0.1", 0), _OtherApp)
    port = other.server_address[1]
    threading.Thread(target=other.serve_forever, daemon=True).start()
    monkeypatch.setenv("ISMCP_SANDBOX_DIR", str(tmp_path / "sandboxes"))
    monkeypatch.setenv("ISMCP_SANDBOX_INSTANTLY_PORT", str(port))
    try:
        async with Client(build_instantly(ServerOptions(sandbox=True, audit=False))) as client:
            result = await client.call_tool("instantly_workspace", {})
        env = subprocess_env(ISMCP_SANDBOX_DIR=str(tmp_path / "sandboxes"), ISMCP_SANDBOX_INSTANTLY_PORT=str(port),
                             ISMCP_SANDBOX_STRIPE_PORT=str(free_port()))
        status = sandbox_cli("status", env)
        stopped = sandbox_cli("stop", env)
    finally:
        other.shutdown()
        other.server_close()
    text = result.content[0].text
    assert result.is_error and f"Port {port} is in use by something that is not the instantly sandbox" in text
    assert "ISMCP_SANDBOX_INSTANTLY_PORT" in text
    assert f"instantly: not running: port {port} is held by something else (HTTP 200" in status.stdout
    assert f"port {port} is held by something else" in stopped.stdout and "left alone" in stopped.stdout
    assert not (tmp_path / "sandboxes" / "instantly.pid").exists()  # nothing was spawned
