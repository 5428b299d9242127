"""The sandbox ASGI app: routing, the error envelope, lifespan (webhook worker, database), and the gate
every `/api/...` request passes through (see faults.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match

from instantly_mcp.sandbox import (
    accounts,
    analytics,
    campaigns,
    control,
    jobs,
    lead_import,
    leads,
    lists,
    misc,
    unibox,
    webhooks,
)
from instantly_mcp.sandbox.core import FAULT_KINDS, SANDBOX_API_KEY, Config, Sandbox
from instantly_mcp.sandbox.faults import ApiGate
from instantly_mcp.sandbox.web import ApiError, error_response

ROUTES: list[BaseRoute] = [
    # analytics before campaigns: /campaigns/analytics must not match /campaigns/{id}
    *analytics.ROUTES, *campaigns.ROUTES, *lead_import.ROUTES, *leads.ROUTES, *lists.ROUTES, *accounts.ROUTES,
    *unibox.ROUTES, *webhooks.ROUTES, *jobs.ROUTES, *misc.ROUTES, *control.ROUTES,
]


class SandboxApp(Starlette):
    """Starlette, with the API gate in front of the middleware stack (so it sees the server's own `send`,
    which it needs to drop a connection)."""

    gate: ApiGate

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            await self.gate(scope, receive, send, super().__call__)
        else:
            await super().__call__(scope, receive, send)

    def route_of(self, scope: dict[str, Any]) -> str:
        for route in self.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return str(getattr(route, "path", scope["path"]))
        return scope["path"]


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (404, 405):  # Fastify answers unknown routes and wrong methods alike
        return error_response(404, f"Route {request.method}:{request.url.path} not found")
    return error_response(exc.status_code, str(exc.detail))


async def _server_error(request: Request, exc: Exception) -> Response:
    return error_response(500, "Internal Server Error")


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    sb: Sandbox = app.state.sandbox
    sb.store.open()
    await sb.webhooks.start()
    await sb.interest.start()
    try:
        yield
    finally:
        await sb.interest.stop()
        await sb.webhooks.stop()
        sb.store.close()


def create_app(
    db_path: str | Path,
    *,
    api_key: str = SANDBOX_API_KEY,
    latency_ms: float = 0.0,
    fault_rate: float = 0.0,
    fault_kinds: Sequence[str] = FAULT_KINDS,
    seed: int | None = None,
    rate_limits: bool = True,
    interest_delay_ms: float | None = None,
) -> Starlette:
    """The Instantly API v2 sandbox as an ASGI app; its state lives in the SQLite file `db_path`.

    Instantly's rate limits are enforced unless `rate_limits=False`; interest changes apply
    `interest_delay_ms` after their 202 (default: Config's)."""
    config = Config(latency_ms=float(latency_ms), fault_rate=float(fault_rate), fault_kinds=list(fault_kinds),
                    rate_limits=bool(rate_limits))
    if interest_delay_ms is not None:
        config.interest_delay_ms = float(interest_delay_ms)
    config.validate()
    sb = Sandbox(db_path, api_key=api_key, config=config, seed=seed)
    app = SandboxApp(
        routes=ROUTES,
        lifespan=_lifespan,
        exception_handlers={ApiError: _api_error, HTTPException: _http_error, Exception: _server_error},
    )
    app.state.sandbox = sb
    app.gate = ApiGate(sb, app.route_of)
    return app
