"""Injected trouble for `/v1` requests: latency, random or queued faults, a rate limit, drops after commit.

Fault kinds: "429" (rate_limit_error with Retry-After), "500" (api_error), "reset" (the connection drops before
anything is written), "timeout" (no answer for `timeout_seconds`, then a drop), and "after_commit" (the write
is committed and then the connection drops, so a client retry must get the idempotent replay). A queued "pass"
lets one request through untouched, so a queue can aim its faults at a later request.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

KINDS = ("429", "500", "reset", "timeout", "after_commit", "pass")


@dataclass
class Faults:
    latency_ms: float = 0.0
    rate: float = 0.0
    kinds: tuple[str, ...] = ("429", "500", "reset")
    timeout_seconds: float = 30.0
    retry_after: float = 1.0
    rate_limit_per_second: float | None = None
    after_commit_next: int = 0
    queue: deque[str] = field(default_factory=deque)
    rng: random.Random = field(default_factory=random.Random)
    _window: deque[float] = field(default_factory=deque)

    @classmethod
    def create(cls, latency_ms: float, rate: float, kinds: Sequence[str], seed: int | None) -> Faults:
        faults = cls(latency_ms=latency_ms, rng=random.Random(seed))
        faults.configure({"rate": rate, "kinds": list(kinds)})
        return faults

    def configure(self, body: dict[str, Any]) -> None:
        if "kinds" in body and body["kinds"] is not None:
            kinds = tuple(str(k) for k in body["kinds"])
            bad = [k for k in kinds if k not in KINDS]
            if bad:
                raise ValueError(f"unknown fault kinds {bad}; known: {list(KINDS)}")
            self.kinds = kinds
        if "rate" in body and body["rate"] is not None:
            rate = float(body["rate"])
            if not 0.0 <= rate <= 1.0:
                raise ValueError("rate must be between 0 and 1")
            self.rate = rate
        for key in ("latency_ms", "timeout_seconds", "retry_after"):
            if key in body and body[key] is not None:
                setattr(self, key, float(body[key]))
        if "rate_limit_per_second" in body:
            value = body["rate_limit_per_second"]
            self.rate_limit_per_second = float(value) if value else None
        if "after_commit_next" in body and body["after_commit_next"] is not None:
            self.after_commit_next = int(body["after_commit_next"])
        if "next" in body and body["next"] is not None:
            nxt = [str(k) for k in body["next"]]
            bad = [k for k in nxt if k not in KINDS]
            if bad:
                raise ValueError(f"unknown fault kinds {bad}; known: {list(KINDS)}")
            self.queue.extend(nxt)
        if "seed" in body and body["seed"] is not None:
            self.rng.seed(int(body["seed"]))

    def clear(self) -> None:
        self.rate, self.after_commit_next, self.rate_limit_per_second = 0.0, 0, None
        self.queue.clear()

    def pick(self) -> str | None:
        """The fault for this request, if any: queued ones first, then a random draw at `rate`."""
        if self.queue:
            return self.queue.popleft()
        if self.rate > 0 and self.kinds and self.rng.random() < self.rate:
            return self.rng.choice(self.kinds)
        return None

    def over_rate_limit(self) -> bool:
        if not self.rate_limit_per_second:
            return False
        now = time.monotonic()
        while self._window and now - self._window[0] > 1.0:
            self._window.popleft()
        if len(self._window) >= self.rate_limit_per_second:
            return True
        self._window.append(now)
        return False

    def take_after_commit(self, picked: str | None) -> bool:
        if picked == "after_commit":
            return True
        if self.after_commit_next > 0:
            self.after_commit_next -= 1
            return True
        return False

    def describe(self) -> dict[str, Any]:
        return {
            "latency_ms": self.latency_ms, "rate": self.rate, "kinds": list(self.kinds),
            "timeout_seconds": self.timeout_seconds, "retry_after": self.retry_after,
            "rate_limit_per_second": self.rate_limit_per_second, "after_commit_next": self.after_commit_next,
            "next": list(self.queue),
        }
