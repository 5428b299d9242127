"""The sandbox's state in one SQLite file: objects (as JSON), idempotency results, webhook deliveries, settings.

Used from the server's event loop only; a request's writes run inside one transaction.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    livemode INTEGER NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (type, id)
);
CREATE INDEX IF NOT EXISTS objects_by_type ON objects (type, livemode, seq);
CREATE INDEX IF NOT EXISTS objects_by_email ON objects (type, json_extract(data, '$.email'));
CREATE TABLE IF NOT EXISTS idempotency (
    api_key TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    request_id TEXT,
    created REAL NOT NULL,
    PRIMARY KEY (api_key, key)
);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL,
    last_status INTEGER,
    last_error TEXT,
    delivered_at REAL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_at);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

DELETED = "deleted."  # type prefix of tombstones (a deleted customer can still be retrieved)


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self._depth = 0

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self.db.execute("ROLLBACK")
            raise
        self._depth = 0
        self.db.execute("COMMIT")

    # --- objects ---

    def insert(self, type_: str, obj: dict[str, Any]) -> None:
        self.db.execute("DELETE FROM objects WHERE type = ? AND id = ?", (DELETED + type_, obj["id"]))
        self.db.execute(
            "INSERT INTO objects (type, id, livemode, data) VALUES (?, ?, ?, ?)",
            (type_, obj["id"], int(bool(obj.get("livemode", obj.get("_livemode")))), json.dumps(obj)),
        )

    def save(self, type_: str, obj: dict[str, Any]) -> None:
        cur = self.db.execute("UPDATE objects SET data = ? WHERE type = ? AND id = ?",
                              (json.dumps(obj), type_, obj["id"]))
        if cur.rowcount == 0:
            self.insert(type_, obj)

    def get(self, type_: str, object_id: str, livemode: bool | None = None) -> dict[str, Any] | None:
        sql, args = "SELECT data FROM objects WHERE type = ? AND id = ?", [type_, object_id]
        if livemode is not None:
            sql += " AND livemode = ?"
            args.append(int(livemode))
        row = self.db.execute(sql, args).fetchone()
        return json.loads(row[0]) if row else None

    def delete(self, type_: str, object_id: str, tombstone: dict[str, Any] | None = None) -> None:
        self.db.execute("DELETE FROM objects WHERE type = ? AND id = ?", (type_, object_id))
        if tombstone is not None:
            self.insert(DELETED + type_, tombstone)

    def all(self, type_: str, livemode: bool | None = None, *, email: str | None = None
            ) -> list[tuple[int, dict[str, Any]]]:
        """(seq, object) pairs, newest first; with `email`, only objects whose email equals it exactly, narrowed
        in SQL on an index (not by decoding every object: a look-up by email stays flat as objects grow)."""
        sql, args = "SELECT seq, data FROM objects WHERE type = ?", [type_]
        if email is not None:
            sql += " AND json_extract(data, '$.email') = ?"
            args.append(email)
        if livemode is not None:
            sql += " AND livemode = ?"
            args.append(int(livemode))
        rows = self.db.execute(sql + " ORDER BY seq DESC", args).fetchall()
        return [(seq, json.loads(data)) for seq, data in rows]

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT type, count(*) FROM objects GROUP BY type ORDER BY type").fetchall()
        return {t: n for t, n in rows if not t.startswith(DELETED)}

    # --- settings ---

    def state(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_state(self, key: str, value: Any) -> None:
        self.db.execute("INSERT INTO state (key, value) VALUES (?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, json.dumps(value)))

    # --- idempotency ---

    def idem_get(self, api_key: str, key: str, max_age: float = 86400.0) -> tuple[str, int, str, str | None] | None:
        row = self.db.execute(
            "SELECT fingerprint, status, body, request_id, created FROM idempotency WHERE api_key = ? AND key = ?",
            (api_key, key),
        ).fetchone()
        if row is None or time.time() - row[4] > max_age:
            return None
        return row[0], row[1], row[2], row[3]

    def idem_put(self, api_key: str, key: str, fingerprint: str, status: int, body: str, request_id: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO idempotency (api_key, key, fingerprint, status, body, request_id, created) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (api_key, key, fingerprint, status, body, request_id, time.time()),
        )

    # --- webhook deliveries ---

    def add_delivery(self, event_id: str, endpoint_id: str, next_at: float) -> None:
        self.db.execute("INSERT INTO deliveries (event_id, endpoint_id, status, next_at) VALUES (?, ?, 'pending', ?)",
                        (event_id, endpoint_id, next_at))

    def due_deliveries(self, now: float, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT id, event_id, endpoint_id, attempts FROM deliveries WHERE status = 'pending' AND next_at <= ? "
            "ORDER BY id LIMIT ?", (now, limit),
        ).fetchall()
        return [{"id": r[0], "event_id": r[1], "endpoint_id": r[2], "attempts": r[3]} for r in rows]

    def next_delivery_at(self) -> float | None:
        row = self.db.execute("SELECT min(next_at) FROM deliveries WHERE status = 'pending'").fetchone()
        return row[0] if row and row[0] is not None else None

    def update_delivery(self, delivery_id: int, **fields: Any) -> None:
        cols = ", ".join(f"{k} = ?" for k in fields)
        self.db.execute(f"UPDATE deliveries SET {cols} WHERE id = ?", (*fields.values(), delivery_id))  # noqa: S608

    def cancel_deliveries(self, endpoint_id: str) -> None:
        self.db.execute("UPDATE deliveries SET status = 'canceled' WHERE endpoint_id = ? AND status = 'pending'",
                        (endpoint_id,))

    def deliveries(self, where: dict[str, Any] | None = None, limit: int = 500) -> list[dict[str, Any]]:
        where = {k: v for k, v in (where or {}).items() if v is not None}
        sql = ("SELECT id, event_id, endpoint_id, status, attempts, next_at, last_status, last_error, delivered_at "
               "FROM deliveries")
        if where:
            sql += " WHERE " + " AND ".join(f"{k} = ?" for k in where)
        rows = self.db.execute(sql + " ORDER BY id DESC LIMIT ?", (*where.values(), limit)).fetchall()
        names = ("id", "event_id", "endpoint_id", "status", "attempts", "next_at", "last_status", "last_error",
                 "delivered_at")
        return [dict(zip(names, r, strict=True)) for r in rows]

    def delivery_counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall()
        return dict(rows)

    # --- everything ---

    def reset(self) -> None:
        with self.transaction():
            for table in ("objects", "idempotency", "deliveries", "state"):
                self.db.execute(f"DELETE FROM {table}")  # noqa: S608
