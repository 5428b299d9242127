"""The `instantly_sandbox` fixture: a real Instantly API sandbox on loopback (uvicorn in a thread), with
its state in a fresh SQLite file. Shared by the sandbox tests and the Instantly client/tool tests."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from instantly_mcp.sandbox import SANDBOX_API_KEY, create_app
from shared.asgi import BackgroundServer
# --- builders for sandbox tests ---

SENDER = "alex.rivera@sandbox-outreach.com"
SCHEDULE = {
    "schedules": [{"name": "Weekdays", "timing": {"from": "09:00", "to": "17:00"},
                   "days": {"1": True, "2": True, "3": True, "4": True, "5": True}, "timezone": "America/Chicago"}],
}
SEQUENCES = [{"steps": [
    {"type": "email", "delay": 2, "variants": [
        {"subject": "Quick question, {{firstName}}", "body": "Hi {{firstName}},<br/>how is {{companyName}}?"},
        {"subject": "Idea for {{companyName}}", "body": "Hello {{firstName}}"},
    ]},
    {"type": "email", "delay": 3, "variants": [{"subject": "", "body": "Following up, {{firstName}}."}]},
]}]


def campaign_body(name: str = "Sandbox campaign", **extra: Any) -> dict[str, Any]:
    return copy.deepcopy({"name": name, "campaign_schedule": SCHEDULE, "sequences": SEQUENCES, "email_list": [SENDER],
                          **extra})


def create_campaign(client: httpx.Client, name: str = "Sandbox campaign", **extra: Any) -> dict[str, Any]:
    response = client.post("/campaigns", json=campaign_body(name, **extra))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def leads(n: int, domain: str = "example.com", start: int = 0) -> list[dict[str, Any]]:
    return [{"email": f"lead{i}@{domain}", "first_name": f"First{i}", "last_name": f"Last{i}",
             "company_name": f"Company {i}", "custom_variables": {"tier": "gold", "seats": i}}
            for i in range(start, start + n)]


def add_leads(client: httpx.Client, campaign_id: str, items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    response = client.post("/leads/add", json={"campaign_id": campaign_id, "leads": items, **extra})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def assert_error(response: httpx.Response, status: int, contains: str = "") -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"statusCode", "error", "message"}
    assert body["statusCode"] == status
    assert contains.lower() in body["message"].lower(), body
    return body  # type: ignore[no-any-return]


@dataclass
class SandboxHandle:
    """`url` (no trailing slash; the API is under `url + "/api/v2"`), `api_key`, `db_path`, and helpers."""

    db_path: Path
    api_key: str = SANDBOX_API_KEY
    app_options: dict[str, Any] = field(default_factory=dict)
    server: BackgroundServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None, "sandbox not running"
        return self.server.url

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/v2"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def start(self) -> SandboxHandle:
        app = create_app(self.db_path, api_key=self.api_key, **self.app_options)
        self.server = BackgroundServer(app).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def restart(self) -> SandboxHandle:
        """Stop, then serve a brand-new app on the same database file (state must survive)."""
        self.stop()
        return self.start()

    def control(self, path: str, json: Any = None, *, method: str | None = None) -> Any:
        """Call a `/_sandbox/...` control endpoint: POST when a body is given, else GET."""
        verb = method or ("POST" if json is not None else "GET")
        response = httpx.request(verb, f"{self.url}/_sandbox/{path.lstrip('/')}", json=json, timeout=30)
        response.raise_for_status()
        return response.json()

    def stats(self) -> dict[str, Any]:
        return self.control("stats")  # type: ignore[no-any-return]

    def client(self, **kwargs: Any) -> httpx.Client:
        """A sync client for the API: base URL `.../api/v2`, the Bearer key set."""
        kwargs.setdefault("timeout", 10)
        return httpx.Client(base_url=self.api_url, headers=self.headers, **kwargs)

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        kwargs.setdefault("timeout", 10)
        return httpx.AsyncClient(base_url=self.api_url, headers=self.headers, **kwargs)


@pytest.fixture
def instantly_sandbox(tmp_path: Path) -> Iterator[SandboxHandle]:
    handle = SandboxHandle(db_path=tmp_path / "instantly-sandbox.sqlite").start()
    try:
        yield handle
    finally:
        handle.stop()
