"""Streamable HTTP through the SDK, stateless with SSE responses: real MCP clients of both protocol eras list
and call tools, progress notifications arrive, the preview -> confirm gate works without any server-initiated
request, /healthz reports ready, the endpoint can live under another path, and DNS-rebinding protection
accepts the proxy's Host only when configured."""

from __future__ import annotations

import httpx
import pytest

from shared.remote.app import build_http_app
from shared.remote.config import HttpConfig
from orchestrator_mcp.server import build
from shared.deps import ServerOptions
from shared.store import open_store
from tests.orchestrator_mcp.conftest import Pipeline, pipeline  # noqa: F401 - the sandboxes fixture
from tests.shared.remote.support import call, client, serve, tool_names

MODES = ("legacy", "auto")


@pytest.mark.parametrize("mode", MODES)
async def test_tools_list_and_call_over_http_without_auth_on_loopback(mode: str) -> None:
    with serve(auth=False) as s:
        health = httpx.get(s.base + "/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ready"
        async with client(s.url, mode=mode) as c:
            names = await tool_names(c)
            assert {"find_contacts", "forget_contact", "sync_now"} <= names
            assert (await call(c, "find_contacts", {}))["contacts"] == []


async def test_healthz_is_not_ready_until_the_session_manager_runs() -> None:
    app, state = build_http_app(build(), HttpConfig(), auth=False)
    transport = httpx.ASGITransport(app=app)  # no lifespan: the server never started
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        res = await http.get("/healthz")
    assert res.status_code == 503 and res.json() == {"status": "not ready", "reason": "starting"}
    assert state.ready is False


@pytest.mark.parametrize("mode", MODES)
async def test_progress_notifications_stream_back_over_stateless_http(pipeline: Pipeline, mode: str) -> None:  # noqa: F811
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total, message))

    with serve(auth=False) as s:
        async with client(s.url, mode=mode) as c:
            await call(c, "sync_now", {}, progress_callback=on_progress)
    assert len(seen) >= 4, seen
    assert seen[0][2] == "polling Stripe events" and all(total for _, total, _ in seen)


@pytest.mark.parametrize("mode", MODES)
async def test_preview_then_confirm_over_stateless_http(pipeline: Pipeline, mode: str) -> None:  # noqa: F811
    store = await open_store()
    await store.upsert_contact("ada@acme.io", first_name="Ada")
    with serve(auth=False) as s:
        async with client(s.url, mode=mode) as c:
            preview = await call(c, "forget_contact", {"email": "ada@acme.io"})
            assert preview["executed"] is False and preview["removed"]["contacts"] == 1
            assert await store.get_contact(email="ada@acme.io") is not None  # a preview erases nothing
        async with client(s.url, mode=mode) as c:  # a new connection: nothing is kept between requests
            done = await call(c, "forget_contact", {"email": "ada@acme.io", "confirm": True})
            assert done["executed"] is True
    assert await store.get_contact(email="ada@acme.io") is None
    await store.close()


async def test_endpoint_under_another_path() -> None:
    with serve(auth=False, path="/team/tools/mcp") as s:
        assert s.url.endswith("/team/tools/mcp")
        async with client(s.url) as c:
            assert "find_contacts" in await tool_names(c)
        assert httpx.post(s.base + "/mcp", json={}).status_code == 404


async def test_dns_rebinding_protection_accepts_the_proxy_host_only_when_configured() -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Host": "mcp.example.com", "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2025-11-25"}
    with serve(auth=False) as s:  # loopback defaults: only loopback Host headers
        assert httpx.post(s.url, json=body, headers=headers).status_code == 421
    with serve(auth=False, allowed_hosts=("mcp.example.com",)) as s:
        res = httpx.post(s.url, json=body, headers=headers)
        assert res.status_code == 200 and "find_contacts" in res.text
        evil = httpx.post(s.url, json=body, headers={**headers, "Host": "evil.example"})
        assert evil.status_code == 421


@pytest.mark.parametrize("package", ["instantly_mcp", "stripe_mcp", "orchestrator_mcp"])
async def test_every_server_serves_over_http_with_tokens_and_roles(package: str) -> None:
    import importlib

    from tests.shared.remote.support import new_token

    module = importlib.import_module(f"{package}.server")
    box = importlib.import_module(f"{package}.tools").TOOLBOX
    read_only = {s.name for s in box.specs if s.read_only}
    read, _ = await new_token("default", "read")
    admin, _ = await new_token("default", "admin")
    with serve(auth=True, server=module.build(ServerOptions())) as s:
        assert httpx.post(s.url, json={}).status_code == 401
        async with client(s.url, read) as c:
            listed = await tool_names(c)
            assert listed and listed <= read_only  # only read-only tools for a read token
        async with client(s.url, admin, mode="auto") as c:
            assert len(await tool_names(c)) > len(listed)


async def test_transport_stdio_is_still_the_default_and_explicit() -> None:
    import sys

    from mcp import Client, StdioServerParameters

    from tests.conftest import REPO, subprocess_env

    params = StdioServerParameters(command=sys.executable, cwd=str(REPO), env=subprocess_env(),
                                   args=["-m", "orchestrator_mcp", "serve", "--transport", "stdio"])
    async with Client(params, mode="legacy") as c:
        assert "find_contacts" in {t.name for t in (await c.list_tools()).tools}
