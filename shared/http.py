"""The resilient HTTP layer: one pooled httpx client per process, retries, rate limits, typed errors.

Retry policy:
- always retried: 429 (honouring Retry-After), connect errors and pool timeouts (nothing was sent);
- retried when the call is idempotent (GET, PUT, DELETE, or a POST the caller declares safe):
  5xx other than 501, read timeouts and connection resets;
- never retried: any other 4xx.
Backoff is exponential with jitter, bounded in attempts and in total time.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
import weakref
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, stop_before_delay
from tenacity.wait import wait_exponential_jitter

from shared.errors import ApiError, NetworkError, RateLimited, ServerError, error_for_status
from shared.ratelimit import RateLimits
from shared.redaction import redact

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=30.0, pool=30.0)
_IDEMPOTENT_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}

# One pooled client per event loop in this process (tests run several loops in one process).
_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = weakref.WeakKeyDictionary()


def shared_http_client() -> httpx.AsyncClient:
    """The process's pooled AsyncClient for the running loop."""
    loop = asyncio.get_running_loop()
    client = _pools.get(loop)
    if client is None or client.is_closed:
        client = httpx.AsyncClient(
            timeout=DEFAULT_TIMEOUT,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            follow_redirects=False,
        )
        _pools[loop] = client
    return client


async def close_shared_http_client() -> None:
    loop = asyncio.get_running_loop()
    client = _pools.pop(loop, None)
    if client is not None:
        await client.aclose()


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    total_seconds: float = 60.0
    initial_wait: float = 0.25
    max_wait: float = 10.0


class _Wait:
    """Retry-After when the server gave one, else exponential backoff with jitter."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.backoff = wait_exponential_jitter(multiplier=policy.initial_wait, max=policy.max_wait, jitter=policy.initial_wait)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.policy.max_wait)
        return float(self.backoff(state))


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


class CallStats:
    """Outcomes and latencies of recent calls, for health reports (system_status, doctor)."""

    def __init__(self, keep: int = 200) -> None:
        self.keep = keep
        self.recent: list[tuple[float, bool, float]] = []  # (when, ok, seconds)

    def note(self, started: float, ok: bool) -> None:
        self.recent.append((time.time(), ok, time.monotonic() - started))
        if len(self.recent) > self.keep:
            del self.recent[: self.keep // 2]

    def summary(self) -> dict[str, Any]:
        """Error rate and median latency over recent calls."""
        if not self.recent:
            return {"calls": 0, "error_rate": None, "median_ms": None}
        lat = sorted(s for _, _, s in self.recent)
        errors = sum(1 for _, ok, _ in self.recent if not ok)
        return {"calls": len(self.recent), "error_rate": round(errors / len(self.recent), 3),
                "median_ms": round(lat[len(lat) // 2] * 1000, 1)}


class HttpApi:
    """Base of our API clients: subclasses set the name, auth headers and error parsing."""

    api_name = "API"
    server_name = "api-mcp"

    def __init__(
        self,
        base_url: str,
        *,
        headers: dict[str, str] | None = None,
        limits: RateLimits | None = None,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = headers or {}
        self.limits = limits
        self.retry = retry or RetryPolicy()
        self.timeout = timeout or DEFAULT_TIMEOUT
        self._http = http
        self.calls = 0  # requests actually sent, retries included
        self.stats = CallStats()

    @property
    def http(self) -> httpx.AsyncClient:
        return self._http if self._http is not None else shared_http_client()

    # --- subclass hooks ---

    def parse_error(self, response: httpx.Response) -> tuple[str, str | None, str | None]:
        """(message, param, code) from an error response."""
        try:
            body = response.json()
        except ValueError:
            return (response.text[:300] or response.reason_phrase, None, None)
        if isinstance(body, dict):
            msg = body.get("message") or body.get("error") or response.reason_phrase
            return (str(msg), body.get("param"), body.get("code"))
        return (str(body)[:300], None, None)

    # --- the request path ---

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        endpoint: str | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send a request with retries; return the decoded JSON body (None for an empty body)."""
        method = method.upper()
        safe = idempotent if idempotent is not None else method in _IDEMPOTENT_METHODS
        policy = self.retry
        retrying = AsyncRetrying(
            stop=stop_after_attempt(policy.attempts) | stop_before_delay(policy.total_seconds),
            wait=_Wait(policy),
            retry=retry_if_exception(lambda e: self._should_retry(e, safe)),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                number = attempt.retry_state.attempt_number
                try:
                    return await self._send_once(method, path, params, json, endpoint)
                except ApiError as exc:
                    exc.attempts = number
                    if number > 1 or self._should_retry(exc, safe):
                        log.info("%s %s %s failed (attempt %d): %s", self.api_name, method, path, number, exc)
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _should_retry(self, exc: BaseException, safe: bool) -> bool:
        if isinstance(exc, RateLimited):
            return True
        if isinstance(exc, NetworkError):
            return exc.code == "connect" or safe
        if isinstance(exc, ServerError):
            return exc.status != 501 and safe
        return False

    async def _send_once(
        self, method: str, path: str, params: dict[str, Any] | None, json: Any, endpoint: str | None
    ) -> Any:
        if self.limits is not None:
            await self.limits.acquire(endpoint)
        url = f"{self.base_url}{path}"
        started = time.monotonic()
        self.calls += 1
        try:
            response = await self.http.request(
                method, url, params=_clean(params), json=json, headers=self.headers, timeout=self.timeout
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            self._note(started, False)
            raise NetworkError(self.api_name, f"cannot connect to {self.base_url} ({type(exc).__name__})",
                               method=method, path=path, code="connect", server=self.server_name) from None
        except httpx.TransportError as exc:
            self._note(started, False)
            raise NetworkError(self.api_name, f"connection failed after the request was sent ({type(exc).__name__})",
                               method=method, path=path, code="after_send", server=self.server_name) from None
        self._note(started, response.is_success)
        if response.is_success:
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                return response.text
        message, param, code = self.parse_error(response)
        cls = error_for_status(response.status_code)
        raise cls(
            self.api_name,
            redact(message),
            status=response.status_code,
            request_id=response.headers.get("x-request-id") or response.headers.get("request-id"),
            method=method,
            path=path,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
            param=param,
            code=code,
            server=self.server_name,
        )

    def _note(self, started: float, ok: bool) -> None:
        self.stats.note(started, ok)

    def health(self) -> dict[str, Any]:
        return self.stats.summary()


def _clean(params: dict[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    out: dict[str, Any] = {}
    for k, v in params.items():
        if v is None:
            continue
        out[k] = ("true" if v else "false") if isinstance(v, bool) else v
    return out
