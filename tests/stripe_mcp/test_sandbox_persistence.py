"""State survives a restart (objects, idempotency keys, the clock, key permissions); the command line works."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import httpx

from shared.asgi import BackgroundServer, free_port
from stripe_mcp.sandbox import SANDBOX_API_KEY, create_app
from stripe_mcp.sandbox.cli import add_sandbox_command, run_reset
from tests.conftest import REPO, subprocess_env
from tests.stripe_mcp.conftest import wait_for

AUTH = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}


def test_state_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite"
    with BackgroundServer(create_app(db)) as server, httpx.Client(base_url=server.url, headers=AUTH) as http:
        cus = http.post("/v1/customers", data={"email": "keep@example.com"},
                        headers={"Idempotency-Key": "persist-1"}).json()
        http.post("/_sandbox/keys", json={"rk_test_ro": ["customers:read"]})
        clock = http.post("/_sandbox/advance_time", json={"seconds": 86400}).json()
    with BackgroundServer(create_app(db)) as server, httpx.Client(base_url=server.url, headers=AUTH) as http:
        assert http.get(f"/v1/customers/{cus['id']}").json()["email"] == "keep@example.com"
        replay = http.post("/v1/customers", data={"email": "keep@example.com"},
                           headers={"Idempotency-Key": "persist-1"})
        assert replay.json()["id"] == cus["id"] and replay.headers["Idempotent-Replayed"] == "true"
        assert http.get("/_sandbox/stats").json()["objects"]["customer"] == 1
        assert http.get("/_sandbox/clock").json()["now"] >= clock["now"]
        denied = http.post("/v1/customers", data={"email": "x@example.com"},
                           headers={"Authorization": "Bearer rk_test_ro"})
        assert denied.status_code == 403
        events = http.get("/v1/events").json()["data"]
        assert [e["type"] for e in events] == ["customer.created"]


def test_cli_registers_sandbox_commands_and_resets(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser(prog="stripe-mcp")
    add_sandbox_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sandbox", "serve", "--port", "9999", "--db", str(tmp_path / "x.sqlite"),
                              "--latency-ms", "5"])
    assert (args.port, args.latency_ms, args.host) == (9999, 5.0, "127.0.0.1") and callable(args.func)
    db = tmp_path / "reset.sqlite"
    with BackgroundServer(create_app(db)) as server:
        httpx.post(server.url + "/v1/customers", data={"email": "gone@example.com"}, headers=AUTH)
    reset_args = parser.parse_args(["sandbox", "reset", "--db", str(db)])
    assert reset_args.func is run_reset and reset_args.func(reset_args) == 0
    with BackgroundServer(create_app(db)) as server:
        assert httpx.get(server.url + "/_sandbox/stats").json()["objects"] == {}


def test_python_m_serve(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "stripe_mcp.sandbox", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--db", str(tmp_path / "cli.sqlite")],
        cwd=REPO, env=subprocess_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        def healthy() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/_sandbox/health", timeout=1).json()["ok"]
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "exited"
                return False

        wait_for(healthy, timeout=20, interval=0.1)
        created = httpx.post(f"http://127.0.0.1:{port}/v1/products", data={"name": "CLI"}, headers=AUTH)
        assert created.status_code == 200 and created.json()["id"].startswith("prod_")
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        if proc.stderr:
            proc.stderr.close()
