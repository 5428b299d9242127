"""The Instantly HTTP base: auth, documented rate limits, error parsing, attempt tracking."""

from __future__ import annotations

import contextvars
import re
from typing import Any

import httpx

from shared.http import DEFAULT_TIMEOUT, HttpApi, RetryPolicy
from shared.ratelimit import Rate, RateLimiter, RateLimits
from shared.ratelimit_shared import Limit, StoreGetter, limiter, limits_from_env

API = "/api/v2"
EMAILS_ENDPOINT = f"GET {API}/emails"

# Per-task counter of requests actually sent, so a bulk batch knows whether it was retried.
_attempts: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("instantly_attempts", default=None)

_FIELD_IN_MESSAGE = (
    re.compile(r"required property '([^']+)'"),
    re.compile(r"^(?:body|querystring|params)[/.]([\w/.\-]+)"),
)


def default_limits(emails_per_minute: int = 20) -> RateLimits:
    """Instantly's documented limits: 100/s and 6,000/min per workspace; 20/min for GET /api/v2/emails."""
    workspace = RateLimiter(Rate(100, 1.0), Rate(6000, 60.0))
    return RateLimits(workspace, {EMAILS_ENDPOINT: RateLimiter(Rate(emails_per_minute, 60.0))})


# Per-limit settings, e.g. INSTANTLY_RATE_LIMIT_EMAILS=20/60 (requests/seconds), INSTANTLY_RATE_LIMIT_WORKSPACE=
# 100/1,6000/60; a "local:" prefix counts that limit per process instead of sharing it through the store.
LIMIT_ENV = "INSTANTLY_RATE_LIMIT_"
WORKSPACE_LIMITS = (Limit("per_second", Rate(100, 1.0), lease=20), Limit("per_minute", Rate(6000, 60.0), lease=20))
EMAILS_LIMITS = (Limit("emails", Rate(20, 60.0)),)


def workspace_limits(api_key: str, store: StoreGetter | None) -> RateLimits:
    """Instantly's limits for the workspace of `api_key`, shared with every process that opens the same store
    (the account is named by a hash of the key); per process without a store. Settings: LIMIT_ENV above."""
    workspace = limits_from_env(LIMIT_ENV + "WORKSPACE", WORKSPACE_LIMITS)
    emails = limits_from_env(LIMIT_ENV + "EMAILS", EMAILS_LIMITS)
    return RateLimits(limiter("Instantly", api_key, workspace, store),
                      {EMAILS_ENDPOINT: limiter("Instantly", api_key, emails, store)})


class InstantlyHttp(HttpApi):
    api_name = "Instantly"
    server_name = "instantly-mcp"

    def __init__(
        self,
        api_key: str,
        base_url: str = "https://api.instantly.ai",
        *,
        limits: RateLimits | None = None,
        retry: RetryPolicy | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        # One pooled connection pool per client (one client per server process), closed by aclose().
        self._owns_http = http is None
        if http is None:
            http = httpx.AsyncClient(
                timeout=DEFAULT_TIMEOUT,
                limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
                follow_redirects=False,
            )
        super().__init__(
            base_url,
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            limits=limits if limits is not None else default_limits(),
            retry=retry,
            http=http,
        )

    async def aclose(self) -> None:
        if self._owns_http and self._http is not None:
            await self._http.aclose()

    async def __aenter__(self) -> InstantlyHttp:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def parse_error(self, response: httpx.Response) -> tuple[str, str | None, str | None]:
        """Instantly errors are `{statusCode, error, message}`; the field name is dug out of the message."""
        try:
            body = response.json()
        except ValueError:
            return (response.text[:300] or response.reason_phrase, None, None)
        if not isinstance(body, dict):
            return (str(body)[:300], None, None)
        message = body.get("message") or body.get("error") or response.reason_phrase
        if isinstance(message, list):
            message = "; ".join(str(m) for m in message)
        message = str(message)
        param = None
        for pattern in _FIELD_IN_MESSAGE:
            if m := pattern.search(message):
                param = m.group(1).replace("/", ".")
                break
        code = body.get("error")
        return (message, param, str(code) if code else None)

    async def _send_once(
        self, method: str, path: str, params: dict[str, Any] | None, json: Any, endpoint: str | None
    ) -> Any:
        counter = _attempts.get()
        if counter is not None:
            counter[0] += 1
        return await super()._send_once(method, path, params, json, endpoint or f"{method} {path}")

    # --- small helpers used by the resource mixins ---

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return await self.request("GET", f"{API}{path}", params=params)

    async def post(self, path: str, body: Any = None, *, idempotent: bool | None = None) -> Any:
        return await self.request("POST", f"{API}{path}", json=body if body is not None else {}, idempotent=idempotent)

    async def patch(self, path: str, body: dict[str, Any]) -> Any:
        # PATCH sets fields to given values: repeating it is harmless, so it may be retried.
        return await self.request("PATCH", f"{API}{path}", json=body, idempotent=True)

    async def delete(self, path: str, body: Any = None) -> Any:
        return await self.request("DELETE", f"{API}{path}", json=body)


def track_attempts() -> list[int]:
    """Start counting sent requests in the current task; returns the live counter."""
    counter = [0]
    _attempts.set(counter)
    return counter
