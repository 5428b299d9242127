"""The rate-limit budget shared by every process on one store (shared/ratelimit_shared.py uses it).

A sliding log per limit: each grant is a row (key, until, tokens) that counts against the limit until `until`.
Taking budget reads the live rows and adds one, atomically: SQLite's write transaction is BEGIN IMMEDIATE (one
writer at a time); PostgreSQL takes a transaction-scoped advisory lock per key, in key order (no deadlock), so
two processes never both see the same free budget. Time is the database's clock on PostgreSQL (replicas on other
hosts agree on it) and this host's on SQLite (every process is on this host)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.store.base import StoreBase
from shared.store.schema import rate_limits

# (key, limit, period seconds)
BudgetRate = tuple[str, int, float]


def _lock_id(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


class RateBudget(StoreBase):
    async def _db_now(self, conn: AsyncConnection) -> float:
        if self.dialect == "postgresql":
            return float((await conn.execute(text("SELECT extract(epoch from clock_timestamp())"))).scalar_one())
        return time.time()

    async def take_budget(self, rates: Sequence[BudgetRate], want: int, *, hold: float, slack: float
                          ) -> tuple[int, float]:
        """Take up to `want` requests from every limit in `rates` at once: (granted, 0.0), or (0, seconds until
        one request fits) when some limit is spent. A grant counts until now + hold (the lease: its requests are
        sent within `hold` seconds) + the limit's period + `slack` (the time a request takes to reach the API)."""
        keys = sorted({k for k, _, _ in rates})

        async def run(conn: AsyncConnection) -> tuple[int, float]:
            if self.dialect == "postgresql":
                for key in keys:
                    await conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _lock_id(key)})
            now = await self._db_now(conn)
            c = rate_limits.c
            grant, wait = max(1, int(want)), 0.0
            for key, limit, _period in rates:
                await conn.execute(delete(rate_limits).where(c.key == key, c.until <= now))
                live = (await conn.execute(select(c.until, c.tokens).where(c.key == key, c.until > now)
                                           .order_by(c.until))).all()
                used = sum(int(t) for _, t in live)
                free = int(limit) - used
                if free >= 1:
                    grant = min(grant, free)
                    continue
                need, freed = used - (int(limit) - 1), 0
                for until, tokens in live:
                    freed += int(tokens)
                    if freed >= need:
                        wait = max(wait, float(until) - now)
                        break
            if wait > 0:
                return 0, wait
            await conn.execute(insert(rate_limits), [
                {"key": key, "until": now + hold + float(period) + slack, "tokens": grant}
                for key, _limit, period in rates])
            return grant, 0.0

        result: Any = await self._retrying(run)
        return int(result[0]), float(result[1])
