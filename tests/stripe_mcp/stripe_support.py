"""Helpers for the Stripe client/tool tests (fixtures live in conftest.py; this module only adds functions)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from mcp import Client

from shared.deps import ServerOptions
from stripe_mcp.client import StripeApi
from stripe_mcp.server import build

LIVE_KEY = "sk_live_sandboxlive"


def use_sandbox(monkeypatch: pytest.MonkeyPatch, sandbox: Any, key: str | None = None) -> None:
    """Point the server (and StripeApi built from the env) at the sandbox."""
    monkeypatch.setenv("STRIPE_API_BASE", sandbox.url)
    monkeypatch.setenv("STRIPE_API_KEY", key or sandbox.api_key)


@asynccontextmanager
async def mcp_client(**options: Any) -> AsyncIterator[Client]:
    async with Client(build(ServerOptions(**options))) as client:
        yield client


@asynccontextmanager
async def api_for(sandbox: Any, key: str | None = None, **kwargs: Any) -> AsyncIterator[StripeApi]:
    """The library client on the sandbox, for seeding data and for the library-level tests."""
    kwargs.setdefault("retry_delay", 0.05)
    api = StripeApi(key or sandbox.api_key, api_base=sandbox.url, **kwargs)
    try:
        yield api
    finally:
        await api.aclose()


async def ok(client: Client, tool: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    result = await client.call_tool(tool, args or {})
    assert not result.is_error, result.content[0].text
    assert result.structured_content is not None
    return result.structured_content


async def fails(client: Client, tool: str, args: dict[str, Any] | None = None) -> str:
    result = await client.call_tool(tool, args or {})
    assert result.is_error, f"{tool} unexpectedly succeeded: {result.structured_content}"
    return result.content[0].text


def text_of(result: Any) -> str:
    return result.content[0].text


async def paid_intent(api: StripeApi, *, amount: int, currency: str = "usd", customer: str | None = None,
                      card: str = "pm_card_visa") -> dict[str, Any]:
    """A payment intent confirmed with a test card (a succeeded charge), made through the SDK directly."""
    params: dict[str, Any] = {"amount": amount, "currency": currency, "payment_method": card, "confirm": True}
    if customer:
        params["customer"] = customer
    return await api._dict("POST", "/v1/payment_intents", api.sdk.v1.payment_intents.create_async, params=params)


async def catalog(api: StripeApi, *, amount: int = 2500, currency: str = "usd", interval: str | None = None
                  ) -> tuple[str, str]:
    product = await api.create_product(name="Audit package")
    price = await api.create_price(product=product["id"], unit_amount=amount, currency=currency,
                                   interval=interval)  # type: ignore[arg-type]
    return product["id"], price["id"]


def count(sandbox: Any, object_type: str) -> int:
    return sandbox.count(object_type)
