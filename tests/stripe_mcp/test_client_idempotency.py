"""Retries never duplicate: the SDK's own key on a retried POST, and explicit per-operation keys."""

from __future__ import annotations

import pytest

from shared.errors import NetworkError
from stripe_mcp.client import IdempotencyConflict
from tests.stripe_mcp.stripe_support import api_for, catalog, count, fails, mcp_client, ok, use_sandbox


async def test_tool_write_retried_after_commit_creates_one_object(stripe_sandbox,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    stripe_sandbox.control("faults", {"after_commit_next": 1})  # commit, then drop the connection
    async with mcp_client() as client:
        created = await ok(client, "stripe_save_customer", {"email": "once@example.com"})
    assert count(stripe_sandbox, "customer") == 1
    stats = stripe_sandbox.stats()["requests"]
    assert stats["idempotent_replays"] == 1
    assert created["object"]["email"] == "once@example.com"


async def test_operation_keys_make_a_whole_retry_safe(stripe_sandbox) -> None:
    async with api_for(stripe_sandbox) as api:
        _, price = await catalog(api)

    async def operation() -> tuple[str, str]:
        """What an orchestrator step does: two writes, each with a key derived from the operation."""
        async with api_for(stripe_sandbox, max_network_retries=0) as api:
            cus = await api.create_customer(email="lead@example.com", metadata={"lead": "9"},
                                            idempotency_key="op:abc123:create_customer")
            link = await api.create_payment_link(price=price, metadata={"lead": "9"},
                                                 idempotency_key="op:abc123:create_payment_link")
            return cus["id"], link["id"]

    # The next two writes commit and then lose their answer, and the SDK may not retry: the operation fails
    # part-way, and is retried as a whole until it gets through.
    stripe_sandbox.control("faults", {"after_commit_next": 2})
    failures = 0
    for _ in range(4):
        try:
            result = await operation()
            break
        except NetworkError:
            failures += 1
    assert failures >= 1
    assert count(stripe_sandbox, "customer") == 1 and count(stripe_sandbox, "payment_link") == 1
    assert await operation() == result  # and any later retry is a replay of the same objects
    assert stripe_sandbox.stats()["requests"]["idempotent_replays"] >= 2


async def test_same_key_with_other_parameters_is_a_conflict(stripe_sandbox, monkeypatch) -> None:
    async with api_for(stripe_sandbox) as api:
        await api.create_customer(email="a@example.com", idempotency_key="op:k1:create_customer")
        with pytest.raises(IdempotencyConflict) as info:
            await api.create_customer(email="b@example.com", idempotency_key="op:k1:create_customer")
    hint = info.value.hint()
    assert "different parameters" in hint and "new key" in hint
    assert count(stripe_sandbox, "customer") == 1


async def test_server_errors_are_retried_with_the_same_key(stripe_sandbox, monkeypatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    monkeypatch.setenv("STRIPE_MAX_NETWORK_RETRIES", "2")
    stripe_sandbox.control("faults", {"next": ["500", "500"]})
    async with mcp_client() as client:
        await ok(client, "stripe_create_product", {"name": "Third time lucky"})
        assert count(stripe_sandbox, "product") == 1
        stripe_sandbox.control("faults", {"next": ["500", "500", "500"]})
        text = await fails(client, "stripe_create_product", {"name": "Unlucky"})
    assert "500" in text and "3 attempts" in text
    assert count(stripe_sandbox, "product") == 1
