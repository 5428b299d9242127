"""The store's foundation: transactions that are safe across processes, retries on a locked SQLite file,
and the few helpers the repository parts share. Portable SQL only: dialect constructs where engines differ."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import JSON, Table, Text, bindparam, cast, func, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from shared.errors import InputError
from shared.store import scope as scopes


def mentions(column: Any, needle: str) -> Any:
    """Case-insensitive "the JSON text of column contains needle", with LIKE's wildcards escaped."""
    escaped = needle.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(cast(column, Text)).like(f"%{escaped}%", escape="\\")


def clean_values(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """Check values before they reach the database, the same on both engines: text longer than its column is an
    InputError naming the field (PostgreSQL would fail, SQLite would store it), and NUL characters, which
    PostgreSQL's text cannot hold, are removed from text and from JSON values."""
    out = dict(values)
    for name, value in values.items():
        if name not in table.c:
            continue
        if isinstance(value, str):
            value = out[name] = value.replace("\x00", "")
            length = getattr(table.c[name].type, "length", None)
            if length and len(value) > length:
                raise InputError(f"longer than {length} characters ({len(value)})", name)
        elif isinstance(value, (dict, list)):
            out[name] = strip_nul(value)
    return out


def strip_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {strip_nul(k): strip_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_nul(v) for v in value]
    return value


def is_locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "locked" in str(exc).lower()


# SQLSTATEs worth another try: serialization failure, deadlock, lock not available, connection failures,
# admin shutdown / crash recovery (https://www.postgresql.org/docs/current/errcodes-appendix.html).
TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03", "08000", "08003", "08006", "08001", "08004", "57P01", "57P02",
                       "57P03"}


def is_transient(exc: BaseException) -> bool:
    """A database failure that a retry of the whole transaction can get past, on SQLite as on PostgreSQL:
    a locked SQLite file, a deadlock, a serialization failure, a dropped or refused connection."""
    if is_locked(exc):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if str(getattr(cur, "sqlstate", "") or getattr(cur, "pgcode", "") or "") in TRANSIENT_SQLSTATES:
            return True
        if isinstance(cur, (ConnectionError, TimeoutError)) or type(cur).__name__ in (
                "ConnectionDoesNotExistError", "InterfaceError", "CannotConnectNowError",
                "DeadlockDetectedError", "SerializationError"):
            return True
        cur = getattr(cur, "orig", None) or cur.__cause__
    return False


async def retry_transient(fn: Any, attempts: int = 6) -> Any:
    """Run `fn()` (one whole transaction) again after a transient database failure, with jittered backoff."""
    async for attempt in AsyncRetrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential_jitter(multiplier=0.02, max=1.0, jitter=0.05),
        retry=retry_if_exception(is_transient),
        reraise=True,
    ):
        with attempt:
            return await fn()
    raise AssertionError("unreachable")  # pragma: no cover


class StoreBase:
    """The repository. One instance per process; safe to share between tasks.

    Every row belongs to a scope (shared/store/scope.py). The repository's methods are the only code that reads
    or writes the tables (and the orchestrator's few direct reads use `mine`): each query is limited with
    `mine(table)` and each insert carries `scope()`. The column is NOT NULL without a default, so an insert that
    forgot it fails instead of landing in some other profile."""

    # A sandbox store holds test data whatever key is configured (set by shared.deps for sandbox stores).
    fixed_mode: str | None = None

    def __init__(self, engine: AsyncEngine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.dialect = engine.dialect.name
        self._read_engine = engine.execution_options(readonly=True)
        # SQLite has one writer at a time. Queue this process's writers here rather than letting each pooled
        # connection spin in SQLite's busy handler, whose sleeps (up to 100 ms each) made webhook ingestion slow
        # and its tail long under concurrency (bench B2). Other processes still wait on the busy timeout.
        self._write_lock = asyncio.Lock() if self.dialect == "sqlite" else None
        self._inline: sqlite3.Connection | None = None
        self._batch_conn: sqlite3.Connection | None = None  # SQLite's batched event writes (events.py)
        self._pg_batch: tuple[Any, Any] | None = None  # PostgreSQL's: (AsyncConnection, asyncpg connection)
        self._pg_batch_lock = asyncio.Lock()
        self._compiled: dict[tuple[str, str], Any] = {}

    def scope(self) -> str:
        """Whose rows: the scope in effect (profile and Stripe mode)."""
        return scopes.current(self.fixed_mode)

    def mine(self, table: Table, scope: str | None = None) -> Any:
        """The condition that limits a query on `table` to the scope in effect."""
        return table.c.scope == (scope or self.scope())

    async def close(self) -> None:
        if self._pg_batch is not None:
            await self._pg_batch[0].close()
            self._pg_batch = None
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        if self._batch_conn is not None:
            self._batch_conn.close()
            self._batch_conn = None
        if getattr(self, "_batch_lock", None) is not None:
            self._batch_lock.close()  # type: ignore[attr-defined]
        await self.engine.dispose()

    # --- indexed single-row reads, inline on SQLite ---

    def read_one_inline(self, table: Table, column: str, value: Any) -> dict[str, Any] | None:
        """The row of `table` whose indexed `column` equals `value`, or None. SQLite only.

        Run on a plain sqlite3 connection in the calling thread, with the SQL compiled once per column: an
        indexed point read takes tens of microseconds, while the async driver's thread hand-offs (and
        compiling the statement) cost a millisecond or more (bench B3). WAL readers never wait for
        writers, so this cannot stall the event loop on another process."""
        if self._inline is None:
            path = self.url.split("///", 1)[1]
            self._inline = sqlite3.connect(path, timeout=5, check_same_thread=False, isolation_level=None)
        key = (table.name, column)
        if key not in self._compiled:
            stmt = (select(table).where(table.c.scope == bindparam("scope"), table.c[column] == bindparam("value"))
                    .limit(1))
            self._compiled[key] = stmt.compile(dialect=self.engine.dialect)
        compiled = self._compiled[key]
        given = {"value": value, "scope": self.scope()}
        params = [given[name] if name in given else compiled.params[name] for name in compiled.positiontup or []]
        cursor = self._inline.execute(str(compiled), params)
        try:
            row = cursor.fetchone()
            names = [d[0] for d in cursor.description]
        finally:
            cursor.close()
        if row is None:
            return None
        out = dict(zip(names, row, strict=True))
        for col in table.columns:  # JSON columns come back as text from the plain driver
            if isinstance(col.type, JSON) and isinstance(out.get(col.name), str):
                out[col.name] = json.loads(out[col.name])
        return out

    # --- transactions ---

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction. SQLite takes the write lock up front (BEGIN IMMEDIATE). Not re-entrant: inside
        it, pass its `conn` to the repository's methods."""
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._write_lock, self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self._read_engine.connect() as conn:
            yield conn

    async def _retrying(self, fn: Any, conn: AsyncConnection | None = None) -> Any:
        """Run a write in its own transaction, or in the caller's when `conn` is given.

        A transient failure (locked file, deadlock, serialization failure, dropped connection) runs the whole
        transaction again; the busy timeout absorbs most SQLite contention before that."""
        if conn is not None:
            return await fn(conn)
        async def once() -> Any:
            async with self.write() as conn:
                return await fn(conn)

        return await retry_transient(once)

    def _insert(self, table: Any) -> Any:
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(table)
