"""Webhook endpoints and signed deliveries, verified with the SDK's own `stripe.Webhook.construct_event`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from shared.asgi import BackgroundServer
from tests.stripe_mcp.conftest import SandboxHandle, wait_for


@dataclass
class Receiver:
    url: str = ""
    fail_first: int = 0
    calls: int = 0
    received: list[tuple[bytes, str]] = field(default_factory=list)

    async def handle(self, request: Request) -> JSONResponse:
        self.calls += 1
        if self.calls <= self.fail_first:
            return JSONResponse({"error": "not yet"}, status_code=503)
        self.received.append((await request.body(), request.headers.get("stripe-signature", "")))
        return JSONResponse({"received": True})


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    app = Starlette(routes=[Route("/hook", rec.handle, methods=["POST"])])
    with BackgroundServer(app) as server:
        rec.url = server.url + "/hook"
        yield rec


async def test_signed_delivery_round_trip(stripe_sandbox: SandboxHandle, stripe_client: stripe.StripeClient,
                                          receiver: Receiver) -> None:
    endpoint = await stripe_client.v1.webhook_endpoints.create_async(params={
        "url": receiver.url, "enabled_events": ["customer.created", "customer.updated"]})
    assert endpoint.id.startswith("we_") and endpoint.secret.startswith("whsec_") and endpoint.status == "enabled"
    cus = await stripe_client.v1.customers.create_async(params={"email": "hook@example.com"})
    await stripe_client.v1.products.create_async(params={"name": "not subscribed"})
    await stripe_client.v1.customers.update_async(cus.id, params={"name": "Hooked"})
    wait_for(lambda: len(receiver.received) >= 2)
    payload, header = receiver.received[0]
    assert header.startswith("t=") and ",v1=" in header
    event = stripe.Webhook.construct_event(payload, header, endpoint.secret)
    assert event.type == "customer.created" and event.data.object.id == cus.id
    second = stripe.Webhook.construct_event(*receiver.received[1], endpoint.secret)
    assert second.type == "customer.updated" and second.data.previous_attributes.name is None
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, header, "whsec_wrong")
    assert len(receiver.received) == 2  # product.created was not subscribed
    retrieved = await stripe_client.v1.webhook_endpoints.retrieve_async(endpoint.id)
    assert "secret" not in retrieved
    assert stripe_sandbox.control("webhooks/drain", {})["drained"]
    assert (await stripe_client.v1.events.retrieve_async(event.id)).type == "customer.created"


async def test_failed_deliveries_are_retried_with_backoff(stripe_sandbox: SandboxHandle,
                                                          stripe_client: stripe.StripeClient,
                                                          receiver: Receiver) -> None:
    stripe_sandbox.control("webhooks/config", {"backoff_seconds": 0.05, "max_attempts": 5})
    receiver.fail_first = 2
    endpoint = await stripe_client.v1.webhook_endpoints.create_async(params={"url": receiver.url,
                                                                             "enabled_events": ["*"]})
    await stripe_client.v1.customers.create_async(params={"email": "retry@example.com"})
    wait_for(lambda: receiver.received)
    event = stripe.Webhook.construct_event(*receiver.received[0], endpoint.secret)
    assert receiver.calls == 3 and event.type == "customer.created"
    deliveries = wait_for(lambda: [d for d in stripe_sandbox.control(f"webhooks/deliveries?event={event.id}")["data"]
                                   if d["status"] == "delivered"])
    assert deliveries[0]["attempts"] == 3
    assert (await stripe_client.v1.events.retrieve_async(event.id)).pending_webhooks == 0


async def test_delivery_gives_up_after_max_attempts(stripe_sandbox: SandboxHandle, stripe_client: stripe.StripeClient,
                                                    receiver: Receiver) -> None:
    stripe_sandbox.control("webhooks/config", {"backoff_seconds": 0.02, "max_attempts": 2})
    receiver.fail_first = 100
    await stripe_client.v1.webhook_endpoints.create_async(params={"url": receiver.url,
                                                                  "enabled_events": ["coupon.created"]})
    await stripe_client.v1.coupons.create_async(params={"percent_off": 5})
    wait_for(lambda: stripe_sandbox.control("webhooks/deliveries?status=failed")["data"])
    assert receiver.calls == 2
    pending = await stripe_client.v1.events.list_async(params={"delivery_success": False})
    assert [e.type for e in pending.data] == ["coupon.created"]


async def test_endpoint_crud_and_event_filters(stripe_client: stripe.StripeClient) -> None:
    first = await stripe_client.v1.webhook_endpoints.create_async(params={
        "url": "https://example.com/a", "enabled_events": ["invoice.paid"], "metadata": {"env": "demo"}})
    second = await stripe_client.v1.webhook_endpoints.create_async(params={
        "url": "https://example.com/b", "enabled_events": ["*"]})
    listed = await stripe_client.v1.webhook_endpoints.list_async()
    assert [w.id for w in listed.data] == [second.id, first.id]
    updated = await stripe_client.v1.webhook_endpoints.update_async(first.id, params={"disabled": True})
    assert updated.status == "disabled"
    deleted = await stripe_client.v1.webhook_endpoints.delete_async(first.id)
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError) as bad:
        await stripe_client.v1.webhook_endpoints.create_async(params={"url": "https://example.com/c",
                                                                      "enabled_events": ["not.a_thing"]})
    assert bad.value.param == "enabled_events[0]"
    await stripe_client.v1.customers.create_async(params={"email": "ev@example.com"})
    await stripe_client.v1.products.create_async(params={"name": "Ev"})
    customers_only = await stripe_client.v1.events.list_async(params={"types": ["customer.created"]})
    assert [e.type for e in customers_only.data] == ["customer.created"]
    newest = (await stripe_client.v1.events.list_async(params={"limit": 1})).data[0]
    assert newest.type == "product.created" and newest.request.id and newest.api_version
    later = await stripe_client.v1.events.list_async(params={"created": {"gt": newest.created}})
    assert later.data == []
