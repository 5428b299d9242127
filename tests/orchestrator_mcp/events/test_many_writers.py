"""Two receivers and two processors on one store: the same 300 distinct events delivered to both receivers at
once, several rounds. Every counter and sum is exact and every event is processed once (attempts = 1).

All 300 events are about one person (100 payments, 100 opens, 100 replies), so every rule writes the same
contact row at the same time: a read-modify-write anywhere would lose updates (issue 16: 9,100 of 10,000)."""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import ExitStack
from typing import Any

import httpx
import stripe

from orchestrator_mcp.config import PipelineConfig
from orchestrator_mcp.events.processor import Processor
from orchestrator_mcp.events.receiver import INSTANTLY_SECRET_HEADER, create_receiver
from orchestrator_mcp.events.rules import Rules
from shared.asgi import BackgroundServer
from shared.store import Store, open_store

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)
WHSEC = "whsec_many_writers_secret"
HOOK_SECRET = "many-writers-hook-secret"
BUYER = "big@buyer.io"
N = 100
ROUNDS = 3


def deliveries() -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    now = int(time.time())
    for i in range(N):
        session = {"id": f"cs_many_{i}", "object": "checkout.session", "mode": "payment", "payment_status": "paid",
                   "status": "complete", "amount_total": 100, "currency": "usd", "customer": "cus_many",
                   "payment_intent": f"pi_many_{i}", "customer_details": {"email": BUYER}, "metadata": {}}
        out.append(("/webhooks/stripe", json.dumps({
            "id": f"evt_many_{i}", "object": "event", "type": "checkout.session.completed", "created": now,
            "data": {"object": session}}).encode()))
        for kind, prefix in (("email_opened", "m"), ("reply_received", "r")):
            out.append(("/webhooks/instantly", json.dumps({
                "event_type": kind, "lead_email": BUYER, "campaign_id": "camp_many", "email_id": f"{prefix}{i}",
                "timestamp": f"2026-11-30T10:00:{i % 60:02d}Z"}).encode()))
    return out


async def noop(*_args: Any) -> None:
    return None


async def post(http: httpx.AsyncClient, path: str, body: bytes) -> None:
    headers = {"Content-Type": "application/json"}
    if path.endswith("stripe"):
        headers["Stripe-Signature"] = stripe.WebhookSignature.generate_signature_header(body.decode(), WHSEC)
    else:
        headers[INSTANTLY_SECRET_HEADER] = HOOK_SECRET
    res = await http.post(path, content=body, headers=headers)
    assert res.status_code == 200, res.text


async def drain(proc: Processor, delivered: asyncio.Event) -> int:
    attempts = 0
    while True:
        report = await proc.run_once(limit=50)
        attempts += report.processed
        assert report.errors == [], report.errors
        if delivered.is_set() and report.processed == 0 and not (await proc.store.event_counts()).get("pending"):
            return attempts
        if report.processed == 0:
            await asyncio.sleep(0.02)


async def test_two_receivers_two_processors_exact_counts() -> None:
    stores: list[Store] = [await open_store(), await open_store()]
    processors = [Processor(s, Rules(s, lifecycle=noop, config=PipelineConfig()).handle, batch=10) for s in stores]
    bodies = deliveries()
    with ExitStack() as stack:
        urls = [stack.enter_context(BackgroundServer(create_receiver(
            open_store, stripe_secret=WHSEC, instantly_secret=HOOK_SECRET))).url for _ in range(2)]
        delivered = asyncio.Event()
        workers = [asyncio.create_task(drain(p, delivered)) for p in processors]
        limit = asyncio.Semaphore(16)
        # No kept-alive connections: on a loaded machine a pooled connection can sit idle past uvicorn's keep-alive
        # timeout and be closed by the server just as the next request goes out (a ReadError that is the
        # transport's race, not the receiver's; real senders retry those).
        fresh = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=urls[0], timeout=60, limits=fresh) as a, \
                httpx.AsyncClient(base_url=urls[1], timeout=60, limits=fresh) as b:

            async def both(path: str, body: bytes) -> None:
                async with limit:
                    await asyncio.gather(post(a, path, body), post(b, path, body))

            for _ in range(ROUNDS):
                await asyncio.gather(*(both(path, body) for path, body in bodies))
        delivered.set()
        processed = await asyncio.wait_for(asyncio.gather(*workers), timeout=300)

    store = stores[0]
    assert sum(processed) == len(bodies)
    events = await store.list_events(limit=10_000)
    assert len(events) == len(bodies)
    assert {(e.status, e.attempts) for e in events} == {("processed", 1)}
    contact = await store.get_contact(email=BUYER)
    assert contact is not None
    assert (contact.total_revenue, contact.opens, contact.replies) == (100 * N, N, N)
    assert len(await store.payments_for(contact_id=contact.id)) == N
    for s in stores:
        await s.close()
