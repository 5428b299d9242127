"""The door in front of the MCP endpoint, after authentication: where the caller comes from (X-Forwarded-For
believed only from a configured proxy), whether its profile allows that network (403), and per-token limits on
request rate and concurrent calls (429). Over a limit the request is refused and the server carries on."""

from __future__ import annotations

import ipaddress
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from starlette.types import ASGIApp, Receive, Scope, Send

from shared import profiles
from shared.remote.config import HttpConfig, Network

log = logging.getLogger(__name__)


def client_ip(scope: Scope, trusted: tuple[Network, ...]) -> str:
    """The caller's address: the peer, or, when the peer is a trusted proxy, the nearest address in
    X-Forwarded-For that is not itself a trusted proxy (right to left, since a client can forge the left part)."""
    peer = (scope.get("client") or ("0.0.0.0", 0))[0]
    if not trusted or not _within(peer, trusted):
        return peer
    forwarded = [v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"x-forwarded-for"]
    hops = [h.strip() for h in ",".join(forwarded).split(",") if h.strip()]
    for hop in reversed(hops):
        if not _within(hop, trusted):
            return hop
    return hops[0] if hops else peer


def _within(address: str, nets: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in nets)


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class Guard:
    """ASGI middleware placed after the SDK's authentication middleware (so `scope["user"]` is the verified
    caller) and before its RequireAuthMiddleware (which answers 401 for callers without a valid token)."""

    def __init__(self, app: ASGIApp, config: HttpConfig, auth: bool) -> None:
        self.app, self.config, self.auth = app, config, auth
        self.buckets: dict[str, _Bucket] = {}
        self.in_flight: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != self.config.path.rstrip("/"):
            await self.app(scope, receive, send)
            return
        user = scope.get("user")
        if isinstance(user, AuthenticatedUser):
            claims = user.access_token.claims or {}
            profile, key = str(claims["ismcp_profile"]), "token:" + user.access_token.client_id
        elif self.auth:
            await self.app(scope, receive, send)  # no valid token: the SDK's RequireAuthMiddleware answers 401
            return
        else:
            profile, key = profiles.current(), "anonymous"
        ip = client_ip(scope, self.config.trusted_proxies)
        allowed = self.config.allowed_networks(profile)
        if allowed is not None and not _within(ip, allowed):
            log.warning("refused %s for profile %s: not in its allow-list", ip, profile)
            await _refuse(send, 403, "forbidden", f"Requests for this profile are not allowed from {ip}.")
            return
        if not self._take(key):
            await _refuse(send, 429, "rate_limited",
                          f"More than {self.config.rate_per_minute} requests a minute with this token; slow down.",
                          retry_after=max(1, round(60 / max(1, self.config.rate_per_minute))))
            return
        if self.in_flight.get(key, 0) >= self.config.max_concurrent:
            await _refuse(send, 429, "too_many_concurrent",
                          f"More than {self.config.max_concurrent} calls at once with this token; wait for one "
                          "to finish.", retry_after=1)
            return
        self.in_flight[key] = self.in_flight.get(key, 0) + 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight[key] -= 1

    def _take(self, key: str) -> bool:
        """A token bucket per caller: `rate_per_minute` requests a minute, bursts up to a minute's worth."""
        rate = float(self.config.rate_per_minute)
        now = time.monotonic()
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = _Bucket(tokens=rate, stamp=now)
        bucket.tokens = min(rate, bucket.tokens + (now - bucket.stamp) * rate / 60.0)
        bucket.stamp = now
        if bucket.tokens < 1.0:
            return False
        bucket.tokens -= 1.0
        return True


async def _refuse(send: Send, status: int, error: str, message: str, retry_after: int | None = None) -> None:
    body = json.dumps({"error": error, "error_description": message}).encode()
    headers: list[tuple[bytes, bytes]] = [(b"content-type", b"application/json"),
                                          (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def guard_middleware(config: HttpConfig, auth: bool) -> Any:
    from starlette.middleware import Middleware

    return Middleware(Guard, config=config, auth=auth)
