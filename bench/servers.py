"""Servers for the benchmarks, each in its own process on loopback, as a remote API would be: their CPU work
does not share the benchmark's interpreter lock, and two cores are used the way they would be in production."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Self

import httpx

from bench.common import ROOT, base_env
from shared.asgi import free_port

INSTANTLY_KEY = "sandbox-instantly-key"
STRIPE_KEY = "sk_test_sandbox"
CAMPAIGN = {
    "campaign_schedule": {"schedules": [{
        "name": "Weekdays", "timing": {"from": "09:00", "to": "17:00"},
        "days": {"1": True, "2": True, "3": True, "4": True, "5": True}, "timezone": "America/Chicago"}]},
    "sequences": [{"steps": [{"type": "email", "delay": 2, "variants": [
        {"subject": "Quick question, {{firstName}}", "body": "Hi {{firstName}}, {{payment_link}}"}]}]}],
}


class Served:
    """`async with Served([...args], health="/path") as srv:` a process serving HTTP on `srv.url`."""

    def __init__(self, args: list[str], port: int, *, health: str, log: Path, **env: str) -> None:
        self.args, self.port, self.health, self.log, self.env = args, port, health, log, env
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = base_env(**{"PYTHONPATH": str(ROOT), **self.env})
        with open(self.log, "wb") as log:
            return subprocess.Popen([sys.executable, *self.args], cwd=ROOT, env=env, stdout=log, stderr=log)

    async def __aenter__(self) -> Self:
        self.proc = self._spawn()
        deadline = time.monotonic() + 30
        async with httpx.AsyncClient() as http:
            while True:
                try:
                    if (await http.get(self.url + self.health)).status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{self.args} did not start: {self.log.read_text()[-2000:]}")
                await asyncio.sleep(0.05)

    async def __aexit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    async def control(self, path: str, body: Any = None) -> Any:
        async with httpx.AsyncClient(timeout=60) as http:
            res = await (http.post(self.url + path, json=body) if body is not None else http.get(self.url + path))
            res.raise_for_status()
            return res.json()


def instantly_sandbox(tmp: str, latency_ms: float = 0.0) -> Served:
    port = free_port()
    return Served(["-m", "instantly_mcp.sandbox", "serve", "--port", str(port), "--db", f"{tmp}/instantly.sqlite",
                   "--latency-ms", str(latency_ms)], port, health="/_sandbox/health", log=Path(tmp, "instantly.log"))


def stripe_sandbox(tmp: str, latency_ms: float = 0.0) -> Served:
    port = free_port()
    return Served(["-m", "stripe_mcp.sandbox", "serve", "--port", str(port), "--db", f"{tmp}/stripe.sqlite",
                   "--latency-ms", str(latency_ms)], port, health="/_sandbox/health", log=Path(tmp, "stripe.log"))


def asgi_app(factory: str, tmp: str, name: str, *, workers: int = 1, **env: str) -> Served:
    """uvicorn serving `module:function` (an app factory), configured through the environment; with `workers`,
    that many processes accepting on the one port (orchestrator_mcp.events.workers: SO_REUSEPORT)."""
    port = free_port()
    if workers > 1:  # as `orchestrator-mcp webhooks serve --workers N` runs them
        args = ["-m", "orchestrator_mcp.events.workers", "--factory", factory, "--port", str(port), "--workers",
                str(workers)]
    else:
        args = ["-m", "uvicorn", "--factory", factory, "--port", str(port), "--log-level", "warning"]
    return Served(args, port, health="/healthz", log=Path(tmp, f"{name}.log"), **env)


async def new_campaign(instantly: Served, name: str) -> str:
    async with httpx.AsyncClient(timeout=60, headers={"Authorization": f"Bearer {INSTANTLY_KEY}"}) as http:
        res = await http.post(f"{instantly.url}/api/v2/campaigns", json={"name": name, **CAMPAIGN})
        res.raise_for_status()
        return str(res.json()["id"])


def instantly_requests(stats: dict[str, Any]) -> int:
    return int(stats["requests_total"])


def stripe_requests(stats: dict[str, Any]) -> int:
    return int(stats["requests"]["total"])


def pipeline_env(instantly: Served, stripe: Served, store: str) -> dict[str, str]:
    """The environment that points the orchestrator at both sandboxes and a fresh store."""
    return {"INSTANTLY_BASE_URL": instantly.url, "INSTANTLY_API_KEY": INSTANTLY_KEY, "STRIPE_API_BASE": stripe.url,
            "STRIPE_API_KEY": STRIPE_KEY, "ISMCP_STORE_PATH": store}


class patched_env:
    """Set environment variables for the duration of a block (the orchestrator reads them at call time)."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values, self.saved = values, {k: os.environ.get(k) for k in values}

    def __enter__(self) -> None:
        os.environ.update(self.values)

    def __exit__(self, *exc: object) -> None:
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
