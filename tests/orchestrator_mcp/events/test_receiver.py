"""The webhook receiver over real HTTP: signatures and secrets, store-first, duplicates, limits, health."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import stripe

from orchestrator_mcp.events.receiver import INSTANTLY_SECRET_HEADER, create_receiver
from shared.asgi import BackgroundServer
from shared.store import open_store

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)

WHSEC = "whsec_test_receiver_secret_123"
INSTANTLY_SECRET = "inst-hook-secret-456"


@dataclass
class Receiver:
    url: str


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    app = create_receiver(open_store, stripe_secret=WHSEC, instantly_secret=INSTANTLY_SECRET, max_body_bytes=64 * 1024)
    with BackgroundServer(app) as srv:
        yield Receiver(srv.url)


def stripe_event(event_id: str = "evt_1", type_: str = "invoice.paid") -> bytes:
    return json.dumps({"id": event_id, "object": "event", "type": type_, "created": int(time.time()),
                       "data": {"object": {"id": "in_1", "object": "invoice"}}}).encode()


def signed(body: bytes, secret: str = WHSEC, timestamp: int | None = None) -> dict[str, str]:
    header = stripe.WebhookSignature.generate_signature_header(body.decode(), secret, timestamp=timestamp)
    return {"Stripe-Signature": header, "Content-Type": "application/json"}


async def stored_events() -> list[tuple[str, str]]:
    store = await open_store()
    rows = await store.list_events(limit=1000)
    await store.close()
    return sorted((r.source, r.event_id) for r in rows)


async def test_stripe_signature_cases(receiver: Receiver) -> None:
    body = stripe_event()
    async with httpx.AsyncClient(base_url=receiver.url) as http:
        assert (await http.post("/webhooks/stripe", content=body)).status_code == 400  # missing
        assert (await http.post("/webhooks/stripe", content=body, headers=signed(body, "whsec_wrong"))).status_code == 400
        stale = signed(body, timestamp=int(time.time()) - 3600)
        assert (await http.post("/webhooks/stripe", content=body, headers=stale)).status_code == 400
        tampered = body.replace(b"invoice.paid", b"invoice.void")
        assert (await http.post("/webhooks/stripe", content=tampered, headers=signed(body))).status_code == 400
        assert await stored_events() == []
        ok = await http.post("/webhooks/stripe", content=body, headers=signed(body))
        assert ok.status_code == 200 and ok.json()["duplicate"] is False
        again = await http.post("/webhooks/stripe", content=body, headers=signed(body))
        assert again.status_code == 200 and again.json()["duplicate"] is True
    assert await stored_events() == [("stripe", "evt_1")]


async def test_instantly_secret_header_cases(receiver: Receiver) -> None:
    payload = {"event_type": "email_opened", "lead_email": "a@x.com", "campaign_id": "c1",
               "timestamp": "2026-11-24T10:00:00Z", "email_id": "e1"}
    async with httpx.AsyncClient(base_url=receiver.url) as http:
        assert (await http.post("/webhooks/instantly", json=payload)).status_code == 401
        wrong = {INSTANTLY_SECRET_HEADER: "nope"}
        assert (await http.post("/webhooks/instantly", json=payload, headers=wrong)).status_code == 401
        assert await stored_events() == []
        good = {INSTANTLY_SECRET_HEADER: INSTANTLY_SECRET}
        first = await http.post("/webhooks/instantly", json=payload, headers=good)
        # the same happening delivered again with keys in another order is the same event
        reordered = json.dumps(dict(reversed(list(payload.items()))))
        second = await http.post("/webhooks/instantly", content=reordered, headers={**good, "Content-Type": "application/json"})
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"] and second.json()["duplicate"] is True
    assert len(await stored_events()) == 1


async def test_oversized_and_non_json_bodies_are_rejected_and_receiver_stays_up(receiver: Receiver) -> None:
    good = {INSTANTLY_SECRET_HEADER: INSTANTLY_SECRET}
    async with httpx.AsyncClient(base_url=receiver.url) as http:
        big = b"{" + b'"x":"' + b"a" * (70 * 1024) + b'"}'
        assert (await http.post("/webhooks/instantly", content=big, headers=good)).status_code == 413
        assert (await http.post("/webhooks/instantly", content=b"not json", headers=good)).status_code == 400
        body = b"garbage"
        assert (await http.post("/webhooks/stripe", content=body, headers=signed(body))).status_code == 400
        health = await http.get("/healthz")
    assert health.status_code == 200 and health.json()["queue_depth"] == 0
    assert await stored_events() == []


async def test_healthz_reports_queue_depth(receiver: Receiver) -> None:
    async with httpx.AsyncClient(base_url=receiver.url) as http:
        for i in range(3):
            body = stripe_event(f"evt_{i}")
            assert (await http.post("/webhooks/stripe", content=body, headers=signed(body))).status_code == 200
        health = (await http.get("/healthz")).json()
    assert health["queue_depth"] == 3 and health["dead_letters"] == 0


async def test_unconfigured_secret_is_a_clear_503_not_a_crash(tmp_path: object) -> None:
    app = create_receiver(open_store)
    with BackgroundServer(app) as srv:
        async with httpx.AsyncClient(base_url=srv.url) as http:
            body = stripe_event()
            res = await http.post("/webhooks/stripe", content=body, headers=signed(body))
    assert res.status_code == 503 and "STRIPE_WEBHOOK_SECRET" in res.json()["error"]


@pytest.mark.parametrize("body", [b"[1, 2]", b'"evt_1"', b"42", b"null", b"true",
                                  b'{"id": 5, "type": "invoice.paid"}', b'{"id": "evt_1", "type": ["invoice.paid"]}',
                                  b'{"id": "evt_1"}', b'{"id": "", "type": "invoice.paid"}', b"\xff\xfe"])
async def test_signed_stripe_body_that_is_not_an_event_object_is_a_400(receiver: Receiver, body: bytes) -> None:
    header = stripe.WebhookSignature.generate_signature_header(body.decode("latin-1"), WHSEC)
    async with httpx.AsyncClient(base_url=receiver.url) as http:
        res = await http.post("/webhooks/stripe", content=body, headers={"Stripe-Signature": header})
        assert res.status_code == 400, res.text
        assert (await http.get("/healthz")).status_code == 200
    assert await stored_events() == []


@pytest.mark.parametrize("body", [b"[1, 2]", b'"email_opened"', b"42", b"null",
                                  b'{"event_type": 7}', b'{"event_type": ["email_opened"]}',
                                  b'{"event_type": "email_opened", "lead_email": {"a": 1}}',
                                  b'{"event_type": "email_opened", "campaign_id": [1]}',
                                  b'{"event_type": "email_opened", "email_id": 3.5}'])
async def test_instantly_body_that_is_not_a_webhook_object_is_a_400(receiver: Receiver, body: bytes) -> None:
    headers = {INSTANTLY_SECRET_HEADER: INSTANTLY_SECRET, "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=receiver.url) as http:
        res = await http.post("/webhooks/instantly", content=body, headers=headers)
    assert res.status_code == 400, res.text
    assert await stored_events() == []


async def test_stored_payloads_never_hold_a_configured_secret(receiver: Receiver,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A lead's data merged into an Instantly delivery carries the Instantly API key (no prefix); a Stripe
    event's metadata carries the webhook secret. Neither reaches the store."""
    monkeypatch.setenv("INSTANTLY_API_KEY", "instKeyWithoutPrefix0042")
    payload = {"event_type": "reply_received", "lead_email": "a@x.com", "campaign_id": "c1", "email_id": "e1",
               "timestamp": "2026-11-24T10:00:00Z", "notes": "pasted instKeyWithoutPrefix0042 here",
               "also": INSTANTLY_SECRET}
    body = json.dumps({"id": "evt_s", "object": "event", "type": "customer.updated", "created": int(time.time()),
                       "data": {"object": {"id": "cus_1", "metadata": {"k": WHSEC}}}}).encode()
    async with httpx.AsyncClient(base_url=receiver.url) as http:
        res = await http.post("/webhooks/instantly", json=payload, headers={INSTANTLY_SECRET_HEADER: INSTANTLY_SECRET})
        assert res.status_code == 200
        assert (await http.post("/webhooks/stripe", content=body, headers=signed(body))).status_code == 200
    store = await open_store()
    rows = await store.list_events(limit=10)
    await store.close()
    stored = json.dumps([r.payload for r in rows])
    assert len(rows) == 2 and "a@x.com" in stored and "cus_1" in stored
    for secret in ("instKeyWithoutPrefix0042", INSTANTLY_SECRET, WHSEC):
        assert secret not in stored


async def test_too_long_or_nul_fields_are_a_clear_400_on_every_engine(receiver: Receiver) -> None:
    headers = {INSTANTLY_SECRET_HEADER: INSTANTLY_SECRET}
    async with httpx.AsyncClient(base_url=receiver.url) as http:
        long_type = await http.post("/webhooks/instantly", headers=headers,
                                    json={"event_type": "x" * 65, "lead_email": "a@b.io"})
        assert long_type.status_code == 400 and "type: longer than 64" in long_type.json()["error"]
        body = stripe_event("evt_" + "9" * 200)
        long_id = await http.post("/webhooks/stripe", content=body, headers=signed(body))
        assert long_id.status_code == 400 and "event_id" in long_id.json()["error"]
        nul = await http.post("/webhooks/instantly", headers=headers,
                              json={"event_type": "email_opened", "lead_email": "n@b.io", "note": "a\u0000b"})
        assert nul.status_code == 200
    store = await open_store()
    rows = await store.list_events()
    await store.close()
    assert [(r.type, r.payload["note"]) for r in rows] == [("email_opened", "ab")]
