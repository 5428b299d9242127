"""Fixtures for tests that talk to the local Stripe sandbox over real HTTP on loopback.

`stripe_sandbox` yields a handle with `.url`, `.api_key` and `.control(path, json=None)`; one server is shared by
the session and reset before each test. `stripe_client` is an official-SDK client (async via httpx) aimed at it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from shared.asgi import BackgroundServer
from stripe_mcp.sandbox import SANDBOX_API_KEY, create_app

HERE = Path(__file__).resolve().parent
# stripe 16's HTTPXClient posts its form body with `data=<str>`, which httpx 0.28 deprecates; with
# filterwarnings=error every SDK POST would fail. Not ours to fix in the SDK, so it is ignored for these tests.
SDK_HTTPX_WARNING = "ignore:Use 'content=<...>' to upload raw bytes/text content:DeprecationWarning"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.filterwarnings(SDK_HTTPX_WARNING))


@dataclass
class SandboxHandle:
    url: str
    api_key: str
    db_path: Path

    def control(self, path: str, json: Any = None, *, method: str | None = None, expect: int | None = 200) -> Any:
        """Call a `/_sandbox/...` control (POST when a body is given, else GET); returns the decoded JSON.

        Raises AssertionError when the status is not `expect` (pass expect=None to accept any status).
        """
        return self.control_response(path, json, method=method, expect=expect).json()

    def control_response(self, path: str, json: Any = None, *, method: str | None = None,
                         expect: int | None = None) -> httpx.Response:
        path = path if path.startswith("/_sandbox") else "/_sandbox/" + path.lstrip("/")
        method = method or ("POST" if json is not None else "GET")
        resp = httpx.request(method, self.url + path, json=json, timeout=30)
        if expect is not None:
            assert resp.status_code == expect, f"{method} {path} -> {resp.status_code}: {resp.text}"
        return resp

    def client(self, api_key: str | None = None, *, max_network_retries: int = 2) -> tuple[stripe.StripeClient,
                                                                                          stripe.HTTPXClient]:
        """An SDK client and its HTTP client (close it with `await http.close_async()`)."""
        http = stripe.HTTPXClient()
        client = stripe.StripeClient(
            api_key or self.api_key, base_addresses={"api": self.url, "files": self.url, "connect": self.url},
            http_client=http, max_network_retries=max_network_retries,
        )
        return client, http

    def stats(self) -> dict[str, Any]:
        return self.control("stats")

    def count(self, object_type: str) -> int:
        return int(self.stats()["objects"].get(object_type, 0))


def wait_for(check: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Poll until check() is truthy; return its value (fails the test at the deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


@pytest.fixture(scope="session")
def _sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    db = tmp_path_factory.mktemp("stripe-sandbox") / "sandbox.sqlite"
    with BackgroundServer(create_app(db)) as server:
        yield SandboxHandle(server.url, SANDBOX_API_KEY, db)


@pytest.fixture
def stripe_sandbox(_sandbox_server: SandboxHandle) -> SandboxHandle:
    _sandbox_server.control("reset", {})
    return _sandbox_server


@pytest.fixture
async def stripe_client(stripe_sandbox: SandboxHandle) -> AsyncIterator[stripe.StripeClient]:
    client, http = stripe_sandbox.client()
    try:
        yield client
    finally:
        await http.close_async()
