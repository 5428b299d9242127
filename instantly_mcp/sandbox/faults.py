"""What happens to every `/api/...` request around its handler: counting, latency, injected faults
(429 with Retry-After, 500, timeout, connection reset), Bearer auth (401), plan gating (402), rate limits
(429, on by default), and "fault after commit" (the write commits, then the connection is dropped).

Rate limits, per developer.instantly.ai/getting-started/rate-limit: no more than 100 requests per second and
6,000 per minute, workspace-wide (shared by API v1 and v2 and all keys); exceeding either fails with 429.
`GET /api/v2/emails` (listEmail) allows 20 per minute (its OpenAPI description). Instantly documents no
rate-limit headers (no X-RateLimit-*, no Retry-After except on OAuth init; shared/reference/instantly-api.md),
so a limited request gets the standard 429 body and no such headers, as from the real API.

Plan gating: plan `none` -> 402 on every endpoint ("Workspace does not have an active paid plan");
plan `growth` -> 402 on /webhooks and /webhook-events (webhooks need Hypergrowth, per Instantly)."""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from instantly_mcp.sandbox.web import error_response

if TYPE_CHECKING:
    from instantly_mcp.sandbox.core import Sandbox

log = logging.getLogger(__name__)

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
READ_ONLY_POSTS = {"/api/v2/leads/list", "/api/v2/accounts/warmup-analytics"}
WEBHOOK_PATHS = ("/api/v2/webhooks", "/api/v2/webhook-events")
LIMITS = ((1.0, 100), (60.0, 6000))  # (window seconds, requests) workspace-wide, sliding windows
EMAILS_LIMIT = (60.0, 20)  # GET /api/v2/emails (Config.emails_limit / emails_window; tests may scale it)


def is_write(method: str, path: str) -> bool:
    return method in WRITE_METHODS and path not in READ_ONLY_POSTS


async def drop_connection(send: Any) -> None:
    """Reset the TCP connection under this request (uvicorn): SO_LINGER 0 then abort -> the client sees
    a reset / a server disconnect. Outside uvicorn (no transport reachable) raise instead."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionResetError("sandbox: injected connection reset")
    sock = transport.get_extra_info("socket")
    with suppress(OSError, AttributeError, TypeError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    for _ in range(100):  # let connection_lost run so the server knows the client is gone
        if getattr(cycle, "disconnected", True):
            break
        await asyncio.sleep(0)


class ApiGate:
    def __init__(self, sb: Sandbox, route_of: Callable[[dict[str, Any]], str]) -> None:
        self.sb = sb
        self.route_of = route_of
        self.windows: dict[str, deque[float]] = {"1": deque(), "60": deque(), "emails": deque()}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any, app: ASGIApp) -> None:
        sb = self.sb
        method, path = scope["method"], scope["path"]
        sb.stats.requests[f"{method} {path}"] += 1
        sb.stats.routes[f"{method} {self.route_of(scope)}"] += 1
        await sb.webhooks.start()
        await sb.interest.start()
        sb.interest.apply_due()
        if sb.config.latency_ms:
            await asyncio.sleep(float(sb.config.latency_ms) / 1000)
        request_id = sb.ids.uuid4()

        async def send_tagged(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                sb.stats.statuses[message["status"]] += 1
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", request_id.encode())]}
            await send(message)

        fault = self._pick_fault(method, path)
        if fault is not None:
            sb.faults.injected[fault] += 1
            await self._inject(fault, scope, receive, send, send_tagged)
            return
        problem = self._check(scope)
        if problem is not None:
            status, message, headers = problem
            await error_response(status, message, headers)(scope, receive, send_tagged)
            return
        drop_after = is_write(method, path) and self._after_commit_applies(path)
        state = {"started": False, "swallow": False}

        async def send_app(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                state["started"] = True
                if drop_after and 200 <= message["status"] < 300 and sb.faults.after_commit > 0:
                    sb.faults.after_commit -= 1
                    sb.faults.after_commit_dropped += 1
                    state["swallow"] = True
            if not state["swallow"]:
                await send_tagged(message)

        try:
            await app(scope, receive, send_app)
        except Exception:
            log.exception("sandbox handler failed: %s %s", method, path)
            if not state["started"]:
                await error_response(500, "Internal Server Error")(scope, receive, send_tagged)
            return
        if state["swallow"]:
            await drop_connection(send)

    # --- faults ---

    def _pick_fault(self, method: str, path: str) -> str | None:
        faults = self.sb.faults
        for i, entry in enumerate(faults.queue):
            if (entry.get("match") is None or path.startswith(entry["match"])) and (
                entry.get("method") is None or entry["method"] == method
            ):
                faults.queue.pop(i)
                return str(entry["kind"])
        cfg = self.sb.config
        if cfg.fault_rate and cfg.fault_kinds and self.sb.rng.random() < float(cfg.fault_rate):
            return str(self.sb.rng.choice(list(cfg.fault_kinds)))
        return None

    def _after_commit_applies(self, path: str) -> bool:
        match = self.sb.faults.after_commit_match
        return self.sb.faults.after_commit > 0 and (match is None or path.startswith(match))

    async def _inject(self, kind: str, scope: dict[str, Any], receive: Any, send: Any, send_tagged: Any) -> None:
        cfg = self.sb.config
        if kind == "429":
            headers = {"retry-after": f"{float(cfg.retry_after):g}"}
            await error_response(429, "Rate limit exceeded", headers)(scope, receive, send_tagged)
        elif kind == "500":
            await error_response(500, "Internal Server Error")(scope, receive, send_tagged)
        elif kind == "reset":
            await drop_connection(send)
        elif kind == "timeout":
            if not await self._wait_for_disconnect(receive, float(cfg.hang_seconds)):
                await error_response(504, "Gateway Timeout")(scope, receive, send_tagged)

    @staticmethod
    async def _wait_for_disconnect(receive: Any, seconds: float) -> bool:
        async def wait() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        try:
            await asyncio.wait_for(wait(), timeout=seconds)
        except TimeoutError:
            return False
        return True

    # --- auth, plan, rate limits ---

    def _check(self, scope: dict[str, Any]) -> tuple[int, str, dict[str, str] | None] | None:
        headers = dict(scope.get("headers") or [])
        auth = headers.get(b"authorization", b"").decode("latin-1").strip()
        if not auth:
            return 401, "Missing Authorization header", None
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return 401, "Invalid Authorization header format, expected 'Bearer <api key>'", None
        if token.strip() != self.sb.api_key:
            return 401, "Invalid API key", None
        plan = self.sb.plan
        if plan == "none":
            return 402, "Workspace does not have an active paid plan", None
        if plan == "growth" and scope["path"].startswith(WEBHOOK_PATHS):
            return 402, "Webhooks require the Hypergrowth plan or higher", None
        if self.sb.config.rate_limits:
            return self._rate_limit(scope)
        return None

    def _rate_limit(self, scope: dict[str, Any]) -> tuple[int, str, dict[str, str] | None] | None:
        now = time.monotonic()
        checks = [(self.windows[str(int(w))], w, n) for w, n in LIMITS]
        if scope["method"] == "GET" and scope["path"] == "/api/v2/emails":
            cfg = self.sb.config
            checks.append((self.windows["emails"], float(cfg.emails_window), int(cfg.emails_limit)))
        for window, seconds, limit in checks:
            while window and window[0] <= now - seconds:
                window.popleft()
            if len(window) >= limit:
                return 429, "Rate limit exceeded", None
        for window, _seconds, _limit in checks:
            window.append(now)
        return None

    def reset(self) -> None:
        for window in self.windows.values():
            window.clear()
