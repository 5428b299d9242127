"""`pipeline`: both sandboxes on loopback (fresh state per test) and the environment that points the
orchestrator at them, plus helpers to drive them the way a user's world would."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from orchestrator_mcp.server import build
from shared.asgi import BackgroundServer
from shared.deps import ServerOptions
from stripe_mcp.sandbox import SANDBOX_API_KEY as STRIPE_KEY
from stripe_mcp.sandbox import create_app as stripe_app
from tests.instantly_mcp.conftest import SandboxHandle, campaign_body


@dataclass
class Pipeline:
    instantly: SandboxHandle
    stripe_url: str
    stripe_key: str = STRIPE_KEY

    # --- Instantly ---
    def new_campaign(self, name: str) -> str:
        with self.instantly.client() as http:
            res = http.post("/campaigns", json=campaign_body(name))
            res.raise_for_status()
            return str(res.json()["id"])

    def engage(self, email: str, event: str, campaign_id: str | None = None) -> Any:
        body = {"email": email, "event": event}
        if campaign_id:
            body["campaign_id"] = campaign_id
        return self.instantly.control("engagement", body)

    def leads_in(self, campaign_id: str) -> list[dict[str, Any]]:
        with self.instantly.client() as http:
            res = http.post("/leads/list", json={"campaign": campaign_id, "limit": 100})
            res.raise_for_status()
            return list(res.json()["items"])

    # --- Stripe ---
    def stripe(self, method: str, path: str, **kwargs: Any) -> Any:
        res = httpx.request(method, f"{self.stripe_url}{path}", headers={"Authorization": f"Bearer {self.stripe_key}"},
                            timeout=30, **kwargs)
        res.raise_for_status()
        return res.json()

    def stripe_control(self, path: str, json: Any = None) -> Any:
        res = httpx.request("POST" if json is not None else "GET", f"{self.stripe_url}/_sandbox/{path}", json=json,
                            timeout=30)
        res.raise_for_status()
        return res.json()

    def stripe_count(self, kind: str) -> int:
        return int(self.stripe_control("stats")["objects"].get(kind, 0))

    def price(self, amount: int = 4900, currency: str = "usd", interval: str | None = None,
              name: str = "Growth plan") -> str:
        product = self.stripe("POST", "/v1/products", data={"name": name})
        data = {"product": product["id"], "unit_amount": str(amount), "currency": currency}
        if interval:
            data["recurring[interval]"] = interval
        return str(self.stripe("POST", "/v1/prices", data=data)["id"])


@pytest.fixture
def pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pipeline]:
    instantly = SandboxHandle(db_path=tmp_path / "instantly.sqlite").start()
    with BackgroundServer(stripe_app(tmp_path / "stripe.sqlite")) as stripe_srv:
        monkeypatch.setenv("INSTANTLY_BASE_URL", instantly.url)
        monkeypatch.setenv("INSTANTLY_API_KEY", instantly.api_key)
        monkeypatch.setenv("STRIPE_API_BASE", stripe_srv.url)
        monkeypatch.setenv("STRIPE_API_KEY", STRIPE_KEY)
        try:
            yield Pipeline(instantly=instantly, stripe_url=stripe_srv.url)
        finally:
            # both wind down at once (each takes a uvicorn tick or two), then each is joined
            for server in (instantly.server, stripe_srv):
                if server is not None:
                    server.server.should_exit = True
            instantly.stop()


def client(**options: Any) -> Client:
    return Client(build(ServerOptions(**options)))


async def call(c: Client, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await c.call_tool(tool, args)
    assert not result.is_error, result.content[0].text
    assert result.structured_content is not None
    return result.structured_content
