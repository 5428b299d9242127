"""A server's Streamable HTTP app, all from the SDK: `streamable_http_app(stateless_http=True,
json_response=False)` (any replica answers any POST; progress streams back on the POST's own SSE response), its
bearer-token authentication (`AuthSettings` + a `TokenVerifier`, RFC 9728 metadata when OAuth is on), its
DNS-rebinding and body-size checks, and its middleware hook for roles. We add `/healthz` and the Guard."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse

from shared.errors import AppError
from shared.remote.config import (
    OAUTH_AUDIENCE_ENV,
    OAUTH_ISSUER_ENV,
    OAUTH_JWKS_ENV,
    HttpConfig,
    is_loopback,
)
from shared.remote.guard import guard_middleware
from shared.remote.roles import RoleMiddleware
from shared.remote.verify import ApiTokenVerifier, ChainVerifier, JwtVerifier

log = logging.getLogger(__name__)


def unprotected_error(config: HttpConfig, prog: str) -> AppError:
    return AppError(
        f"Refusing to serve HTTP on {config.host} without authentication: anyone who can reach that address could "
        f"use every tool. Either create a token (`orchestrator-mcp tokens create --profile default --role read`; "
        f"clients send it in the Authorization header), or configure OAuth ({OAUTH_ISSUER_ENV}, "
        f"{OAUTH_AUDIENCE_ENV} and {OAUTH_JWKS_ENV}), then start `{prog} serve --transport http` again. "
        "To try it locally without auth, listen on 127.0.0.1.")


async def auth_required(config: HttpConfig, store_url: str | None, prog: str = "orchestrator-mcp") -> bool:
    """Whether the server must demand tokens: OAuth configured, or any active API token in the store. Without
    either, only a loopback address is served (open, like stdio); any other address fails closed."""
    if config.oauth is not None:
        return True
    from shared.store import open_store
    from shared.store.tokens import TokenBook

    store = await open_store(store_url)
    try:
        if await TokenBook(store).any_active():
            return True
    finally:
        await store.close()
    if not is_loopback(config.host):
        raise unprotected_error(config, prog)
    log.warning("serving HTTP on %s without authentication (no tokens, no OAuth): loopback only", config.host)
    return False


@dataclass
class HttpState:
    """What `/healthz` reports: ready once the SDK's session manager runs and the token store answers."""

    ready: bool = False
    reason: str = "starting"
    verifier: ApiTokenVerifier | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def build_http_app(server: MCPServer, config: HttpConfig, *, auth: bool, store_url: str | None = None,
                   ) -> tuple[Starlette, HttpState]:
    """The ASGI app serving `server` as configured. `auth` from `auth_required` (or a test)."""
    state = HttpState()
    if auth:
        api = ApiTokenVerifier(None)
        state.verifier = api
        oauth = JwtVerifier(config.oauth) if config.oauth else None
        # The SDK reads these two when it builds the app: the verifier behind its BearerAuthBackend, and the
        # settings that add RFC 9728 metadata and the WWW-Authenticate resource_metadata pointer.
        server.settings.auth = AuthSettings(
            issuer_url=config.oauth.issuer if config.oauth else config.url,
            resource_server_url=config.url if config.oauth else None,
            validate_token_resource=False if config.oauth else None,  # JwtVerifier checks `aud` itself
        )
        server._token_verifier = ChainVerifier(api, oauth)  # noqa: SLF001 - the constructor's token_verifier=
    specs = getattr(server, "specs", {})
    server.middleware.append(RoleMiddleware(specs))

    async def healthz(_request: Request) -> JSONResponse:
        if state.ready and state.verifier is not None and state.verifier.book is not None:
            try:
                await state.verifier.book.any_active()
            except Exception as exc:  # noqa: BLE001 - reported as not ready
                return JSONResponse({"status": "not ready", "reason": f"store unreachable ({type(exc).__name__})"},
                                    status_code=503)
        if not state.ready:
            return JSONResponse({"status": "not ready", "reason": state.reason}, status_code=503)
        return JSONResponse({"status": "ready", "server": server.name})

    server.custom_route("/healthz", methods=["GET"])(healthz)
    security = None
    if config.allowed_hosts:
        hosts = [*config.allowed_hosts, "127.0.0.1:*", "localhost:*", "[::1]:*"]
        security = TransportSecuritySettings(
            enable_dns_rebinding_protection=True, allowed_hosts=hosts,
            allowed_origins=[f"{scheme}://{h}" for h in config.allowed_hosts for scheme in ("https", "http")])
    app = server.streamable_http_app(
        streamable_http_path=config.path, stateless_http=True, json_response=False,
        max_request_body_size=config.max_body_bytes, transport_security=security, host=config.host)
    # After the SDK's AuthenticationMiddleware/AuthContextMiddleware, before the route's RequireAuthMiddleware.
    app.user_middleware.append(guard_middleware(config, auth))

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        store = None
        if state.verifier is not None:
            from shared.store import open_store
            from shared.store.tokens import TokenBook

            store = await open_store(store_url)
            state.verifier.book = TokenBook(store)
        try:
            async with server.session_manager.run():
                state.ready, state.reason = True, "ready"
                yield
        finally:
            state.ready, state.reason = False, "stopping"
            if store is not None:
                await store.close()

    app.router.lifespan_context = lifespan
    return app, state


def serve_http(server: MCPServer, config: HttpConfig, *, store_url: str | None, prog: str) -> None:
    """`serve --transport http`: check that the server would not be open to the network, then run uvicorn."""
    import asyncio

    import uvicorn

    auth = asyncio.run(auth_required(config, store_url, prog))
    app, _state = build_http_app(server, config, auth=auth, store_url=store_url)
    # proxy_headers off: the Guard reads X-Forwarded-For itself, and only from ISMCP_TRUSTED_PROXIES.
    uvicorn.run(app, host=config.host, port=config.port, log_level="warning", proxy_headers=False,
                timeout_graceful_shutdown=5)
