"""STRIPE_RATE_LIMIT: an opt-in client-side limit on Stripe requests, shared through the store by every process of
the account (shared/ratelimit_shared.py). Two deps objects stand for two processes on one store."""

from __future__ import annotations

import pytest

from shared.ratelimit_shared import RateBudgetSpent
from stripe_mcp.deps import StripeDeps
from tests.stripe_mcp.conftest import SandboxHandle


async def test_processes_share_the_stripe_budget_and_a_spent_one_says_when_to_retry(
    stripe_sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {"STRIPE_API_BASE": stripe_sandbox.url, "STRIPE_API_KEY": stripe_sandbox.api_key,
                        "STRIPE_RATE_LIMIT": "3/60", "ISMCP_RATE_LIMIT_MAX_WAIT": "0"}.items():
        monkeypatch.setenv(name, value)
    one, two = StripeDeps(), StripeDeps()
    try:
        a, b = await one.client(), await two.client()
        await a.list_page("customers", limit=1)
        await b.list_page("customers", limit=1)
        await a.list_page("customers", limit=1)
        with pytest.raises(RateBudgetSpent) as caught:
            await b.list_page("customers", limit=1)
        assert 55 < caught.value.retry_after <= 62
        assert "Try again in" in caught.value.hint()
    finally:
        await one.aclose()
        await two.aclose()


async def test_without_the_setting_stripe_calls_are_not_limited_by_the_client(
    stripe_sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STRIPE_API_BASE", stripe_sandbox.url)
    monkeypatch.setenv("STRIPE_API_KEY", stripe_sandbox.api_key)
    deps = StripeDeps()
    try:
        client = await deps.client()
        assert client.limits is None
        for _ in range(5):
            await client.list_page("customers", limit=1)
    finally:
        await deps.aclose()
