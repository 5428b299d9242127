"""Rate limits shared by every process that uses one API account, through the store.

An API's limits are per account (Instantly: per workspace), but each process used to count only its own
requests: polling, the webhook receiver and the MCP servers together could exceed them. A SharedLimiter takes its
budget from the store (shared/store/rate_budget.py), which every process of one installation opens, on SQLite
and on PostgreSQL. The account is named by a hash of its API key, never the key.

The fast path: a limiter leases a slice of the budget (up to `Limit.lease` requests, spent within `hold`
seconds) in one database round trip, then hands out those requests locally. A lease counts against the shared
budget until hold + the window + `slack` after it was granted, so the requests it covers stay inside every
window the API can see, whichever process sent them. The lease grows while a process uses all of it and shrinks
when it does not; unused requests of an expired lease are not given back (they free up with their window).

When the budget is spent the limiter waits until a request fits, at most ISMCP_RATE_LIMIT_MAX_WAIT seconds
(default 30) from the call; if the wait would be longer it raises RateBudgetSpent at once, saying when to retry.
Without a store (it cannot be opened) the limiter counts locally, as before, and logs that once.

Configuration: ISMCP_RATE_LIMITS=local makes every limit per process again; each limit can also be set
per process (see the API client's limits, e.g. instantly_mcp/client/base.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from shared.errors import AppError, InputError
from shared.ratelimit import Rate, RateLimiter

log = logging.getLogger(__name__)

SCOPE_ENV = "ISMCP_RATE_LIMITS"  # shared (default) | local
MAX_WAIT_ENV = "ISMCP_RATE_LIMIT_MAX_WAIT"
DEFAULT_MAX_WAIT = 30.0

StoreGetter = Callable[[], Awaitable[Any]]


@dataclass(frozen=True)
class Limit:
    """One documented limit: `rate`, shared across processes unless shared=False; `lease` is the most requests
    one process takes from the shared budget per database round trip (1 for a scarce limit like 20/min)."""

    name: str
    rate: Rate
    shared: bool = True
    lease: int = 1


class RateBudgetSpent(AppError):
    """The shared budget of a limit is spent and will not free up within the wait we allow."""

    def __init__(self, api: str, what: str, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"{api} rate limit reached: {what}, shared by every process using this account. "
                         "No request was sent.")

    def hint(self) -> str:
        return f"Try again in {max(1, math.ceil(self.retry_after))} seconds."


def account_hash(api_key: str) -> str:
    """Names an account in the store without the key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:16]


def sharing_enabled() -> bool:
    return os.environ.get(SCOPE_ENV, "shared").strip().lower() not in ("local", "0", "off", "false", "no")


def max_wait_from_env() -> float:
    raw = os.environ.get(MAX_WAIT_ENV, "").strip()
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_MAX_WAIT
    except ValueError:
        return DEFAULT_MAX_WAIT


def limits_from_env(env: str, default: Sequence[Limit]) -> tuple[Limit, ...]:
    """A limit group from a setting like "20/60" or "100/1,6000/60" (requests/seconds, comma-separated), with
    "local:" in front to count it per process; `default` when the variable is not set."""
    raw = os.environ.get(env, "").strip()
    if not raw:
        return tuple(default)
    shared = not raw.lower().startswith("local:")
    parts = [p.strip() for p in (raw if shared else raw[len("local:"):]).split(",") if p.strip()]
    out = []
    for i, part in enumerate(parts):
        try:
            count, seconds = part.split("/")
            rate = Rate(int(count), float(seconds))
        except ValueError:
            raise InputError(f"expected requests/seconds like 20/60, got {part!r}", env) from None
        if rate.limit < 1 or rate.period <= 0:
            raise InputError(f"expected a positive limit and window, got {part!r}", env)
        like = default[min(i, len(default) - 1)] if default else Limit("limit", rate, lease=max(1, rate.limit // 5))
        name = like.name if len(parts) == len(default) else f"{like.name}_{i}"
        out.append(Limit(name, rate, shared, like.lease))
    return tuple(out)


def describe_limits(limits: Sequence[Limit]) -> str:
    return " and ".join(f"{lim.rate.limit} requests per {lim.rate.period:g} s ({lim.name})" for lim in limits)


class SharedLimiter:
    """RateLimiter's interface (acquire), with the budget of every limit shared through the store."""

    def __init__(self, api: str, api_key: str, limits: Sequence[Limit], store: StoreGetter, *,
                 max_wait: float | None = None) -> None:
        self.api = api
        self.limits = list(limits)
        self.rates = tuple(lim.rate for lim in self.limits)  # as RateLimiter's, for tests and reports
        scope = account_hash(api_key)
        self._budget = [(f"{api.lower()}:{scope}:{lim.name}", lim.rate.limit, lim.rate.period) for lim in self.limits]
        self._store_getter = store
        self.max_wait = max_wait_from_env() if max_wait is None else max_wait
        shortest = min(lim.rate.period for lim in self.limits)
        self.max_lease = max(1, min(lim.lease for lim in self.limits))
        self.hold = max(0.05, min(1.0, 0.1 * shortest))  # a lease's requests are sent within this
        self.slack = max(0.25, min(1.0, 0.1 * shortest))  # and reach the API within this after it ends
        self._store: Any = None
        self._local: RateLimiter | None = None  # when there is no store
        self._lock: asyncio.Lock | None = None
        self._tokens = 0
        self._lease_end = 0.0
        self._lease_size = 0
        self._used = 0
        self._next_want = 1
        self._waiting = 0
        self.waited = 0.0
        self.round_trips = 0  # database round trips, for tests and benchmarks

    async def _store_or_none(self) -> Any:
        if self._store is None and self._local is None:
            try:
                self._store = await self._store_getter()
            except Exception as exc:  # noqa: BLE001 - without a store the limits still hold per process
                log.warning("%s rate limits are counted per process: the store cannot be opened (%s)", self.api, exc)
                self._local = RateLimiter(*self.rates)
        return self._store

    def _adapt(self) -> None:
        if self._lease_size == 0:
            return
        if self._tokens == 0:  # all used before the lease ended: ask for more next time
            self._next_want = min(self.max_lease, self._lease_size * 2)
        else:
            self._next_want = max(1, self._used)
        self._tokens, self._lease_size = 0, 0

    async def acquire(self) -> None:
        started = time.monotonic()
        if self._lock is None:
            self._lock = asyncio.Lock()
        self._waiting += 1
        try:
            async with self._lock:
                await self._acquire_locked(started)
        finally:
            self._waiting -= 1

    async def _acquire_locked(self, started: float) -> None:
        while True:
            now = time.monotonic()
            if self._tokens > 0 and now < self._lease_end:
                self._tokens -= 1
                self._used += 1
                return
            self._adapt()
            store = await self._store_or_none()
            if store is None:
                assert self._local is not None
                await self._local.acquire()
                return
            want = min(self.max_lease, max(self._next_want, self._waiting))
            asked = time.monotonic()
            self.round_trips += 1
            granted, wait = await store.take_budget(self._budget, want, hold=self.hold, slack=self.slack)
            if granted and time.monotonic() - asked > self.hold + self.slack / 2:
                # The database took so long that a request sent now might outlast the grant's count (a stalled
                # commit): leave the grant unused, to expire on its own, and ask again.
                if time.monotonic() - started > self.max_wait:
                    raise RateBudgetSpent(self.api, describe_limits(self.limits), self.hold + self.slack)
                continue
            if granted:
                # The lease runs from before the grant, so its requests go out within `hold` of the grant.
                self._lease_end = asked + self.hold
                self._lease_size, self._used, self._tokens = granted, 1, granted - 1
                return
            if time.monotonic() + wait - started > self.max_wait:
                raise RateBudgetSpent(self.api, describe_limits(self.limits), wait)
            self.waited += wait
            await asyncio.sleep(wait)


def limiter(api: str, api_key: str, limits: Sequence[Limit], store: StoreGetter | None) -> Any:
    """The limiter for these limits: shared through the store where a limit is shared (and sharing is on), local
    otherwise. Shared and local limits of one group are both applied."""
    shared = [lim for lim in limits if lim.shared] if store is not None and sharing_enabled() else []
    local = [lim for lim in limits if lim not in shared]
    parts: list[Any] = []
    if shared:
        assert store is not None
        parts.append(SharedLimiter(api, api_key, shared, store))
    if local:
        parts.append(RateLimiter(*(lim.rate for lim in local)))
    return parts[0] if len(parts) == 1 else _Both(parts)


class _Both:
    def __init__(self, parts: list[Any]) -> None:
        self.parts = parts
        self.rates = tuple(r for p in parts for r in p.rates)

    async def acquire(self) -> None:
        for part in self.parts:
            await part.acquire()
