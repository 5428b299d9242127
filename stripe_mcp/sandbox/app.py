"""The sandbox ASGI app: `/v1/...` (the Stripe API) and `/_sandbox/...` (test controls).

A `/v1` request goes: injected fault -> auth -> route -> restricted-key permission -> rate limit -> idempotency
(replay, or 409 while the same key is in progress) -> latency -> handler in one transaction (with the idempotent
result saved in it) -> commit -> optional drop after commit -> answer with `Request-Id` and `Stripe-Version`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from . import objects  # noqa: F401 - registers the /v1 routes (import before billing/control)
from . import events, webhooks  # noqa: F401 - registers the events and webhook endpoint routes
from .auth import PERMISSIONS_STATE, check_permission, parse_authorization
from .control import control_routes
from .delivery import WebhookWorker
from .errors import StripeError, api_error, idempotency_error, invalid, rate_limited
from .faults import Faults
from .forms import canonical, parse_body, parse_pairs
from .params import Params
from .routing import check_known_params, match
from .runtime import API_VERSION, Ctx, Sandbox, only_version
from .store import Store

JSON = [(b"content-type", b"application/json")]


@dataclass
class Stats:
    total: int = 0
    by_route: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    replays: int = 0
    faults: Counter[str] = field(default_factory=Counter)

    def describe(self) -> dict[str, Any]:
        return {"total": self.total, "by_route": dict(self.by_route), "by_status": dict(self.by_status),
                "idempotent_replays": self.replays, "faults": dict(self.faults)}


class Core:
    """Everything one running sandbox holds; shared by the API and the controls."""

    def __init__(self, db_path: str | Path, *, latency_ms: float, fault_rate: float, fault_kinds: Sequence[str],
                 seed: int | None, search_lag_seconds: float = 1.0) -> None:
        self.store = Store(db_path)
        self.sb = Sandbox(self.store, seed, search_lag_seconds)
        self.fault_defaults = (latency_ms, fault_rate, tuple(fault_kinds), seed)
        self.faults = Faults.create(latency_ms, fault_rate, fault_kinds, seed)
        self.worker = WebhookWorker(self.sb)
        self.stats = Stats()
        self.inflight: set[tuple[str, str]] = set()

    def reset(self) -> None:
        self.sb.reset()
        latency_ms, rate, kinds, seed = self.fault_defaults
        self.faults = Faults.create(latency_ms, rate, kinds, seed)
        self.stats = Stats()
        self.worker.reset()

    def wake(self) -> None:
        self.worker.wake()

    def permissions(self) -> dict[str, Any]:
        return self.store.state(PERMISSIONS_STATE, {}) or {}


async def _send(send: Any, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
    payload = json.dumps(body, indent=2).encode()
    raw = JSON + [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


async def _drop(send: Any) -> None:
    """Start an answer and stop mid-body: the server closes the connection and the client sees it reset."""
    await send({"type": "http.response.start", "status": 200, "headers": [*JSON, (b"content-length", b"4096")]})
    await send({"type": "http.response.body", "body": b"{", "more_body": True})


class ApiApp:
    """Raw ASGI for `/v1/*`, so that a fault can drop the connection."""

    def __init__(self, core: Core) -> None:
        self.core = core

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        core = self.core
        request = Request(scope, receive)
        method, path = request.method.upper(), scope["path"]
        request_id = core.sb.new_id("req_", 14)
        version = request.headers.get("stripe-version") or API_VERSION
        headers = {"Request-Id": request_id, "Stripe-Version": version}
        core.stats.total += 1
        try:
            status, body, extra = await self._handle(request, method, path, request_id, version, headers, send)
        except StripeError as exc:
            status, body, extra = exc.status, exc.body(request_id), exc.headers
        except _Dropped:
            return
        core.stats.by_status[str(status)] += 1
        await _send(send, status, body, {**headers, **extra})

    async def _handle(self, request: Request, method: str, path: str, request_id: str, version: str,
                      headers: dict[str, str], send: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
        core = self.core
        picked = core.faults.pick()
        if picked in ("reset", "timeout", "429", "500"):
            core.stats.faults[picked] += 1
            if picked == "timeout":
                await asyncio.sleep(core.faults.timeout_seconds)
            if picked in ("reset", "timeout"):
                await _drop(send)
                raise _Dropped
            raise rate_limited(core.faults.retry_after) if picked == "429" else api_error()
        key = parse_authorization(request.headers.get("authorization"))
        route, path_params, _ = match(method, path)
        if route is None:
            raise invalid(f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we "
                          "can help at https://support.stripe.com/.", status=404)
        core.stats.by_route[f"{method} {route.path}"] += 1
        only_version(version)  # a request pinned to another API version gets a 400, not the wrong shapes
        check_permission(key, core.permissions(), route.resource, route.write)
        if core.faults.over_rate_limit():
            core.stats.faults["rate_limit"] += 1
            raise rate_limited(core.faults.retry_after)
        params = parse_pairs(request.query_params.multi_items())
        if method == "POST":
            params.update(parse_body(await request.body(), request.headers.get("content-type", "")))
        check_known_params(route, params)
        idem = request.headers.get("idempotency-key") if method == "POST" else None
        slot = None
        fingerprint = ""
        if idem:
            if len(idem) > 255:
                raise invalid("Idempotency-Key must be at most 255 characters long.", None)
            headers["Idempotency-Key"] = idem
            fingerprint = hashlib.sha256(f"{method} {path} {canonical(params)}".encode()).hexdigest()
            stored = core.store.idem_get(key.key, idem)
            if stored is not None:
                return self._replay(stored, fingerprint, idem)
            slot = (key.key, idem)
            if slot in core.inflight:
                raise idempotency_error(
                    f"There is currently another in-progress request using this Stripe API Key and idempotency key "
                    f"(`{idem}`). Please try again later.", status=409)
            core.inflight.add(slot)
        try:
            if core.faults.latency_ms > 0:  # "processing time": a same-key request meanwhile gets a 409
                await asyncio.sleep(core.faults.latency_ms / 1000)
            ctx = Ctx(core.sb, key.livemode, api_key=key.key, request_id=request_id, idempotency_key=idem,
                      api_version=version)
            status, body, extra = 200, {}, {}
            with core.store.transaction():
                try:
                    body = route.handler(ctx, Params(params), **path_params)
                except StripeError as exc:
                    if not exc.commit:
                        raise
                    status, body, extra = exc.status, exc.body(request_id), exc.headers
                if idem:
                    core.store.idem_put(key.key, idem, fingerprint, status, json.dumps(body), request_id)
        finally:
            if slot is not None:
                core.inflight.discard(slot)
        if ctx.events:
            core.wake()
        if route.write and method == "POST" and core.faults.take_after_commit(picked):
            core.stats.faults["after_commit"] += 1
            await _drop(send)
            raise _Dropped
        return status, body, extra

    def _replay(self, stored: tuple[str, int, str, str | None], fingerprint: str,
                idem: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        saved_fp, status, body, original = stored
        if saved_fp != fingerprint:
            raise idempotency_error(
                f"Keys for idempotent requests can only be used with the same parameters they were first used with. "
                f"Try using a key other than '{idem}' if you meant to execute a different request.")
        self.core.stats.replays += 1
        return status, json.loads(body), {"Idempotent-Replayed": "true", "Original-Request": original or ""}


class _Dropped(Exception):
    """The connection was dropped on purpose; nothing more to send."""


def create_app(db_path: str | Path, *, latency_ms: float = 0.0, fault_rate: float = 0.0,
               fault_kinds: Sequence[str] = ("429", "500", "reset"), seed: int | None = None,
               search_lag_seconds: float | None = None) -> Starlette:
    """The sandbox as an ASGI app; state lives in the SQLite file `db_path` and survives restarts.

    search_lag_seconds: how long a new object stays invisible to search (default: env STRIPE_SANDBOX_SEARCH_LAG,
    else 1 s); POST /_sandbox/config {"search_lag_seconds": 0} changes it at run time.
    """
    if search_lag_seconds is None:
        search_lag_seconds = float(os.environ.get("STRIPE_SANDBOX_SEARCH_LAG") or 1.0)
    core = Core(db_path, latency_ms=latency_ms, fault_rate=fault_rate, fault_kinds=fault_kinds, seed=seed,
                search_lag_seconds=search_lag_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await core.worker.start()
        ticker = asyncio.create_task(_clock_ticker(core), name="sandbox-clock")
        try:
            yield
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            await core.worker.stop()
            core.store.close()

    app = Starlette(routes=[Route("/v1/{rest:path}", ApiApp(core)), *control_routes(core)], lifespan=lifespan)
    app.state.core = core
    return app


async def _clock_ticker(core: Core, every: float = 5.0) -> None:
    """Run renewals and other due work as real time passes (advance_time does the same on demand)."""
    from .billing import advance

    while True:
        await asyncio.sleep(every)
        try:
            result = advance(core.sb, core.sb.now())
            if result["events"]:
                core.wake()
        except Exception:  # noqa: BLE001 - keep ticking; a failing renewal is retried at the next tick
            await asyncio.sleep(every)


__all__ = ["Core", "create_app"]
