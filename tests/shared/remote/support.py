"""Serving a real server over Streamable HTTP on loopback (uvicorn in a thread) and connecting real MCP clients
to it: the SDK's own streamable HTTP client, with a bearer token when given."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from orchestrator_mcp.server import build
from shared.asgi import BackgroundServer
from shared.deps import ServerOptions
from shared.remote.app import HttpState, build_http_app
from shared.remote.config import HttpConfig
from shared.store import open_store
from shared.store.tokens import TokenBook


class Served:
    def __init__(self, srv: BackgroundServer, config: HttpConfig, state: HttpState) -> None:
        self.srv, self.config, self.state = srv, config, state

    @property
    def base(self) -> str:
        return self.srv.url

    @property
    def url(self) -> str:
        return self.srv.url + self.config.path


@contextmanager
def serve(*, auth: bool, options: ServerOptions | None = None, server: Any = None, **config: Any) -> Iterator[Served]:
    """The orchestrator served over HTTP on a free loopback port."""
    from shared.asgi import free_port

    port = free_port()
    cfg = HttpConfig(host="127.0.0.1", port=port, **config)
    app, state = build_http_app(server or build(options or ServerOptions()), cfg, auth=auth)
    # as serve_http runs it: uvicorn's own X-Forwarded-For handling off (the Guard decides whom to believe)
    with BackgroundServer(app, port=port, proxy_headers=False) as srv:
        yield Served(srv, cfg, state)


@asynccontextmanager
async def client(url: str, token: str | None = None, *, mode: str = "legacy", headers: dict[str, str] | None = None,
                 **kwargs: Any) -> AsyncIterator[Client]:
    """A real MCP client over Streamable HTTP (legacy = the 2025-11-25 handshake Claude Desktop and Cursor use;
    auto = the 2026-07-28 era)."""
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    async with httpx2.AsyncClient(headers=sent, timeout=httpx2.Timeout(30.0, read=60.0)) as http:
        async with Client(streamable_http_client(url, http_client=http), mode=mode, **kwargs) as c:  # type: ignore[arg-type]
            yield c


async def new_token(profile: str = "default", role: str = "admin", expires_in: float | None = None) -> tuple[str, str]:
    """(token, token id), made the way `tokens create` makes them, in the test's store."""
    store = await open_store()
    try:
        token, record = await TokenBook(store).create(profile, role, expires_in=expires_in)
    finally:
        await store.close()
    return token, record.id


def tokens(*specs: tuple[str, str]) -> list[str]:
    return [asyncio.run(new_token(p, r))[0] for p, r in specs]


async def tool_names(c: Client) -> set[str]:
    return {t.name for t in (await c.list_tools()).tools}


async def call(c: Client, tool: str, args: dict[str, Any], **kw: Any) -> dict[str, Any]:
    result = await c.call_tool(tool, args, **kw)
    assert not result.is_error, result.content[0].text
    assert result.structured_content is not None
    return result.structured_content
