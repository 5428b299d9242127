"""What a handler works with: the sandbox (store, clock, ids) and one request's context (mode, events)."""

from __future__ import annotations

import copy
import random
import string
import time
from dataclasses import dataclass, field
from typing import Any

from .errors import invalid, no_such
from .store import Store

API_VERSION = "2026-10-28.endive"  # what the installed SDK pins (stripe.api_version); the only version spoken
ACCOUNT_ID = "acct_sandbox00000000"
ALPHABET = string.ascii_letters + string.digits

LABELS = {
    "payment_method": "PaymentMethod", "checkout.session": "checkout session", "webhook_endpoint": "webhook endpoint",
    "payment_link": "payment link", "invoiceitem": "invoiceitem",
}


def only_version(version: str | None, param: str | None = None) -> str | None:
    """The sandbox renders every object and event at API_VERSION (the SDK's pinned version) and at no other: a
    request or webhook endpoint asking for another version gets a 400 instead of payloads in the wrong shapes.
    None means "the account default", which is API_VERSION."""
    if version is None or version == API_VERSION:
        return version
    raise invalid(f"The Stripe sandbox speaks API version {API_VERSION} only (the version the installed stripe SDK "
                  f"pins); it cannot render objects or events at {version}.", param, "api_version_unsupported")


def public(value: Any) -> Any:
    """A deep copy without the sandbox's own bookkeeping keys (those starting with `_`)."""
    if isinstance(value, dict):
        return {k: public(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [public(v) for v in value]
    return value


class Sandbox:
    """Shared state of one running sandbox; `now()` is the simulated clock (real time plus an offset)."""

    def __init__(self, store: Store, seed: int | None = None, search_lag_seconds: float = 1.0) -> None:
        self.store = store
        self.seed = seed
        self.default_search_lag = self.search_lag_seconds = float(search_lag_seconds)  # see search.py
        self.clock_offset = float(store.state("clock_offset", 0.0))
        top = store.db.execute("SELECT coalesce(max(seq), 0) FROM objects").fetchone()[0]
        self.rng: random.Random = random.Random(f"{seed}:{top}") if seed is not None else random.SystemRandom()
        self.wake_webhooks: Any = None  # set by the delivery worker: a callable that wakes it

    def now(self) -> int:
        return int(time.time() + self.clock_offset)

    def set_clock(self, target: int) -> None:
        self.clock_offset = max(self.clock_offset, target - time.time())
        self.store.set_state("clock_offset", self.clock_offset)

    def new_id(self, prefix: str, length: int = 24) -> str:
        return prefix + "".join(self.rng.choice(ALPHABET) for _ in range(length))

    def reset(self) -> None:
        self.store.reset()
        self.clock_offset = 0.0
        self.search_lag_seconds = self.default_search_lag


@dataclass
class Ctx:
    sb: Sandbox
    livemode: bool
    api_key: str | None = None
    request_id: str | None = None
    idempotency_key: str | None = None
    api_version: str = API_VERSION
    at: int | None = None  # the clock while advance_time replays what happened at an earlier moment
    events: list[str] = field(default_factory=list)

    @property
    def store(self) -> Store:
        return self.sb.store

    def now(self) -> int:
        return self.at if self.at is not None else self.sb.now()

    def id(self, prefix: str, *, mode_infix: bool = False) -> str:
        infix = ("live_" if self.livemode else "test_") if mode_infix else ""
        return self.sb.new_id(prefix + infix)

    def base(self, object_name: str, prefix: str, *, mode_infix: bool = False) -> dict[str, Any]:
        return {"id": self.id(prefix, mode_infix=mode_infix), "object": object_name, "created": self.now(),
                "livemode": self.livemode}

    def find(self, type_: str, object_id: str | None) -> dict[str, Any] | None:
        if not object_id or not isinstance(object_id, str):
            return None
        return self.store.get(type_, object_id, self.livemode)

    def get(self, type_: str, object_id: str | None, param: str = "id") -> dict[str, Any]:
        obj = self.find(type_, object_id)
        if obj is None:
            raise no_such(LABELS.get(type_, type_), str(object_id), param)
        return obj

    def insert(self, obj: dict[str, Any]) -> dict[str, Any]:
        obj.setdefault("_indexed_at", time.time())  # when it was created: search finds it search_lag_seconds later
        self.store.insert(obj["object"], obj)
        return obj

    def save(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.store.save(obj["object"], obj)
        return obj

    def all(self, type_: str) -> list[dict[str, Any]]:
        return [obj for _, obj in self.store.all(type_, self.livemode)]

    def emit(self, event_type: str, obj: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
        from .events import emit_event

        return emit_event(self, event_type, obj, previous)


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """previous_attributes for an `*.updated` event: the old values of the top-level fields that changed."""
    out: dict[str, Any] = {}
    for key in set(before) | set(after):
        if key.startswith("_") or key in ("updated",):
            continue
        if before.get(key) != after.get(key):
            out[key] = copy.deepcopy(before.get(key))
    return public(out)
