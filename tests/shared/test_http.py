"""The HTTP layer against a real server on loopback: retries, Retry-After, no retry on 4xx, bounds."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from shared.asgi import BackgroundServer
from shared.errors import BadRequest, NotFound, RateLimited, ServerError, describe
from shared.http import HttpApi, RetryPolicy
from shared.ratelimit import Rate, RateLimiter, RateLimits


class Script:
    """Answers each path from a queue of (status, headers); the last answer repeats."""

    def __init__(self) -> None:
        self.plans: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.hits: dict[str, int] = {}

    async def handle(self, request: Request) -> JSONResponse:
        path = request.url.path
        self.hits[path] = self.hits.get(path, 0) + 1
        plan = self.plans.get(path, [(200, {})])
        status, headers = plan.pop(0) if len(plan) > 1 else plan[0]
        body = {"ok": True, "n": self.hits[path]} if status < 400 else {"statusCode": status, "error": "E", "message": f"failed {status}"}
        return JSONResponse(body, status_code=status, headers={"x-request-id": f"req_{self.hits[path]}", **headers})


@pytest.fixture
def script() -> Iterator[tuple[Script, str]]:
    s = Script()
    app = Starlette(routes=[Route("/{p:path}", s.handle, methods=["GET", "POST", "DELETE"])])
    with BackgroundServer(app) as srv:
        yield s, srv.url


def api(url: str, attempts: int = 4) -> HttpApi:
    return HttpApi(url, retry=RetryPolicy(attempts=attempts, total_seconds=20, initial_wait=0.01, max_wait=2))


async def test_429_with_retry_after_then_200(script: tuple[Script, str]) -> None:
    s, url = script
    s.plans["/a"] = [(429, {"Retry-After": "0.2"}), (200, {})]
    client = api(url)
    started = time.monotonic()
    body = await client.request("GET", "/a")
    waited = time.monotonic() - started
    assert body["ok"] and s.hits["/a"] == 2
    assert waited >= 0.2  # Retry-After was honoured (a lower bound, not a time limit)


async def test_no_retry_on_400_or_404(script: tuple[Script, str]) -> None:
    s, url = script
    s.plans["/bad"] = [(400, {})]
    s.plans["/missing"] = [(404, {})]
    client = api(url)
    with pytest.raises(BadRequest) as bad:
        await client.request("POST", "/bad", json={}, idempotent=True)
    with pytest.raises(NotFound) as missing:
        await client.request("GET", "/missing")
    assert s.hits == {"/bad": 1, "/missing": 1}
    assert bad.value.status == 400 and bad.value.request_id == "req_1" and "failed 400" in str(bad.value)
    assert "Check the id" in describe(missing.value)


async def test_attempt_bound_is_honoured_and_reported(script: tuple[Script, str]) -> None:
    s, url = script
    s.plans["/busy"] = [(429, {"Retry-After": "0"})]
    client = api(url, attempts=3)
    with pytest.raises(RateLimited) as exc:
        await client.request("GET", "/busy")
    assert s.hits["/busy"] == 3
    assert exc.value.attempts == 3
    assert "retried 3 times" in describe(exc.value)


async def test_5xx_retried_when_idempotent_not_501_and_not_unsafe_post(script: tuple[Script, str]) -> None:
    s, url = script
    s.plans["/flaky"] = [(503, {}), (500, {}), (200, {})]
    s.plans["/nope"] = [(501, {})]
    s.plans["/post"] = [(500, {}), (200, {})]
    client = api(url)
    assert (await client.request("GET", "/flaky"))["ok"]
    assert s.hits["/flaky"] == 3
    with pytest.raises(ServerError):
        await client.request("GET", "/nope")
    assert s.hits["/nope"] == 1
    with pytest.raises(ServerError):  # a plain POST may have been applied: not retried on 5xx
        await client.request("POST", "/post", json={})
    assert s.hits["/post"] == 1


async def test_connect_errors_are_retried_then_reported() -> None:
    from shared.asgi import free_port
    from shared.errors import NetworkError

    client = api(f"http://127.0.0.1:{free_port()}", attempts=2)
    with pytest.raises(NetworkError) as exc:
        await client.request("POST", "/x", json={})
    assert exc.value.attempts == 2 and client.calls == 2


async def test_rate_limiter_spaces_requests() -> None:
    limiter = RateLimiter(Rate(5, 0.5))
    started = time.monotonic()
    for _ in range(15):
        await limiter.acquire()
    # 15 requests at 10/s with a small initial burst cannot finish in under ~1 s
    assert time.monotonic() - started >= 0.9
    limits = RateLimits(RateLimiter(Rate(1000, 1.0)), {"GET /emails": RateLimiter(Rate(2, 60.0))})
    await limits.acquire("GET /emails")
    assert limits.per_endpoint["GET /emails"].waited == 0
