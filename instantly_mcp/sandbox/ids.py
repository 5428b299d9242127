"""Ids and timestamps the way Instantly shapes them: time-ordered UUIDv7 strings and ISO-8601 UTC with ms + Z."""

from __future__ import annotations

import random
import re
import threading
import time
import uuid
from datetime import UTC, date, datetime

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and bool(UUID_RE.match(value))


def iso(ms: int) -> str:
    """Epoch milliseconds -> `2026-08-13T11:11:58.027Z`."""
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_ts(value: str) -> datetime:
    """An ISO timestamp (with Z or an offset) or a YYYY-MM-DD date (UTC midnight)."""
    text = value.strip()
    if len(text) == 10:
        d = date.fromisoformat(text)
        return datetime(d.year, d.month, d.day, tzinfo=UTC)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class Clock:
    """Wall-clock ISO stamps; `stamp()` never returns the same millisecond twice (safe as a cursor)."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        return int(time.time() * 1000)

    def now(self) -> str:
        return iso(self.now_ms())

    def stamp(self) -> str:
        with self._lock:
            ms = max(self.now_ms(), self._last + 1)
            self._last = ms
            return iso(ms)

    def today(self) -> str:
        return datetime.now(UTC).strftime("%Y-%m-%d")


class IdGen:
    """UUIDv7 (RFC 9562): 48-bit ms timestamp, 12-bit counter, 62 random bits; strictly increasing here."""

    def __init__(self, seed: int | None = None) -> None:
        self._rand: random.Random = random.Random(seed) if seed is not None else random.SystemRandom()
        self._last_ms = 0
        self._counter = 0
        self._lock = threading.Lock()

    def uuid7(self) -> str:
        with self._lock:
            ms = int(time.time() * 1000)
            if ms <= self._last_ms:
                ms = self._last_ms
                self._counter += 1
                if self._counter > 0xFFF:
                    ms += 1
                    self._counter = 0
            else:
                self._counter = self._rand.getrandbits(10)
            self._last_ms = ms
            value = (ms << 80) | (0x7 << 76) | (self._counter << 64) | (0b10 << 62) | self._rand.getrandbits(62)
            return str(uuid.UUID(int=value))

    def uuid4(self) -> str:
        with self._lock:
            return str(uuid.UUID(int=self._rand.getrandbits(128), version=4))


def stable_uuid(*parts: str) -> str:
    """A deterministic uuid for derived things (e.g. a campaign step id)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "instantly-sandbox:" + ":".join(parts)))
