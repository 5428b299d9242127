"""Group commit in the receiver: events that arrive together share one transaction, each is acknowledged only
once that transaction has committed, a failed batch stores none of its events and every one of them gets a 5xx,
and a duplicate inside one batch is stored once. Real stores on both engines; the failure is the database's own
(a trigger that aborts the INSERT when it sees one poisoned event id)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import stripe
from sqlalchemy import text

from orchestrator_mcp.events.batcher import GroupCommit
from orchestrator_mcp.events.receiver import create_receiver
from shared.asgi import BackgroundServer, free_port
from shared.store import Store, open_store
from shared.store.events import event_values
from tests.conftest import subprocess_env

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)
WHSEC = "whsec_group_commit_secret"
POISON = "evt_poison"
BIN = Path(sys.executable).parent


async def poison_inserts(store: Store) -> None:
    """Make the database itself refuse any INSERT carrying the poisoned event id (and so the whole statement)."""
    async with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            await conn.execute(text(f"CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.event_id = '{POISON}' "
                                    "BEGIN SELECT RAISE(ABORT, 'poisoned event'); END"))
        else:
            await conn.execute(text("CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN "
                                    f"IF NEW.event_id = '{POISON}' THEN RAISE EXCEPTION 'poisoned event'; END IF; "
                                    "RETURN NEW; END $$ LANGUAGE plpgsql"))
            await conn.execute(text("CREATE TRIGGER poison BEFORE INSERT ON events FOR EACH ROW "
                                    "EXECUTE FUNCTION poison()"))


def row(event_id: str) -> dict[str, object]:
    return event_values("stripe", event_id, "invoice.paid", {"id": event_id, "type": "invoice.paid"})


async def stored_ids(store: Store) -> set[str]:
    return {r.event_id for r in await store.list_events(limit=10_000)}


async def test_events_arriving_together_share_one_transaction_and_duplicates_are_stored_once() -> None:
    store = await open_store()
    batcher = GroupCommit(lambda: asyncio.sleep(0, store))
    ids = [f"evt_{i}" for i in range(50)] + ["evt_3", "evt_7"]  # two duplicates inside the batch
    results = await asyncio.gather(*(batcher.submit(row(i)) for i in ids))
    assert batcher.batches == 1  # all 52 were queued before the writer ran: one transaction
    assert results == [True] * 50 + [False, False]
    assert await stored_ids(store) == {f"evt_{i}" for i in range(50)}
    assert await batcher.submit(row("evt_0")) is False  # already stored by an earlier batch
    await batcher.close()
    await store.close()


async def test_a_failed_batch_stores_none_of_its_events_and_fails_every_delivery() -> None:
    store = await open_store()
    await poison_inserts(store)
    batcher = GroupCommit(lambda: asyncio.sleep(0, store))
    ids = [f"evt_ok_{i}" for i in range(20)] + [POISON]
    results = await asyncio.gather(*(batcher.submit(row(i)) for i in ids), return_exceptions=True)
    assert all(isinstance(r, Exception) for r in results)  # nobody in the batch is acknowledged
    assert await stored_ids(store) == set()  # and nothing of it was stored
    assert await batcher.submit(row("evt_ok_0")) is True  # the next batch, without the poison, is stored
    await batcher.close()
    await store.close()


@pytest.fixture
def receiver_url() -> Iterator[str]:
    app = create_receiver(open_store, stripe_secret=WHSEC, instantly_secret="unused-secret-0123")
    with BackgroundServer(app) as srv:
        yield srv.url


def signed(event_id: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"id": event_id, "object": "event", "type": "invoice.paid", "created": int(time.time()),
                       "data": {"object": {"id": "in_1", "object": "invoice"}}}).encode()
    return body, {"Stripe-Signature": stripe.WebhookSignature.generate_signature_header(body.decode(), WHSEC)}


async def test_over_http_a_2xx_means_stored_and_a_failed_batch_answers_5xx(receiver_url: str) -> None:
    store = await open_store()
    await poison_inserts(store)
    ids = [f"evt_http_{i}" for i in range(200)] + [POISON] + [f"evt_http_{i}" for i in range(0, 200, 10)]
    async with httpx.AsyncClient(base_url=receiver_url, timeout=30) as http:
        answers = await asyncio.gather(*(http.post("/webhooks/stripe", content=b, headers=h)
                                         for b, h in (signed(i) for i in ids)))
    status = dict.fromkeys(ids, 0)
    for event_id, res in zip(ids, answers, strict=True):
        assert res.status_code in (200, 503), res.text
        status[event_id] = max(status[event_id], res.status_code)
    stored = await stored_ids(store)
    acked = {i for i, a in zip(ids, answers, strict=True) if a.status_code == 200}
    assert answers[ids.index(POISON)].status_code == 503
    assert POISON not in stored
    assert acked <= stored  # everything acknowledged is stored
    # an event that was only ever answered 5xx is not stored: its batch rolled back as a whole
    only_failed = {i for i in ids if i not in acked}
    assert not (only_failed & stored)
    new = [a.json()["id"] for a in answers if a.status_code == 200 and not a.json()["duplicate"]]
    assert sorted(new) == sorted(stored)  # each stored event was acknowledged as new exactly once
    await store.close()


async def test_two_worker_processes_serve_one_port_and_store_each_event_once(tmp_path: Path) -> None:
    """`webhooks serve --workers 2`: two processes accept on one port and share the store; every event delivered
    twice (at once) is stored once, acknowledged as new once, and processed once."""
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen([str(BIN / "orchestrator-mcp"), "webhooks", "serve", "--port", str(port),
                                 "--workers", "2", "--interval", "0.2"],
                                env=subprocess_env(STRIPE_WEBHOOK_SECRET=WHSEC), stdout=subprocess.DEVNULL, stderr=err)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        pids: set[int] = set()
        while len(pids) < 2:  # new connections until both workers have answered (each accepts its own)
            try:
                pids.add(httpx.get(f"{url}/healthz", timeout=2).json()["pid"])
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, log.read_text()[-2000:]
            time.sleep(0.05)
        ids = [f"evt_w_{i}" for i in range(150)] * 2
        limits = httpx.Limits(max_connections=16)
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
            answers = await asyncio.gather(*(http.post("/webhooks/stripe", content=b, headers=h)
                                             for b, h in (signed(i) for i in ids)))
        assert [a.status_code for a in answers] == [200] * len(ids)
        new = sorted(a.json()["id"] for a in answers if not a.json()["duplicate"])
        assert new == sorted(set(ids))  # acknowledged as new exactly once each
        store = await open_store()
        deadline = time.monotonic() + 60
        while (counts := await store.event_counts()).get("pending", 0):
            assert time.monotonic() < deadline, counts
            await asyncio.sleep(0.2)
        rows = await store.list_events(limit=1000)
        assert sorted(r.event_id for r in rows) == sorted(set(ids))
        assert all(r.status == "processed" and r.attempts == 1 for r in rows)
        await store.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
