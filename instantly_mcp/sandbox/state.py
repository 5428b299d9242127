"""The sandbox's SQLite storage: JSON documents per kind, leads with indexed columns, engagement events,
webhook deliveries and a small key/value table. Every write commits before the response is sent, so the
state survives a restart and a client that lost the response can find its write."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    kind TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS leads (
    id TEXT PRIMARY KEY, email TEXT, campaign TEXT, list_id TEXT, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS leads_email ON leads (email);
CREATE INDEX IF NOT EXISTS leads_campaign ON leads (campaign, id);
CREATE INDEX IF NOT EXISTS leads_list ON leads (list_id, id);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT NOT NULL, day TEXT NOT NULL, campaign_id TEXT,
    lead_id TEXT, type TEXT NOT NULL, step INTEGER, variant INTEGER, value REAL, auto INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS events_campaign ON events (campaign_id, day);
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL, state TEXT NOT NULL, next_at REAL NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries (state, next_at);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, separators=(",", ":"))


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self._depth = 0

    # --- lifecycle ---

    def open(self) -> Store:
        with self._lock:
            if self._conn is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.executescript(SCHEMA)
                self._conn = conn
        return self

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    @property
    def conn(self) -> sqlite3.Connection:
        return self.open()._conn  # type: ignore[return-value]

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction (nested calls join the outer one); committed on exit."""
        with self._lock:
            conn = self.conn
            outer = self._depth == 0
            if outer:
                conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield conn
            except BaseException:
                self._depth -= 1
                if outer:
                    conn.execute("ROLLBACK")
                raise
            else:
                self._depth -= 1
                if outer:
                    conn.execute("COMMIT")

    def wipe(self) -> None:
        with self.tx() as c:
            for table in ("docs", "leads", "events", "deliveries", "meta"):
                c.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names

    # --- generic documents ---

    def get(self, kind: str, id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT data FROM docs WHERE kind=? AND id=?", (kind, id)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, kind: str, doc: dict[str, Any], key: str = "id") -> dict[str, Any]:
        with self.tx() as c:
            c.execute("INSERT OR REPLACE INTO docs (kind, id, data) VALUES (?, ?, ?)", (kind, doc[key], _dump(doc)))
        return doc

    def delete(self, kind: str, id: str) -> None:
        with self.tx() as c:
            c.execute("DELETE FROM docs WHERE kind=? AND id=?", (kind, id))

    def all(self, kind: str) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT data FROM docs WHERE kind=? ORDER BY id", (kind,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def count(self, kind: str) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM docs WHERE kind=?", (kind,)).fetchone()[0])

    # --- leads ---

    def lead(self, id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT data FROM leads WHERE id=?", (id,)).fetchone()
        return json.loads(row[0]) if row else None

    def put_lead(self, lead: dict[str, Any]) -> dict[str, Any]:
        email = (lead.get("email") or "").lower() or None
        with self.tx() as c:
            c.execute(
                "INSERT OR REPLACE INTO leads (id, email, campaign, list_id, data) VALUES (?, ?, ?, ?, ?)",
                (lead["id"], email, lead.get("campaign"), lead.get("list_id"), _dump(lead)),
            )
        return lead

    def delete_lead(self, id: str) -> None:
        with self.tx() as c:
            c.execute("DELETE FROM leads WHERE id=?", (id,))

    def leads_by_email(self, emails: Iterable[str]) -> list[dict[str, Any]]:
        wanted = sorted({e.lower() for e in emails if e})
        out: list[dict[str, Any]] = []
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(f"SELECT data FROM leads WHERE email IN ({marks}) ORDER BY id", chunk).fetchall()  # noqa: S608
            out.extend(json.loads(r[0]) for r in rows)
        return out

    def iter_leads(
        self, *, campaign: str | None = None, list_id: str | None = None, after: str | None = None,
        ids: Iterable[str] | None = None, batch: int = 500,
    ) -> Iterator[dict[str, Any]]:
        """Leads in id order, optionally scoped; fetched in batches so callers can stop early."""
        where, args = ["1=1"], []
        if campaign is not None:
            where.append("campaign=?")
            args.append(campaign)
        if list_id is not None:
            where.append("list_id=?")
            args.append(list_id)
        if ids is not None:
            id_list = list(ids)
            if not id_list:
                return
            where.append(f"id IN ({','.join('?' * len(id_list))})")
            args.extend(id_list)
        cursor = after or ""
        while True:
            rows = self.conn.execute(
                f"SELECT id, data FROM leads WHERE {' AND '.join(where)} AND id > ? ORDER BY id LIMIT ?",  # noqa: S608
                (*args, cursor, batch),
            ).fetchall()
            for _id, data in rows:
                yield json.loads(data)
            if len(rows) < batch:
                return
            cursor = rows[-1][0]

    def lead_counts(self) -> dict[str, Any]:
        c = self.conn
        total = c.execute("SELECT COUNT(*) FROM leads").fetchone()[0]
        by_campaign = dict(c.execute("SELECT campaign, COUNT(*) FROM leads WHERE campaign IS NOT NULL GROUP BY campaign"))
        by_list = dict(c.execute("SELECT list_id, COUNT(*) FROM leads WHERE list_id IS NOT NULL GROUP BY list_id"))
        dupes = c.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM leads WHERE email IS NOT NULL "
            "GROUP BY email, COALESCE(campaign, ''), COALESCE(list_id, '') HAVING COUNT(*) > 1)"
        ).fetchone()[0]
        return {"total": total, "by_campaign": by_campaign, "by_list": by_list, "duplicate_groups": dupes}

    def count_leads(self, *, campaign: str | None = None) -> int:
        if campaign is None:
            return int(self.conn.execute("SELECT COUNT(*) FROM leads").fetchone()[0])
        return int(self.conn.execute("SELECT COUNT(*) FROM leads WHERE campaign=?", (campaign,)).fetchone()[0])

    # --- engagement events (the source of every analytics number) ---

    def add_event(self, *, ts: str, campaign_id: str | None, lead_id: str | None, type: str, step: int | None = None,
                  variant: int | None = None, value: float | None = None, auto: bool = False) -> None:
        with self.tx() as c:
            c.execute(
                "INSERT INTO events (ts, day, campaign_id, lead_id, type, step, variant, value, auto) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ts, ts[:10], campaign_id, lead_id, type, step, variant, value, int(auto)),
            )

    def events(self, campaign_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        cur = self.conn.cursor()
        cur.row_factory = sqlite3.Row
        if campaign_ids is None:
            rows = cur.execute("SELECT * FROM events ORDER BY seq").fetchall()
        else:
            ids = list(campaign_ids)
            if not ids:
                return []
            marks = ",".join("?" * len(ids))
            rows = cur.execute(f"SELECT * FROM events WHERE campaign_id IN ({marks}) ORDER BY seq", ids).fetchall()  # noqa: S608
        return [dict(r) for r in rows]

    def event_counts(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT type, COUNT(*) FROM events GROUP BY type").fetchall())

    # --- webhook deliveries ---

    def put_delivery(self, d: dict[str, Any]) -> None:
        with self.tx() as c:
            c.execute(
                "INSERT OR REPLACE INTO deliveries (id, webhook_id, state, next_at, data) VALUES (?, ?, ?, ?, ?)",
                (d["id"], d["_webhook_id"], d["_state"], d["_next_at"], _dump(d)),
            )

    def has_delivery(self, id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM deliveries WHERE id=?", (id,)).fetchone() is not None

    def due_deliveries(self, now: float, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT data FROM deliveries WHERE state='pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?",
            (now, limit),
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def next_delivery_at(self) -> float | None:
        row = self.conn.execute("SELECT MIN(next_at) FROM deliveries WHERE state='pending'").fetchone()
        return row[0] if row and row[0] is not None else None

    def deliveries(self) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT data FROM deliveries ORDER BY id").fetchall()
        return [json.loads(r[0]) for r in rows]

    def delivery_counts(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT state, COUNT(*) FROM deliveries GROUP BY state").fetchall())

    # --- meta ---

    def meta(self, key: str, default: Any = None) -> Any:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_meta(self, key: str, value: Any) -> None:
        with self.tx() as c:
            c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))
