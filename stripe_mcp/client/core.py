"""The SDK connection: a StripeClient on httpx with retries, the error mapping, and generic get/list/search/delete."""

from __future__ import annotations

import contextlib
import contextvars
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any

import stripe
from pydantic import BaseModel, Field

from shared.errors import InputError
from shared.http import CallStats
from shared.ratelimit import RateLimits
from shared.redaction import register_secret
from stripe_mcp.client.errors import map_stripe_error
from stripe_mcp.client.kinds import Kind, kind
from stripe_mcp.client.mode import LiveModeRefused, key_mode

DEFAULT_RETRIES = 3
_attempts: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("stripe_attempts", default=None)
_replays: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("stripe_replays", default=None)


@contextlib.contextmanager
def track_replays() -> Iterator[list[bool]]:
    """Within the block, one entry per successful SDK call: True when Stripe answered with an idempotent replay
    (the `Idempotent-Replayed` header), i.e. the object had already been created under that key."""
    seen: list[bool] = []
    token = _replays.set(seen)
    try:
        yield seen
    finally:
        _replays.reset(token)


def _replayed(result: Any) -> bool:
    response = getattr(result, "last_response", None)
    headers = getattr(response, "headers", None) or {}
    return str(headers.get("Idempotent-Replayed", headers.get("idempotent-replayed", ""))).lower() == "true"


class Page(BaseModel):
    """One page of a list or search: the objects as plain dicts, and the cursor for the next page."""

    items: list[dict[str, Any]] = Field(default_factory=list)
    has_more: bool = False
    next_cursor: str | None = None


class _HttpClient(stripe.HTTPXClient):
    """The SDK's httpx client, counting attempts (for error messages) and with a tunable retry back-off."""

    def __init__(self, *, retry_delay: float = 0.5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._retry_delay = retry_delay

    def _get_request_args_kwargs(self, method: str, url: str, headers: Mapping[str, str], post_data: Any) -> Any:
        # The SDK passes the encoded form body as `data=`, which httpx deprecates for raw text (a
        # DeprecationWarning on every POST); `content=` sends the same bytes.
        args, kwargs = super()._get_request_args_kwargs(method, url, headers, post_data)
        data = kwargs.pop("data", None)
        if data:
            kwargs["content"] = data
        return args, kwargs

    async def request_async(self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None) -> Any:
        counter = _attempts.get()
        if counter is not None:
            counter[0] += 1
        return await super().request_async(method, url, headers, post_data)

    def _sleep_time_seconds(self, num_retries: int) -> float:
        base = min(self._retry_delay * (2 ** (num_retries - 1)), 5.0)
        return max(self._retry_delay, base * (0.5 + random.random() / 2))


def as_dict(obj: Any) -> dict[str, Any]:
    """A StripeObject as a plain JSON-ready dict (StripeObject is no longer a dict in SDK 16)."""
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return obj
    return obj.to_dict(for_json=True)


def idem(key: str | None) -> dict[str, Any] | None:
    """Request options carrying an explicit idempotency key (else the SDK makes one per POST, reused on retry)."""
    return {"idempotency_key": key} if key else None


TELEMETRY_ENV = "ISMCP_STRIPE_TELEMETRY"


def configure_telemetry() -> None:
    """The SDK's telemetry (request timings, the platform string and a machine id it writes to
    ~/.config/stripe/telemetry_id) is off unless the user opts in with ISMCP_STRIPE_TELEMETRY=1. Opted in, the id
    lives in our own data directory, never in the user's home config."""
    import os

    stripe.enable_telemetry = os.environ.get(TELEMETRY_ENV, "").strip().lower() in ("1", "true", "yes", "on")
    if not stripe.enable_telemetry:
        return
    try:
        import secrets

        from stripe import _telemetry_id  # the SDK's id cache: filled here, so it never reads or writes its file
        from shared.store.engine import default_store_path

        if not _telemetry_id._loaded:
            path = default_store_path().parent / "stripe_telemetry_id"
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(secrets.token_hex(16), encoding="utf-8")
            _telemetry_id._cached_id = path.read_text(encoding="utf-8").strip() or None
            _telemetry_id._loaded = True
    except (ImportError, AttributeError, OSError):
        _telemetry_off_without_id()


def _telemetry_off_without_id() -> None:
    stripe.enable_telemetry = False  # an SDK without the id cache we know: no telemetry rather than a file in $HOME


class StripeCore:
    """Owns the StripeClient. Every SDK call goes through `_call`, which maps StripeError to shared.errors."""

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str | None = None,
        max_network_retries: int = DEFAULT_RETRIES,
        retry_delay: float = 0.5,
        timeout: float = 30.0,
        refuse_live: bool = False,
        stripe_account: str | None = None,
        limits: RateLimits | None = None,
    ) -> None:
        self.mode, self.restricted = key_mode(api_key)
        self.limits = limits  # an opt-in client-side limit (stripe_mcp/deps.py RATE_LIMIT_ENV); None: none
        if refuse_live and self.mode == "live":
            raise LiveModeRefused("A live Stripe key is configured but STRIPE_REFUSE_LIVE=1 refuses live mode.")
        register_secret(api_key)
        configure_telemetry()
        self.max_network_retries = max_network_retries
        self.stats = CallStats()
        self._http = _HttpClient(timeout=timeout, retry_delay=retry_delay)
        self.sdk = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base.rstrip("/")} if api_base else None,
            max_network_retries=max_network_retries,
            http_client=self._http,
            stripe_account=stripe_account,
        )

    async def aclose(self) -> None:
        await self._http.close_async()

    # --- calling the SDK -----------------------------------------------------------------------

    async def _call(self, method: str, path: str, fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        if self.limits is not None:
            await self.limits.acquire(f"{method} {path}")
        counter = [0]
        token = _attempts.set(counter)
        started, ok = time.monotonic(), False
        try:
            result = await fn(*args, **kwargs)
            ok = True
            seen = _replays.get()
            if seen is not None:
                seen.append(_replayed(result))
            return result
        except stripe.StripeError as exc:
            raise map_stripe_error(exc, method=method, path=path, attempts=max(counter[0], 1)) from None
        finally:
            self.stats.note(started, ok)
            _attempts.reset(token)

    def health(self) -> dict[str, Any]:
        """Error rate and median latency over recent calls (for system_status and doctor)."""
        return self.stats.summary()

    async def _dict(self, method: str, path: str, fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any
                    ) -> dict[str, Any]:
        return as_dict(await self._call(method, path, fn, *args, **kwargs))

    def service(self, k: Kind | str) -> Any:
        target: Any = self.sdk.v1
        for part in (kind(k) if isinstance(k, str) else k).service:
            target = getattr(target, part)
        return target

    # --- generic reads and deletes ---------------------------------------------------------------

    async def retrieve(self, kind_name: str, object_id: str, *, expand: list[str] | None = None) -> dict[str, Any]:
        k = kind(kind_name)
        params = {"expand": expand} if expand else None
        return await self._dict("GET", f"/v1/{'/'.join(k.service)}/{object_id}", self.service(k).retrieve_async,
                                object_id, params=params)

    async def list_page(self, kind_name: str, params: Mapping[str, Any] | None = None, *, limit: int = 10,
                        cursor: str | None = None) -> Page:
        k = kind(kind_name)
        query = {key: v for key, v in (params or {}).items() if v is not None}
        query["limit"] = limit
        if cursor:
            query["starting_after"] = cursor
        page = await self._call("GET", f"/v1/{'/'.join(k.service)}", self.service(k).list_async, params=query)
        items = [as_dict(o) for o in page.data]
        more = bool(page.has_more)
        return Page(items=items, has_more=more, next_cursor=items[-1]["id"] if more and items else None)

    async def search_page(self, kind_name: str, query: str, *, limit: int = 10, cursor: str | None = None) -> Page:
        k = kind(kind_name)
        params: dict[str, Any] = {"query": query, "limit": limit}
        if cursor:
            params["page"] = cursor
        page = await self._call("GET", f"/v1/{'/'.join(k.service)}/search", self.service(k).search_async,
                                params=params)
        more = bool(page.has_more)
        return Page(items=[as_dict(o) for o in page.data], has_more=more,
                    next_cursor=getattr(page, "next_page", None) if more else None)

    async def iterate(self, kind_name: str, params: Mapping[str, Any] | None = None, *, max_items: int = 10_000,
                      page_size: int = 100) -> AsyncIterator[dict[str, Any]]:
        """Every matching object, newest first, following pages with the SDK's auto-pagination (`async for`)."""
        k = kind(kind_name)
        path = f"/v1/{'/'.join(k.service)}"
        query = {key: v for key, v in (params or {}).items() if v is not None}
        query["limit"] = page_size
        first = await self._call("GET", path, self.service(k).list_async, params=query)
        pager = first.auto_paging_iter()
        seen = 0
        try:
            async for obj in pager:
                yield as_dict(obj)
                seen += 1
                if seen >= max_items:
                    break
        except stripe.StripeError as exc:
            raise map_stripe_error(exc, method="GET", path=path) from None
        finally:
            # Stopping early leaves the SDK's async generator suspended: close it here, not at garbage collection.
            agen = getattr(pager, "_async_iterator", None)
            if agen is not None and hasattr(agen, "aclose"):
                await agen.aclose()

    async def delete(self, kind_name: str, object_id: str, *, idempotency_key: str | None = None) -> dict[str, Any]:
        k = kind(kind_name)
        if not k.deletable:
            raise InputError(f"{k.name} cannot be deleted", "kind")
        return await self._dict("DELETE", f"/v1/{'/'.join(k.service)}/{object_id}", self.service(k).delete_async,
                                object_id, options=idem(idempotency_key))
