"""The receiver killed with SIGKILL during a burst of 2,000 events: after a restart, every event that got
a 2xx is present and is processed exactly once."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import stripe

from shared.asgi import free_port
from shared.store import open_store
from tests.conftest import subprocess_env

WHSEC = "whsec_crash_test_secret"
BIN = Path(sys.executable).parent
N = 2000
# The kill lands after this many 2xx answers, with the rest of the burst still in flight; the restarted receiver
# then processes what was stored (its cost grows with this number, the property under test does not).
KILL_AFTER = N // 10


def start(port: int, store: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = subprocess_env(ISMCP_STORE_PATH=str(store), STRIPE_WEBHOOK_SECRET=WHSEC)
    proc = subprocess.Popen([str(BIN / "orchestrator-mcp"), "webhooks", "serve", "--port", str(port), *extra],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError("receiver did not start")


def event(i: int) -> str:
    return json.dumps({"id": f"evt_burst_{i:05d}", "object": "event", "type": "invoice.paid", "created": 1,
                       "data": {"object": {"id": f"in_burst_{i:05d}", "object": "invoice", "amount_paid": 100,
                                           "currency": "usd", "customer_email": "burst@load.io"}}})


async def burst(url: str, proc: subprocess.Popen[bytes], kill_after: int) -> set[str]:
    acked: set[str] = set()
    gate = asyncio.Semaphore(32)

    async def send(http: httpx.AsyncClient, i: int) -> None:
        body = event(i)
        header = stripe.WebhookSignature.generate_signature_header(body, WHSEC)
        async with gate:
            try:
                res = await http.post("/webhooks/stripe", content=body, headers={"Stripe-Signature": header})
            except httpx.HTTPError:
                return
        if res.status_code == 200:
            acked.add(f"evt_burst_{i:05d}")
            if len(acked) == kill_after and proc.poll() is None:
                proc.send_signal(signal.SIGKILL)

    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        await asyncio.gather(*(send(http, i) for i in range(N)))
    return acked


async def test_sigkill_during_burst_loses_nothing_acknowledged(tmp_path: Path) -> None:
    store_path = tmp_path / "store.sqlite"
    port = free_port()
    proc = start(port, store_path, "--no-process")
    acked = await burst(f"http://127.0.0.1:{port}", proc, kill_after=KILL_AFTER)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert KILL_AFTER <= len(acked) < N  # the kill landed mid-burst

    proc = start(port, store_path, "--interval", "0.2")  # restarted, now processing
    try:
        deadline = time.monotonic() + 120
        while httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()["queue_depth"] > 0:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    store = await open_store(str(store_path))
    rows = await store.list_events(limit=N + 10)
    stored = {r.event_id for r in rows}
    assert acked <= stored  # every acknowledged event survived the kill
    assert all(r.status == "processed" and r.attempts == 1 for r in rows)  # each processed exactly once
    contact = await store.get_contact(email="burst@load.io")
    assert contact is not None and contact.total_revenue == 100 * len(stored)
    assert len(await store.payments_for(contact_id=contact.id)) == len(stored)
    await store.close()
