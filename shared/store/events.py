"""The inbound-event queue: store once per (scope, source, event id), lease, mark processed or failed, dead letters.

Each event row carries the scope (profile and mode) it arrived for; the processor runs it under that scope."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from contextlib import nullcontext
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: SQLite's own busy handler orders the writers
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.redaction import redact_secrets
from shared.store import scope as scopes
from shared.store.base import StoreBase, clean_values, retry_transient
from shared.store.crypto import open_row
from shared.store.models import EventRow, normalize_email
from shared.store.schema import events


def event_values(source: str, event_id: str, type_: str, payload: dict[str, Any], *, via: str = "webhook",
                 scope: str | None = None) -> dict[str, Any]:
    """The row for an inbound event, checked before it reaches the database (InputError when a field is too
    long). Configured secrets never reach the store. `scope` defaults to the scope in effect where this is called
    (the request's), never where the batch is later written."""
    return clean_values(events, {
        "scope": scope or scopes.current(), "source": source, "event_id": event_id, "type": type_, "payload": redact_secrets(payload),
        "received_at": time.time(), "via": via, "status": "pending", "attempts": 0, "next_attempt_at": 0.0,
        "rerun_effects": False})


_PG_COLUMNS = {"scope": "text", "source": "text", "event_id": "text", "type": "text", "payload": "json", "received_at": "float8",
               "via": "text", "status": "text", "attempts": "int4", "next_attempt_at": "float8",
               "rerun_effects": "bool"}
_PG_INSERT = (f"INSERT INTO events ({', '.join(_PG_COLUMNS)}) SELECT * FROM unnest("
              + ", ".join(f"${i}::{t}[]" for i, t in enumerate(_PG_COLUMNS.values(), 1))
              + ") ON CONFLICT (scope, source, event_id) DO NOTHING RETURNING scope, source, event_id")


class EventQueue(StoreBase):

    async def record_event(
        self, source: str, event_id: str, type_: str, payload: dict[str, Any], *, via: str = "webhook"
    ) -> bool:
        """Store an inbound event once. True when it is new; a duplicate changes nothing."""
        values = event_values(source, event_id, type_, payload, via=via, scope=self.scope())
        values["payload"] = self.keys.encrypt_json(values["payload"])  # type: ignore[attr-defined]
        stmt = (
            self._insert(events)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["scope", "source", "event_id"])
        )

        async def run(conn: AsyncConnection) -> bool:
            return bool((await conn.execute(stmt)).rowcount)

        return await self._retrying(run)

    async def record_events(self, rows: list[dict[str, Any]]) -> list[bool]:
        """Store a batch of events (each from `event_values`) in ONE transaction: durable together or not at
        all. Per row, True when it is new; a duplicate (already stored, or earlier in the same batch) is False.
        One INSERT ... ON CONFLICT DO NOTHING RETURNING for the batch (SQLAlchemy's insertmanyvalues)."""
        if not rows:
            return []
        keys = [(r["scope"], r["source"], r["event_id"]) for r in rows]
        first: dict[tuple[str, str, str], int] = {}
        for i, key in enumerate(keys):
            first.setdefault(key, i)
        seal = self.keys.encrypt_json  # type: ignore[attr-defined]
        unique = [{**rows[i], "payload": seal(rows[i]["payload"])} for i in sorted(first.values())]
        if self.dialect == "sqlite":
            async with self._write_lock or nullcontext():
                created_rows = await asyncio.to_thread(self._record_sqlite, unique)
            created = {(r["scope"], r["source"], r["event_id"]) for r, new in zip(unique, created_rows, strict=True) if new}
            return [key in created and first[key] == i for i, key in enumerate(keys)]
        created = await retry_transient(lambda: self._record_postgres(unique))
        return [key in created and first[key] == i for i, key in enumerate(keys)]

    def _record_sqlite(self, rows: list[dict[str, Any]]) -> list[bool]:
        """The batch on a plain sqlite3 connection, in one worker thread: BEGIN IMMEDIATE, one INSERT per row,
        COMMIT. One thread hand-off per batch instead of several per statement through the async driver, and
        no statement building per batch (bench B2: the async path spent ~3 ms of loop time per batch)."""
        if self._batch_conn is None:
            path = self.url.split("///", 1)[1]
            conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA busy_timeout = 30000")  # as the engine's connections (shared/store/engine.py)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._batch_conn = conn
            if fcntl is not None:
                self._batch_lock = open(f"{path}.ingest-lock", "a+b")  # noqa: SIM115 - kept open with the store
        conn = self._batch_conn
        cols = list(rows[0])
        sql = (f"INSERT INTO events ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
               "ON CONFLICT (scope, source, event_id) DO NOTHING")
        out: list[bool] = []
        # Receiver processes sharing the file take turns on an OS file lock first: a waiter wakes the moment the
        # holder releases it, where SQLite's busy handler sleeps 1-100 ms between tries (bench B2 with two
        # workers: 624 events/s and a long tail without this lock). Other writers still queue on SQLite's lock.
        lock = getattr(self, "_batch_lock", None)
        if lock is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                cur = conn.cursor()
                for row in rows:
                    cur.execute(sql, [json.dumps(row[c]) if c == "payload" else row[c] for c in cols])
                    out.append(cur.rowcount == 1)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        finally:
            if lock is not None:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return out

    async def _record_postgres(self, rows: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
        """The batch as ONE statement (atomic, and committed when it returns): INSERT ... SELECT FROM unnest(one
        array per column) ON CONFLICT DO NOTHING RETURNING, prepared once per connection by asyncpg. Built through
        SQLAlchemy (insertmanyvalues), a batch took several times the CPU in the receiver (bench B2)."""
        arrays = [[json.dumps(r[c]) if c == "payload" else r[c] for r in rows] for c in _PG_COLUMNS]
        # One connection kept for the batches: no pool check-out ping and no rollback on return, one round trip
        # per batch. A failure drops it; the retry (or the next batch) connects again.
        async with self._pg_batch_lock:
            if self._pg_batch is None:
                conn = await self.engine.connect()
                self._pg_batch = (conn, (await conn.get_raw_connection()).driver_connection)
            conn, driver = self._pg_batch
            try:
                found = await driver.fetch(_PG_INSERT, *arrays)
            except BaseException:
                self._pg_batch = None
                await asyncio.shield(conn.invalidate())
                raise
        return {(r[0], r[1], r[2]) for r in found}

    async def claim_events(self, limit: int = 10, lease_seconds: float = 60.0, *, owner: str = "",
                           all_scopes: bool = False) -> list[EventRow]:
        """Lease up to `limit` due events to `owner`. A crashed worker's lease expires and the event is claimed
        again; only the lease's owner can then mark it (see mark_processed). Only the scope in effect's events,
        unless `all_scopes` (the receiver's processor, which then runs each event under its own scope)."""
        now = time.time()
        e = events.c
        due = and_(e.status == "pending", e.next_attempt_at <= now, or_(e.lease_until.is_(None), e.lease_until < now))
        if not all_scopes:
            due = and_(self.mine(events), due)

        async def run(conn: AsyncConnection) -> list[EventRow]:
            rows = (
                await conn.execute(
                    select(events).where(due).order_by(e.id).limit(limit).with_for_update(skip_locked=True)
                )
            ).all()
            ids = [r.id for r in rows]
            if ids:
                await conn.execute(update(events).where(e.id.in_(ids))
                                   .values(lease_until=now + lease_seconds, lease_owner=owner))
            return [self._event(r._asdict()) for r in rows]

        return await self._retrying(run)

    async def renew_lease(self, event_pks: list[int], owner: str, lease_seconds: float = 60.0) -> int:
        """Extend the lease on the events `owner` still holds (for long work); returns how many it still holds."""
        e = events.c

        async def run(conn: AsyncConnection) -> int:
            res = await conn.execute(update(events).where(e.id.in_(event_pks), e.lease_owner == owner,
                                                          e.status == "pending")
                                     .values(lease_until=time.time() + lease_seconds))
            return int(res.rowcount)

        return await self._retrying(run) if event_pks else 0

    async def mark_processed(self, event_pk: int, conn: AsyncConnection | None = None, *,
                             owner: str | None = None) -> bool:
        """Mark the event processed and its counted effects applied. With `owner`, only while that owner still
        holds the lease: False when it does not (another processor has it now), and the caller must roll back."""
        e = events.c
        conds = [self.mine(events), e.id == event_pk]
        if owner is not None:
            conds += [e.lease_owner == owner, e.status == "pending"]
        now = time.time()
        stmt = (
            update(events).where(*conds)
            .values(status="processed", processed_at=now, lease_until=None, last_error=None,
                    attempts=e.attempts + 1, applied_at=func.coalesce(e.applied_at, now), rerun_effects=False)
        )

        async def run(c: AsyncConnection) -> bool:
            return bool((await c.execute(stmt)).rowcount)

        return await self._retrying(run, conn)

    async def mark_failed(
        self, event_pk: int, error: str, *, max_attempts: int = 5, base_delay: float = 2.0,
        conn: AsyncConnection | None = None, owner: str | None = None,
    ) -> str:
        """Record a failure; back off, or dead-letter after max_attempts. Returns the new status, or "lost" when
        `owner` no longer holds the lease (the event is someone else's now)."""
        e = events.c
        conds = [self.mine(events), e.id == event_pk]
        if owner is not None:
            conds += [e.lease_owner == owner, e.status == "pending"]

        async def run(conn: AsyncConnection) -> str:
            row = (await conn.execute(select(e.attempts).where(*conds).with_for_update())).first()
            if row is None:
                return "lost"
            attempts = row.attempts + 1
            status = "dead" if attempts >= max_attempts else "pending"
            await conn.execute(
                update(events)
                .where(*conds)
                .values(attempts=attempts, status=status, last_error=error[:2000], lease_until=None,
                        next_attempt_at=time.time() + base_delay * (2 ** (attempts - 1)))
            )
            return status

        return await self._retrying(run, conn)

    async def replay_event(self, event_pk: int, *, rerun_effects: bool = False) -> bool:
        """Put a dead or processed event back in the queue. Its counted effects (counters, money) are applied at
        most once ever; with rerun_effects the rules run its outside actions again."""
        mine = self.mine(events)

        async def run(conn: AsyncConnection) -> bool:
            res = await conn.execute(
                update(events).where(mine, events.c.id == event_pk)
                .values(status="pending", attempts=0, next_attempt_at=0.0, lease_until=None,
                        rerun_effects=rerun_effects)
            )
            return bool(res.rowcount)

        return await self._retrying(run)

    async def get_event(self, event_pk: int) -> EventRow | None:
        async with self.read() as conn:
            row = (await conn.execute(select(events).where(self.mine(events), events.c.id == event_pk))).first()
        return self._event(row._asdict()) if row else None

    def _event(self, row: dict[str, Any]) -> EventRow:
        return EventRow.model_validate(open_row(self.keys, row, "payload"))  # type: ignore[attr-defined]

    async def list_events(
        self, *, status: str | None = None, type_: str | None = None, source: str | None = None, limit: int = 50
    ) -> list[EventRow]:
        e = events.c
        conds = [self.mine(events)]
        conds += [cond for cond in (
            e.status == status if status else None,
            e.type == type_ if type_ else None,
            e.source == source if source else None,
        ) if cond is not None]
        async with self.read() as conn:
            rows = (await conn.execute(select(events).where(*conds).order_by(e.id.desc()).limit(limit))).all()
        return [self._event(r._asdict()) for r in rows]

    async def events_for_contact(self, email: str, customer_id: str | None, *, limit: int = 200) -> list[EventRow]:
        """Events whose payload mentions this email or customer id, oldest first."""
        needles = [f'"{normalize_email(email)}"', *([f'"{customer_id}"'] if customer_id else [])]
        async with self.read() as conn:
            ids: set[int] = set()
            for needle in needles:  # this profile's events only (ids_mentioning is scoped)
                ids.update(await self.ids_mentioning(conn, events, "payload", needle))  # type: ignore[attr-defined]
            found = sorted(ids)
            rows = []
            for i in range(0, len(found), 500):
                rows += (await conn.execute(select(events).where(self.mine(events),
                                                                 events.c.id.in_(found[i:i + 500])))).all()
        rows.sort(key=lambda r: (r.received_at, r.id))
        return [self._event(r._asdict()) for r in rows[:limit]]

    async def event_stats(self) -> list[dict[str, Any]]:
        """Per source and channel (webhook/poll): count, last received, retrying and dead events."""
        e = events.c
        stmt = select(
            e.source, e.via, func.count().label("count"), func.max(e.received_at).label("last_received_at"),
            func.sum(case((and_(e.status == "pending", e.attempts > 0), 1), else_=0)).label("retrying"),
            func.sum(case((e.status == "dead", 1), else_=0)).label("dead"),
        ).where(self.mine(events)).group_by(e.source, e.via)
        async with self.read() as conn:
            return [r._asdict() for r in (await conn.execute(stmt)).all()]

    async def event_counts(self, *, all_scopes: bool = False) -> dict[str, int]:
        """Events per status: the scope in effect's, or every profile's (the receiver's /healthz)."""
        stmt = select(events.c.status, func.count()).group_by(events.c.status)
        if not all_scopes:
            stmt = stmt.where(self.mine(events))
        async with self.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return {r[0]: r[1] for r in rows}
