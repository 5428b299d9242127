"""Idempotency keys and injected faults: replays, conflicts, and SDK retries that must not duplicate writes."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import stripe

from tests.stripe_mcp.conftest import SandboxHandle


def _post(sandbox: SandboxHandle, path: str, data: dict[str, str], key: str,
          api_key: str | None = None) -> httpx.Response:
    return httpx.post(sandbox.url + path, data=data, timeout=30, headers={
        "Authorization": f"Bearer {api_key or sandbox.api_key}", "Idempotency-Key": key})


def test_same_key_replays_and_different_body_conflicts(stripe_sandbox: SandboxHandle) -> None:
    first = _post(stripe_sandbox, "/v1/customers", {"email": "once@example.com"}, "key-1")
    again = _post(stripe_sandbox, "/v1/customers", {"email": "once@example.com"}, "key-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Original-Request"] == first.headers["Request-Id"]
    conflict = _post(stripe_sandbox, "/v1/customers", {"email": "other@example.com"}, "key-1")
    assert conflict.status_code == 400 and conflict.json()["error"]["type"] == "idempotency_error"
    other_key = _post(stripe_sandbox, "/v1/customers", {"email": "once@example.com"}, "key-1", "sk_test_otherkey")
    assert other_key.status_code == 200 and other_key.json()["id"] != first.json()["id"]  # scoped per API key
    assert stripe_sandbox.count("customer") == 2
    assert stripe_sandbox.stats()["requests"]["idempotent_replays"] == 1


def test_declines_are_replayed_too(stripe_sandbox: SandboxHandle) -> None:
    data = {"amount": "1500", "currency": "usd", "payment_method": "pm_card_visa_chargeDeclined", "confirm": "true"}
    first = _post(stripe_sandbox, "/v1/payment_intents", data, "decline-1")
    again = _post(stripe_sandbox, "/v1/payment_intents", data, "decline-1")
    assert first.status_code == again.status_code == 402
    assert again.json() == first.json() and first.json()["error"]["decline_code"] == "generic_decline"
    assert stripe_sandbox.count("payment_intent") == 1 and stripe_sandbox.count("charge") == 1


async def test_same_key_in_flight_is_a_409(stripe_sandbox: SandboxHandle) -> None:
    stripe_sandbox.control("faults", {"latency_ms": 300})
    headers = {"Authorization": f"Bearer {stripe_sandbox.api_key}", "Idempotency-Key": "busy"}
    async with httpx.AsyncClient(base_url=stripe_sandbox.url, headers=headers, timeout=30) as http:
        first, second = await asyncio.gather(
            http.post("/v1/customers", data={"email": "busy@example.com"}),
            http.post("/v1/customers", data={"email": "busy@example.com"}),
        )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    blocked = first if first.status_code == 409 else second
    assert blocked.json()["error"]["type"] == "idempotency_error"
    assert stripe_sandbox.count("customer") == 1


async def test_fault_after_commit_then_sdk_retry_gets_the_replay(stripe_sandbox: SandboxHandle,
                                                                  stripe_client: stripe.StripeClient) -> None:
    stripe_sandbox.control("faults", {"after_commit_next": 1})
    cus = await stripe_client.v1.customers.create_async(params={"email": "dropped@example.com"})
    stats = stripe_sandbox.stats()
    assert stats["objects"]["customer"] == 1
    assert stats["requests"]["faults"]["after_commit"] == 1 and stats["requests"]["idempotent_replays"] == 1
    listed = await stripe_client.v1.customers.list_async(params={"email": "dropped@example.com"})
    assert [c.id for c in listed.data] == [cus.id]
    assert len((await stripe_client.v1.events.list_async(params={"type": "customer.created"})).data) == 1


async def test_server_errors_and_resets_are_retried_without_duplicates(stripe_sandbox: SandboxHandle,
                                                                        stripe_client: stripe.StripeClient) -> None:
    stripe_sandbox.control("faults", {"next": ["500", "reset"]})
    prod = await stripe_client.v1.products.create_async(params={"name": "Retried"})
    assert prod.name == "Retried"
    stats = stripe_sandbox.stats()
    assert stats["objects"]["product"] == 1
    assert stats["requests"]["faults"] == {"500": 1, "reset": 1}


async def test_rate_limit_fault_is_a_429_with_retry_after(stripe_sandbox: SandboxHandle) -> None:
    stripe_sandbox.control("faults", {"next": ["429"], "retry_after": 2})
    client, http = stripe_sandbox.client(max_network_retries=0)
    try:
        with pytest.raises(stripe.RateLimitError) as limited:
            await client.v1.customers.list_async()
        assert limited.value.http_status == 429 and limited.value.headers["Retry-After"] == "2"
        assert limited.value.error.type == "rate_limit_error" and limited.value.error.code == "rate_limit"
        assert (await client.v1.customers.list_async()).data == []  # the queued fault is used up
    finally:
        await http.close_async()


def test_random_faults_with_a_seed_and_clearing(stripe_sandbox: SandboxHandle) -> None:
    config = stripe_sandbox.control("faults", {"rate": 1.0, "kinds": ["500"], "seed": 7})
    assert config["rate"] == 1.0 and config["kinds"] == ["500"]
    resp = httpx.get(stripe_sandbox.url + "/v1/customers", headers={"Authorization": "Bearer sk_test_x"})
    assert resp.status_code == 500 and resp.json()["error"]["type"] == "api_error"
    stripe_sandbox.control("faults", method="DELETE")
    resp = httpx.get(stripe_sandbox.url + "/v1/customers", headers={"Authorization": "Bearer sk_test_x"})
    assert resp.status_code == 200
    stripe_sandbox.control("faults", {"next": ["timeout"], "timeout_seconds": 0.05})
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(stripe_sandbox.url + "/v1/customers", headers={"Authorization": "Bearer sk_test_x"})
    bad = stripe_sandbox.control("faults", {"kinds": ["explode"]}, expect=400)
    assert "unknown fault kinds" in bad["error"]["message"]
