"""StripeError subclasses become shared.errors types whose hint says what to do next."""

from __future__ import annotations

import pytest

from shared.asgi import free_port
from shared.errors import BadRequest, NetworkError, RateLimited, ServerError, describe
from stripe_mcp.client import CardDeclined, StripeApi, StripeNotFound, key_mode
from stripe_mcp.client.mode import LiveModeRefused
from tests.stripe_mcp.stripe_support import api_for, catalog, paid_intent


async def test_card_declined_asks_for_another_card(stripe_sandbox) -> None:
    async with api_for(stripe_sandbox) as api:
        with pytest.raises(CardDeclined) as info:
            await paid_intent(api, amount=1000, card="pm_card_chargeDeclinedInsufficientFunds")
    err = info.value
    assert err.status == 402 and err.decline_code == "insufficient_funds"
    assert "another card" in describe(err) and "insufficient_funds" in describe(err)


async def test_invalid_parameter_is_named(stripe_sandbox) -> None:
    async with api_for(stripe_sandbox) as api:
        product, _ = await catalog(api)
        with pytest.raises(BadRequest) as info:
            await api.create_price(product=product, unit_amount=100, currency="zzz")  # well formed, unknown
    assert info.value.param == "currency" and "Fix the field `currency`" in describe(info.value)


async def test_not_found_and_price_of_another_product(stripe_sandbox) -> None:
    async with api_for(stripe_sandbox) as api:
        with pytest.raises(StripeNotFound) as info:
            await api.get_customer("cus_nobody")
        assert info.value.status == 404 and "cus_nobody" in str(info.value)
        product, price = await catalog(api)
        other, _ = await catalog(api)
        assert (await api.get_price(price, product=product))["id"] == price
        with pytest.raises(Exception, match=f"belongs to product {product}, not {other}"):
            await api.get_price(price, product=other)


async def test_rate_limit_and_server_errors(stripe_sandbox) -> None:
    stripe_sandbox.control("faults", {"next": ["429"], "retry_after": 2})
    async with api_for(stripe_sandbox, max_network_retries=1) as api:
        with pytest.raises(RateLimited) as limited:
            await api.get_balance()
        assert limited.value.retry_after == 2 and "Try again in 2 seconds" in describe(limited.value)
        stripe_sandbox.control("faults", {"next": ["500", "500"]})
        with pytest.raises(ServerError) as failed:
            await api.get_balance()
    assert failed.value.attempts == 2 and "failed after 2 attempts" in describe(failed.value)


async def test_unreachable_api() -> None:
    api = StripeApi("sk_test_nowhere", api_base=f"http://127.0.0.1:{free_port()}", max_network_retries=0)
    try:
        with pytest.raises(NetworkError) as info:
            await api.get_balance()
    finally:
        await api.aclose()
    assert info.value.status is None and "usually temporary" in describe(info.value)


def test_mode_from_the_key_prefix() -> None:
    assert key_mode("sk_test_abc") == ("test", False)
    assert key_mode("rk_test_abc") == ("test", True)
    assert key_mode("sk_live_abc") == ("live", False)
    assert key_mode("rk_live_abc") == ("live", True)
    with pytest.raises(LiveModeRefused):
        StripeApi("rk_live_abc", refuse_live=True)
