"""The demo's world: both sandboxes and the webhook receiver as subprocesses on loopback, and the three
servers started over stdio exactly as claude-desktop.json starts them."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
from mcp import ClientSession, StdioServerParameters, stdio_client

from shared.asgi import free_port

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "claude-desktop.json"
PLACEHOLDER = "/ABSOLUTE/PATH/TO/instantly-stripe-mcp/.venv/bin"
INSTANTLY_SANDBOX_KEY = "sandbox-instantly-key"
STRIPE_SANDBOX_KEY = "sk_test_sandbox"


def server_commands() -> dict[str, list[str]]:
    """The servers from claude-desktop.json, with the placeholder path replaced by this install's bin dir."""
    config = json.loads(CONFIG.read_text(encoding="utf-8"))
    bindir = str(Path(sys.executable).parent)
    return {name: [entry["command"].replace(PLACEHOLDER, bindir), *entry.get("args", [])]
            for name, entry in config["mcpServers"].items()}


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


class World:
    """Processes the demo starts, all stopped at the end (even on failure)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.instantly_url = ""
        self.stripe_url = ""
        self.receiver_url = ""
        self.instantly_hook_secret = secrets.token_urlsafe(24)
        self.stripe_hook_secret = ""
        self.sessions: dict[str, ClientSession] = {}
        self.stack = AsyncExitStack()

    def spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        log = open(self.logs / f"{name}.log", "w", encoding="utf-8")  # noqa: SIM115 - owned by the child
        self.procs.append(subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL, cwd=ROOT,
                                           env={**os.environ, **(env or {})}))
        log.close()

    def start_sandboxes(self) -> None:
        ip, sp = free_port(), free_port()
        self.spawn("instantly-sandbox", [sys.executable, "-m", "instantly_mcp.sandbox", "serve", "--port", str(ip),
                                         "--db", str(self.workdir / "instantly-sandbox.sqlite")])
        self.spawn("stripe-sandbox", [sys.executable, "-m", "stripe_mcp.sandbox", "serve", "--port", str(sp),
                                      "--db", str(self.workdir / "stripe-sandbox.sqlite")])
        self.instantly_url, self.stripe_url = f"http://127.0.0.1:{ip}", f"http://127.0.0.1:{sp}"
        wait_http(f"{self.instantly_url}/_sandbox/health")
        wait_http(f"{self.stripe_url}/_sandbox/health")

    def remove_stale_webhooks(self) -> int:
        """A kept run's sandboxes still deliver to the receivers of earlier runs, which are gone: remove those
        webhooks (Instantly) and endpoints (Stripe) so deliveries are not retried against dead ports."""
        removed = 0
        for listing, key, items in ((f"{self.instantly_url}/api/v2/webhooks", INSTANTLY_SANDBOX_KEY, "items"),
                                    (f"{self.stripe_url}/v1/webhook_endpoints", STRIPE_SANDBOX_KEY, "data")):
            auth = {"Authorization": f"Bearer {key}"}
            res = httpx.get(listing, headers=auth, params={"limit": 100}, timeout=10)
            res.raise_for_status()
            for hook in res.json().get(items) or []:
                httpx.delete(f"{listing}/{hook['id']}", headers=auth, timeout=10).raise_for_status()
                removed += 1
        return removed

    def env(self) -> dict[str, str]:
        """What each server gets in its `env` block: the sandboxes' addresses and keys, the demo's store."""
        return {
            "INSTANTLY_BASE_URL": self.instantly_url, "INSTANTLY_API_KEY": INSTANTLY_SANDBOX_KEY,
            "STRIPE_API_BASE": self.stripe_url, "STRIPE_API_KEY": STRIPE_SANDBOX_KEY,
            "INSTANTLY_WEBHOOK_SECRET": self.instantly_hook_secret, "STRIPE_WEBHOOK_SECRET": self.stripe_hook_secret,
            "ISMCP_STORE_PATH": str(self.workdir / "store.sqlite"),
        }

    def start_receiver(self) -> None:
        port = free_port()
        self.receiver_url = f"http://127.0.0.1:{port}"
        # Stripe signs deliveries with the endpoint's secret: register first, then start the receiver with it.
        res = httpx.post(f"{self.stripe_url}/v1/webhook_endpoints", auth=None, timeout=10,
                         headers={"Authorization": f"Bearer {STRIPE_SANDBOX_KEY}"},
                         data={"url": f"{self.receiver_url}/webhooks/stripe", "enabled_events[]": "*"})
        res.raise_for_status()
        self.stripe_hook_secret = res.json()["secret"]
        bindir = Path(sys.executable).parent
        self.spawn("receiver", [str(bindir / "orchestrator-mcp"), "webhooks", "serve", "--port", str(port),
                                "--interval", "0.5"], env=self.env())
        wait_http(f"{self.receiver_url}/healthz")

    async def connect(self) -> None:
        base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
        for name, argv in server_commands().items():
            params = StdioServerParameters(command=argv[0], args=argv[1:], env={**base, **self.env()})
            errlog = self.stack.enter_context(open(self.logs / f"{name}-server.log", "w", encoding="utf-8"))
            read, write = await self.stack.enter_async_context(stdio_client(params, errlog=errlog))
            session = await self.stack.enter_async_context(ClientSession(read, write))
            await session.initialize()
            self.sessions[name] = session

    def control(self, api: str, path: str, body: Any = None) -> Any:
        base = self.instantly_url if api == "instantly" else self.stripe_url
        res = httpx.request("POST" if body is not None else "GET", f"{base}/_sandbox/{path}", json=body, timeout=30)
        res.raise_for_status()
        return res.json()

    async def close(self) -> None:
        try:
            await self.stack.aclose()
        finally:
            for proc in self.procs:
                proc.terminate()
            for proc in self.procs:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
