"""Against the sandboxes' real webhook deliveries: every delivery sent three times in shuffled order is
applied once, and a webhook and a poll of the same event count once."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import stripe

from orchestrator_mcp.events.serve import build_app
from shared.asgi import BackgroundServer
from shared.deps import ServerOptions
from tests.orchestrator_mcp.conftest import Pipeline, call, client

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)

SECRET = "instantly-hook-secret-for-tests"


@dataclass
class Receiver:
    url: str
    stripe_secret: str


@pytest.fixture
def receiver(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    monkeypatch.setenv("INSTANTLY_WEBHOOK_SECRET", SECRET)
    with BackgroundServer(build_app(ServerOptions(), interval=0.2)) as srv:
        endpoint = pipeline.stripe("POST", "/v1/webhook_endpoints",
                                   data={"url": f"{srv.url}/webhooks/stripe", "enabled_events[]": "*"})
        monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", endpoint["secret"])
        with pipeline.instantly.client() as http:
            http.post("/webhooks", json={"target_hook_url": f"{srv.url}/webhooks/instantly", "event_type": "all_events",
                                         "headers": {"X-Webhook-Secret": SECRET}}).raise_for_status()
        yield Receiver(srv.url, endpoint["secret"])


def settle(receiver: Receiver, timeout: float = 20.0) -> dict[str, int]:
    """Wait until the receiver's queue is empty."""
    deadline = time.monotonic() + timeout
    while True:
        health = httpx.get(f"{receiver.url}/healthz", timeout=5).json()
        if health["queue_depth"] == 0:
            return health
        assert time.monotonic() < deadline, health
        time.sleep(0.1)


def make_world(pipeline: Pipeline) -> str:
    """A lead that engages (its webhooks delivered and applied) and a price to buy; returns the price."""
    campaign = pipeline.new_campaign("Outreach")
    with pipeline.instantly.client() as http:
        http.post("/leads", json={"email": "rae@ray.io", "first_name": "Rae", "campaign": campaign}).raise_for_status()
    for event in ("sent", "opened", "clicked", "replied", "interested"):
        pipeline.engage("rae@ray.io", event, campaign)
    pipeline.instantly.control("webhooks/drain", {"timeout": 10})
    return pipeline.price(7700)


async def buy(c: Any, pipeline: Pipeline, receiver: Receiver, price: str) -> None:
    """The lead gets a payment link and pays it; the signed Stripe webhooks are delivered and applied."""
    link = await call(c, "trigger_payment_flow", {"lead_email": "rae@ray.io", "price_id": price})
    pipeline.stripe_control(f"payment_links/{link['payment_link_id']}/pay", {"email": "rae@ray.io"})
    pipeline.stripe_control("webhooks/drain", {"timeout": 10})
    settle(receiver)


async def test_each_delivery_three_times_shuffled_is_applied_once(pipeline: Pipeline, receiver: Receiver) -> None:
    price = make_world(pipeline)
    async with client() as c:
        await buy(c, pipeline, receiver, price)
        once = (await call(c, "find_contacts", {"email": "rae@ray.io"}))["contacts"][0]
        stored_once = (await call(c, "list_events", {}))["queue"]

        # Replay every real delivery three times, shuffled: Instantly's with their headers, Stripe's re-signed.
        requests = []
        for item in pipeline.instantly.control("webhook-deliveries")["items"]:
            headers = {k: v for k, v in item["request_headers"].items() if k.lower() == "x-webhook-secret"}
            requests += [("/webhooks/instantly", json.dumps(item["payload"]), headers)] * 3
        for event in pipeline.stripe("GET", "/v1/events", params={"limit": 100})["data"]:
            body = json.dumps(event)
            requests += [("/webhooks/stripe", body, None)] * 3
        random.Random(7).shuffle(requests)
        async with httpx.AsyncClient(base_url=receiver.url) as http:
            for path, body, headers in requests:
                if headers is None:
                    headers = {"Stripe-Signature": stripe.WebhookSignature.generate_signature_header(
                        body, receiver.stripe_secret)}
                res = await http.post(path, content=body, headers={**headers, "Content-Type": "application/json"})
                assert res.status_code == 200, res.text
        settle(receiver)
        after = (await call(c, "find_contacts", {"email": "rae@ray.io"}))["contacts"][0]
        assert (await call(c, "list_events", {}))["queue"] == stored_once  # nothing new was stored

    assert (once["opens"], once["clicks"], once["replies"]) == (1, 1, 1)
    assert once["total_revenue"] == 7700 and once["conversion_status"] == "customer"
    for key in ("opens", "clicks", "replies", "total_revenue", "payment_failures", "email_engagement_score"):
        assert after[key] == once[key], key


async def test_a_webhook_and_a_poll_of_the_same_event_count_once(pipeline: Pipeline, receiver: Receiver) -> None:
    price = make_world(pipeline)
    async with client() as c:
        await buy(c, pipeline, receiver, price)
        polled = await call(c, "sync_now", {"source": "both"})
        assert polled["stripe_seen"] > 0 and polled["stripe_new"] == 0
        assert polled["instantly_seen"] > 0 and polled["instantly_new"] == 0
        contact = (await call(c, "find_contacts", {"email": "rae@ray.io"}))["contacts"][0]
    assert contact["total_revenue"] == 7700 and contact["replies"] == 1
