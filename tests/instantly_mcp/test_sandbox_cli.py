"""`python -m instantly_mcp.sandbox serve|reset` and the `sandbox` subcommand the console script mounts."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import httpx

from instantly_mcp.sandbox import SANDBOX_API_KEY
from instantly_mcp.sandbox.cli import add_sandbox_command, main
from shared.asgi import free_port
from tests.conftest import subprocess_env


def test_serve_runs_in_the_foreground_and_keeps_state(tmp_path: Path) -> None:
    db, port = tmp_path / "cli.sqlite", free_port()
    command = [sys.executable, "-m", "instantly_mcp.sandbox", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--db", str(db), "--latency-ms", "1"]
    url = f"http://127.0.0.1:{port}"
    with subprocess.Popen(command, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        try:
            deadline = time.monotonic() + 30
            while True:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                try:
                    if httpx.get(f"{url}/_sandbox/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "sandbox did not start"
                time.sleep(0.1)
            headers = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}
            created = httpx.post(f"{url}/api/v2/lead-lists", json={"name": "From the CLI"}, headers=headers)
            assert created.status_code == 200
            assert httpx.get(f"{url}/_sandbox/config").json()["latency_ms"] == 1
        finally:
            proc.terminate()
            proc.communicate(timeout=15)
    assert db.exists()
    assert main(["reset", "--port", str(port), "--db", str(db)]) == 0  # nothing listens: wipes the file


def test_add_sandbox_command_registers_serve_and_reset() -> None:
    parser = argparse.ArgumentParser(prog="instantly-mcp")
    add_sandbox_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sandbox", "serve", "--port", "9999", "--db", "x.sqlite", "--latency-ms", "5"])
    assert (args.port, args.db, args.latency_ms, args.host) == (9999, Path("x.sqlite"), 5.0, "127.0.0.1")
    assert callable(args.func)
    assert parser.parse_args(["sandbox", "reset"]).func.__name__ == "run_reset"
