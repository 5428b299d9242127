"""Idempotency keys derived from what a call asks for, so that a retried call never creates a second object.

A tool call that committed at Stripe but lost its answer (and whose SDK retries then failed) looks like a failure
to the model, which calls the tool again. With a key derived from the call's arguments, that second call carries
the same Idempotency-Key, and Stripe answers with the object the first one created instead of making another.

    intent = INTENTS.intent("stripe_create_product", {"name": "Audit"})
    await api.create_product(name="Audit", idempotency_key=intent.key)

- The same arguments within WINDOW_SECONDS of their first use are the same intent: the same key. Different
  arguments never share a key (the key is a digest of all of them), so distinct intents never merge.
- The window starts when this process first sees the arguments, so a retry that falls just after a time-bucket
  boundary keeps its key; a freshly started process falls back to the current bucket of the clock.
- After a definite refusal (a 4xx other than 409/429: Stripe created nothing), `refused()` moves the intent to a
  new key, so a call repeated after fixing the cause (a card added, a price activated) is not answered with a
  stored refusal.
- Stripe keeps keys for at least 24 hours ("Idempotent requests", https://docs.stripe.com/api/idempotent_requests),
  far longer than the window, and compares the parameters: the same key with other parameters is an error, which
  a digest of every argument rules out. Keys are at most 255 characters; ours are under 80.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

WINDOW_SECONDS = 15 * 60
_MAX_REMEMBERED = 5000


def digest(scope: str, args: Any) -> str:
    """A stable digest of a scope and JSON-able arguments (key order does not matter)."""
    text = json.dumps([scope, args], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass
class Intent:
    """One call's intent: its idempotency key (and keys for the steps of a multi-step call)."""

    scope: str
    digest: str
    window: int
    generation: int
    repeat: bool  # this process handed out the same key before (an earlier identical call)
    _book: IntentBook

    @property
    def key(self) -> str:
        gen = f":r{self.generation}" if self.generation else ""
        return f"mcp:{self.scope}:{self.digest}:{self.window}{gen}"

    def step(self, name: str) -> str:
        """The key of one step of a multi-step call (e.g. 'invoice', 'item0', 'finalize')."""
        return f"{self.key}:{name}"

    def refused(self) -> None:
        """Stripe refused the call outright (nothing was created): the next identical call gets a new key."""
        self._book.bump(self.digest)


class IntentBook:
    """The keys this process has handed out, by argument digest: (first seen, window number, generation)."""

    def __init__(self, window_seconds: float = WINDOW_SECONDS, clock: Callable[[], float] = time.time) -> None:
        self.window_seconds = window_seconds
        self.clock = clock
        self._seen: dict[str, tuple[float, int, int]] = {}
        self._fresh: set[str] = set()

    def intent(self, scope: str, args: Any) -> Intent:
        now = self.clock()
        dig = digest(scope, args)
        seen = self._seen.get(dig)
        expired = seen is None or now - seen[0] >= self.window_seconds
        fresh = dig in self._fresh
        self._fresh.discard(dig)
        if seen is None or expired:
            seen = (now, int(now // self.window_seconds), 0)
            self._remember(dig, seen, now)
        return Intent(scope, dig, seen[1], seen[2], not expired and not fresh, self)

    def bump(self, dig: str) -> None:
        seen = self._seen.get(dig)
        if seen is not None:
            self._seen[dig] = (seen[0], seen[1], seen[2] + 1)
            self._fresh.add(dig)  # the next call with the new key is a first use, not a repeat

    def _remember(self, dig: str, seen: tuple[float, int, int], now: float) -> None:
        if len(self._seen) >= _MAX_REMEMBERED:
            self._seen = {d: s for d, s in self._seen.items() if now - s[0] < self.window_seconds}
        self._seen[dig] = seen


INTENTS = IntentBook()
