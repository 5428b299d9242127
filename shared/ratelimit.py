"""Client-side rate limiting: an async token bucket with several windows.

Staying under an API's documented limits beats bouncing off its 429s.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Rate:
    """At most `limit` requests per `period` seconds."""

    limit: int
    period: float


@dataclass
class _Bucket:
    rate: Rate
    tokens: float = field(init=False)
    stamp: float = field(init=False)

    def __post_init__(self) -> None:
        # Start with a small burst allowance rather than the whole window, so that a minute-long
        # window cannot be spent in its first second.
        self.tokens = float(min(self.rate.limit, max(1.0, self.rate.limit * min(1.0, 1.0 / self.rate.period))))
        self.stamp = time.monotonic()

    def refill(self, now: float) -> None:
        per_second = self.rate.limit / self.rate.period
        self.tokens = min(float(self.rate.limit), self.tokens + (now - self.stamp) * per_second)
        self.stamp = now

    def wait_time(self) -> float:
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) * self.rate.period / self.rate.limit


class RateLimiter:
    """Waits until every window has a token, then takes one from each."""

    def __init__(self, *rates: Rate) -> None:
        self.rates = rates
        self._buckets = [_Bucket(r) for r in rates]
        self._lock: asyncio.Lock | None = None
        self.waited = 0.0  # total seconds spent waiting, for tests and benchmarks

    async def acquire(self) -> None:
        if not self._buckets:
            return
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            while True:
                now = time.monotonic()
                for b in self._buckets:
                    b.refill(now)
                wait = max(b.wait_time() for b in self._buckets)
                if wait <= 0:
                    for b in self._buckets:
                        b.tokens -= 1.0
                    return
                self.waited += wait
                await asyncio.sleep(wait)


class Limiter(Protocol):
    """What RateLimits needs of a limiter: RateLimiter (per process) or ratelimit_shared.SharedLimiter."""

    rates: tuple[Rate, ...]

    async def acquire(self) -> None: ...


class RateLimits:
    """A workspace-wide limiter plus optional per-endpoint ones (e.g. 20/min for GET /emails)."""

    def __init__(self, default: Limiter, per_endpoint: dict[str, Limiter] | None = None) -> None:
        self.default = default
        self.per_endpoint = per_endpoint or {}

    async def acquire(self, endpoint: str | None) -> None:
        if endpoint and endpoint in self.per_endpoint:
            await self.per_endpoint[endpoint].acquire()
        await self.default.acquire()
