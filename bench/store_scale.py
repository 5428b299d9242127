"""B3: the store at scale. A fresh SQLite store (schema by open_store, i.e. the real migrations) is bulk-loaded with
1,000,000 contacts, 5,000,000 events and 50,000 attributed payments through raw sqlite3 (loading is not the figure),
then read through the real code: Store.get_contact by email, by Instantly lead id and by Stripe customer id
(p50/p99 of 2,000 random lookups each), and the funnel and attribution queries of orchestrator_mcp/analytics.py.

Encryption at rest is on (shared/store/crypto.py): the loader writes what the repository writes, the email, names
and company as AES-GCM ciphertext with the email's blind index beside them, event payloads encrypted; a lookup by
email goes through the blind index and every contact read is decrypted."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from typing import Any

from bench.common import Row, spread
from orchestrator_mcp.analytics import attribution, funnel
from shared.store import open_store
from shared.store.crypto import DATA_KEY_ENV, INDEX_KEY_ENV, Keys, new_key

CONTACTS = 1_000_000
EVENTS = 5_000_000
PAYMENTS = 50_000
CAMPAIGNS = 200
CUSTOMER_EVERY = 10  # one contact in 10 has a Stripe customer
LOOKUPS = 2000
LOOKUP_GOAL_MS = 1.0
QUERY_GOAL_MS = 500.0
NOW = 1_767_225_600.0  # 2026-01-01
CHUNK = 100_000
CONTACT_COLUMNS = (
    "id", "email", "email_index", "first_name", "last_name", "company", "instantly_lead_id", "instantly_campaign_ids",
    "email_engagement_score", "interest_status", "last_sent_at", "last_opened_at", "last_clicked_at", "last_replied_at",
    "opens", "clicks", "replies", "stripe_customer_id", "total_revenue", "revenue_currency", "payment_failures",
    "conversion_status", "source_campaign", "attribution_data", "do_not_contact", "link_sent_at", "paid_at",
    "created_at", "updated_at")
EVENT_COLUMNS = ("source", "event_id", "type", "payload", "received_at", "via", "status", "processed_at", "attempts",
                 "next_attempt_at", "rerun_effects")  # (0005's SQLite rebuild left rerun_effects without a default)
PAYMENT_COLUMNS = ("reference", "contact_id", "campaign_id", "amount", "currency", "kind", "at")
LOOKUP_NOTE = (
    "All three lookups use their indexes (plans in Details) and take at most {:.3f} ms at p99 in raw sqlite3 on the "
    "same file; the rest is the async driver stack. Each Store.get_contact is 8 round trips to aiosqlite's "
    "connection thread (BEGIN's cursor, execute, close; the SELECT's cursor, execute, fetchall, close; the rollback "
    "when the connection goes back to the pool), each a cross-thread hand-off. Dropping the explicit BEGIN for "
    "one-statement reads saves 3 of them but measured 1.3-1.6 ms at p99 here. p99 < 1 ms needs indexed single-row "
    "reads off the thread hand-off path (e.g. a plain sqlite3 read connection used inline: ~20 us each), a design "
    "change in shared/store, not made here.")


def email(i: int) -> str:
    return f"person{i}@company{i % 97_003}.example.com"


def lead_id(i: int) -> str:
    return f"0199{i:08x}-7a3e-7000-8000-{i * 7919 % 16**12:012x}"


def customer_id(i: int) -> str:
    return f"cus_{i * 2654435761 % 16**14:014x}"


def campaign(i: int) -> str:
    return f"0199c0de-0000-7000-8000-{i % CAMPAIGNS:012d}"


def _contacts(rng: random.Random, keys: Keys) -> Iterator[tuple]:
    seal = keys.encrypt_text
    for i in range(CONTACTS):
        r = rng.random()  # engagement depth: 90% sent, 40% opened, 10% clicked, 3% replied, 2% link, 0.5% paid
        t = NOW - rng.random() * 90 * 86400
        paid = r < 0.005
        status = "customer" if paid else "payment_link_sent" if r < 0.02 else "prospect"
        yield (f"ct_{rng.getrandbits(80):020x}", seal(email(i)), keys.blind_index(email(i)), seal(f"First{i}"),
               seal(f"Last{i}"), seal(f"Company {i % 97_003}"),
               lead_id(i), f'["{campaign(i)}"]', round(r * 100, 1), 1 if r < 0.02 else None,
               t if r < 0.9 else None, t if r < 0.4 else None, t if r < 0.1 else None, t if r < 0.03 else None,
               int(r < 0.4), int(r < 0.1), int(r < 0.03), customer_id(i) if i % CUSTOMER_EVERY == 0 else None,
               49900 if paid else 0, "usd" if paid else None, 0, status, campaign(i), "{}", 0,
               t if r < 0.02 else None, t if paid else None, t, t)


def _events(rng: random.Random, keys: Keys) -> Iterator[tuple]:
    for row in _plain_events(rng):
        yield (*row[:3], json.dumps({"enc1": keys.encrypt_text(row[3])}), *row[4:], 0)


def _plain_events(rng: random.Random) -> Iterator[tuple]:
    for n in range(EVENTS):
        i = rng.randrange(CONTACTS)
        at = NOW - (EVENTS - n) * 1.5
        if n % 5 == 0:
            yield ("stripe", f"evt_{n:014d}", "checkout.session.completed",
                   (f'{{"id":"evt_{n:014d}","type":"checkout.session.completed","data":{{"object":{{"customer":'
                   f'"{customer_id(i)}","amount_total":49900,"customer_details":{{"email":"{email(i)}"}}}}}}}}'),
                   at, "webhook", "processed", at + 0.2, 1, 0.0)
        else:
            yield ("instantly", f"ins_{n:040x}", "email_opened",
                   (f'{{"event_type":"email_opened","lead_email":"{email(i)}","campaign_id":"{campaign(i)}",'
                   f'"step":1,"timestamp":"2026-01-01T00:00:00.000Z"}}'), at, "webhook", "processed", at + 0.2, 1, 0.0)


def _payments(rng: random.Random) -> Iterator[tuple]:
    for n in range(PAYMENTS):
        i = rng.randrange(CONTACTS)
        refund = n % 25 == 0
        yield (f"{'re' if refund else 'pi'}_{n:024d}", f"ct_{i}", campaign(i), -49900 if refund else 49900, "usd",
               "refund" if refund else "payment", NOW - rng.random() * 90 * 86400)


def _load(path: str, keys: Keys, scope: str) -> dict[str, float]:
    """Bulk-load with raw sqlite3 in large transactions, every row in `scope` (the store's scope in effect, so the
    repository's queries see them); returns seconds per table."""
    rng = random.Random(7)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -1000000")
    took = {}
    for table, rows, cols in (("unified_contacts", _contacts(rng, keys), CONTACT_COLUMNS), ("events", _events(rng, keys),
                              EVENT_COLUMNS), ("attributed_payments", _payments(rng), PAYMENT_COLUMNS)):
        started = time.perf_counter()
        sql = f"INSERT INTO {table} (scope, {', '.join(cols)}) VALUES (?, {', '.join('?' * len(cols))})"
        while chunk := [(scope, *row) for _, row in zip(range(CHUNK), rows)]:
            db.execute("BEGIN")
            db.executemany(sql, chunk)
            db.execute("COMMIT")
        took[table] = time.perf_counter() - started
    db.executemany("INSERT INTO campaign_performance (scope, campaign_id, campaign_name, emails_sent, contacted, "
                   "opened, clicked, replied, bounced, links_sent, paid, revenue, currency, updated_at) "
                   "VALUES (?, ?, ?, 5000, 4500, 2000, 500, 150, 40, 100, 25, 1247500, 'usd', ?)",
                   [(scope, campaign(i), f"Campaign {i}", NOW) for i in range(CAMPAIGNS)])
    db.execute("ANALYZE")
    db.execute("PRAGMA journal_mode = WAL")
    db.close()
    return took


def _plans(path: str, statements: list[str]) -> list[str]:
    with sqlite3.connect(path) as db:
        return [" / ".join(r[3] for r in db.execute(f"EXPLAIN QUERY PLAN {s}")) for s in statements]


def _pcts(values: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49] * 1000, q[98] * 1000


async def _lookups(store: Any, path: str, load: str) -> list[Row]:
    blind = store.keys.blind_index
    """2,000 random lookups per key through Store.get_contact, each followed by the same query in raw sqlite3."""
    rows, raw_p99 = [], []
    rng = random.Random(11)
    raw = sqlite3.connect(path)
    for column, arg, key, step in (("email_index", "email", email, 1), ("instantly_lead_id", "lead_id", lead_id, 1),
                                   ("stripe_customer_id", "customer_id", customer_id, CUSTOMER_EVERY)):
        sql = f"SELECT * FROM unified_contacts WHERE {column} = ? LIMIT 1"
        times, raw_times = [], []
        for n in range(LOOKUPS + 200):  # the first 200 warm up the pool, the statement cache and the page cache
            i = rng.randrange(0, CONTACTS, step)
            t0 = time.perf_counter()
            found = await store.get_contact(**{arg: key(i)})
            t1 = time.perf_counter()
            raw.execute(sql, (blind(key(i)) if column == "email_index" else key(i),)).fetchone()
            t2 = time.perf_counter()
            assert found is not None and found.email == email(i), (column, i)
            if n >= 200:
                times.append(t1 - t0)
                raw_times.append(t2 - t1)
        (p50, p99), (raw50, raw99) = _pcts(times), _pcts(raw_times)
        raw_p99.append(raw99)
        rows.append(Row(
            id="B3", what=f"lookup by {column.replace('_index', '')} ({CONTACTS:,} contacts, {EVENTS:,} events, "
                          "encrypted)",
            figure=f"p50 {p50:.2f} ms, p99 {p99:.2f} ms",
            goal=f"p99 < {LOOKUP_GOAL_MS:g} ms", verdict="met" if p99 < LOOKUP_GOAL_MS else "missed",
            detail=[f"{LOOKUPS} random lookups through Store.get_contact (blind index, decrypted rows)",
                    f"raw sqlite3, same query and file: p50 {raw50:.3f} ms, p99 {raw99:.3f} ms",
                    "plan: " + _plans(path, [sql.replace("?", "'x'")])[0], load]))
    raw.close()
    missed = [r for r in rows if r.verdict == "missed"]
    if missed:
        missed[0].note = LOOKUP_NOTE.format(max(raw_p99))
    return rows


async def _queries(store: Any, path: str, repeats: int) -> list[Row]:
    plans = _plans(path, [
        "SELECT sum(CASE WHEN paid_at IS NOT NULL THEN 1 ELSE 0 END) FROM unified_contacts",
        ("SELECT source_campaign, count(*) FROM unified_contacts WHERE source_campaign IS NOT NULL "
        "GROUP BY source_campaign")])
    rows = []
    for name, query, plan in (("funnel", funnel, plans[0]), ("attribution", attribution, plans[1])):
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            result = await query(store)
            times.append(time.perf_counter() - t0)
        median = statistics.median(times) * 1000
        shape = f"counts {result.counts}" if name == "funnel" else f"{len(result)} campaigns"
        rows.append(Row(id="B3", what=f"{name} query over everything ({CONTACTS:,} contacts, {PAYMENTS:,} payments, "
                                       "encrypted)",
                        figure=f"{median:.0f} ms", goal=f"< {QUERY_GOAL_MS:g} ms",
                        verdict="met" if median < QUERY_GOAL_MS else "missed",
                        detail=[spread(times), shape, f"plan (contacts): {plan}"]))
    return rows


async def run(repeats: int = 5) -> list[Row]:
    for name in (DATA_KEY_ENV, INDEX_KEY_ENV):  # encryption on: keys for this run only
        os.environ.setdefault(name, new_key())
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/store.sqlite"
        first = await open_store(path)  # the schema, by the real migrations, and the store's keys
        keys, scope = first.keys, first.scope()
        await first.close()
        assert keys.data is not None
        started = time.perf_counter()
        took = _load(path, keys, scope)
        load = (f"loaded in {time.perf_counter() - started:.0f} s ("
                + ", ".join(f"{k} {v:.0f} s" for k, v in took.items()) + ")")
        store = await open_store(path)
        try:
            return await _lookups(store, path, load) + await _queries(store, path, repeats)
        finally:
            await store.close()
