"""Names work wherever ids do, and results read well: a product by name, a price by lookup_key or product name,
a customer by email; ambiguous or unknown names list the close matches; results show names beside ids and money
with its currency; a list shortened to the size budget resumes where it stopped (issue 14 §2, §3)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.render import BUDGET
from stripe_mcp.client import StripeApi
from tests.stripe_mcp.stripe_support import (
    LIVE_KEY,
    api_for,
    count,
    fails,
    mcp_client,
    ok,
    paid_intent,
    text_of,
    use_sandbox,
)


async def price_with_key(api: StripeApi, product: str, amount: int, key: str, **extra: Any) -> dict[str, Any]:
    """A price with a lookup_key (our create_price does not set one; the SDK call does)."""
    params = {"product": product, "unit_amount": amount, "currency": "usd", "lookup_key": key, **extra}
    return await api._dict("POST", "/v1/prices", api.sdk.v1.prices.create_async, params=params)


async def test_a_product_price_and_customer_by_name(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        audit = await api.create_product(name="Growth Audit")
        one = await api.create_price(product=audit["id"], unit_amount=49900, currency="usd")
        plan = await api.create_product(name="Pro plan")
        monthly = await price_with_key(api, plan["id"], 4900, "pro_monthly", recurring={"interval": "month"})
        await price_with_key(api, plan["id"], 49000, "pro_yearly", recurring={"interval": "year"})
        ada = await api.create_customer(email="ada@example.com", name="Ada")
    async with mcp_client() as client:
        # a product by its name (any case)
        price = (await ok(client, "stripe_create_price", {"product": "growth audit", "unit_amount": 9900,
                                                          "currency": "usd"}))["object"]
        assert price["product"] == audit["id"] and price["product_name"] == "Growth Audit"
        # a price by its product's name fails now that the product has two active prices ...
        text = await fails(client, "stripe_create_payment_link", {"price": "Growth Audit"})
        assert "2 active prices" in text and one["id"] in text and price["id"] in text and "$499.00" in text
        # ... and by lookup_key
        link = (await ok(client, "stripe_create_payment_link", {"price": "pro_monthly"}))
        assert link["object"]["url"]
        # a customer by email, a price by lookup_key, inside subscription items
        sub = await ok(client, "stripe_create_subscription", {
            "customer": "ada@example.com", "items": [{"price": "pro_monthly"}], "collection_method": "send_invoice"})
        assert sub["object"]["customer"] == ada["id"] and sub["object"]["customer_email"] == "ada@example.com"
        assert sub["object"]["items"][0]["price"] == monthly["id"]
        assert sub["object"]["items"][0]["product_name"] == "Pro plan"
        # a checkout for a customer named by email, a price named by its product (one active price)
        await api_archive(stripe_sandbox, price["id"])
        checkout = (await ok(client, "stripe_create_payment_link", {
            "price": "Growth Audit", "customer": "ADA@example.com", "redirect_url": "https://example.com/ok"}))
        assert checkout["object"]["customer"] == ada["id"] and checkout["object"]["amount_total"] == 49900
        # reads too
        history = await ok(client, "stripe_payment_history", {"customer": "ada@example.com"})
        assert history["customer"] == ada["id"] and history["customer_email"] == "ada@example.com"
        got = await ok(client, "stripe_get", {"id": "Pro plan"})
        assert got["object"]["id"] == plan["id"]
        prices = await ok(client, "stripe_list", {"kind": "prices", "related_to": "Pro plan"})
        assert len(prices["items"]) == 2 and {p["product_name"] for p in prices["items"]} == {"Pro plan"}


async def api_archive(sandbox: Any, price_id: str) -> None:
    async with api_for(sandbox) as api:
        await api._dict("POST", f"/v1/prices/{price_id}", api.sdk.v1.prices.update_async, price_id,
                        params={"active": False})


async def test_unknown_and_ambiguous_names_list_the_close_matches(stripe_sandbox,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        first = await api.create_product(name="Audit")
        second = await api.create_product(name="Audit")
        await api.create_product(name="Audit Pro")
        await api.create_customer(email="sam@example.com", name="Sam")
        await api.create_customer(email="sam@example.com", name="Sam again")
        await api.create_customer(email="samantha@example.com", name="Samantha")
    async with mcp_client() as client:
        text = await fails(client, "stripe_create_price", {"product": "Audit", "unit_amount": 100, "currency": "usd"})
        assert "product:" in text and "2 products are named 'Audit'" in text
        assert first["id"] in text and second["id"] in text
        text = await fails(client, "stripe_create_price", {"product": "Audti", "unit_amount": 100, "currency": "usd"})
        assert "no product named 'Audti'" in text and "Close matches" in text and "'Audit Pro'" in text
        text = await fails(client, "stripe_payment_history", {"customer": "sam@example.com"})
        assert "2 customers have the email 'sam@example.com'" in text and "Sam again" in text
        text = await fails(client, "stripe_payment_history", {"customer": "samantha@exmple.com"})
        assert "no customer" in text and "samantha@example.com" in text
        text = await fails(client, "stripe_create_subscription", {
            "customer": "Samantha", "items": [{"price": "no such plan"}]})
        assert "items[0].price:" in text and "no price with the lookup_key 'no such plan'" in text
    assert count(stripe_sandbox, "price") == 0 and count(stripe_sandbox, "subscription") == 0


async def test_a_name_and_its_id_are_the_same_call(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """The idempotency key is derived from the resolved arguments: naming the price or giving its id within the
    window returns the same link, never a second one."""
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        product = await api.create_product(name="Workshop")
        price = await api.create_price(product=product["id"], unit_amount=15000, currency="usd")
    async with mcp_client() as client:
        by_name = await ok(client, "stripe_create_payment_link", {"price": "Workshop"})
        by_id = await client.call_tool("stripe_create_payment_link", {"price": price["id"]})
        assert by_id.structured_content["object"]["id"] == by_name["object"]["id"]
        assert "nothing new was created" in text_of(by_id)
    assert count(stripe_sandbox, "payment_link") == 1


async def test_a_live_preview_resolves_names_and_writes_nothing(stripe_sandbox,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_for(stripe_sandbox, key=LIVE_KEY) as api:
        product = await api.create_product(name="Live course")
        await api.create_price(product=product["id"], unit_amount=29900, currency="usd")
    use_sandbox(monkeypatch, stripe_sandbox, key=LIVE_KEY)
    async with mcp_client() as client:
        got = await ok(client, "stripe_create_payment_link", {"price": "Live course"})
    assert got["executed"] is False and "$299.00 (Live course)" in got["preview"] and "price_" in got["preview"]
    assert count(stripe_sandbox, "payment_link") == 0


async def test_money_is_shown_with_its_currency(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        product = await api.create_product(name="Tokyo seminar")
        cus = await api.create_customer(email="kenji@example.com")
        await paid_intent(api, amount=5000, currency="jpy", customer=cus["id"])
    async with mcp_client() as client:
        yen = await client.call_tool("stripe_create_price", {"product": product["id"], "unit_amount": 5000,
                                                             "currency": "jpy"})
        assert "¥5,000" in text_of(yen) and "Tokyo seminar" in text_of(yen)
        dollars = await client.call_tool("stripe_create_price", {"product": product["id"], "unit_amount": 49900,
                                                                 "currency": "usd", "interval": "month"})
        assert "$499.00/month" in text_of(dollars) and "49900" not in text_of(dollars)
        history = text_of(await client.call_tool("stripe_payment_history", {"customer": cus["id"]}))
        assert "¥5,000" in history and "kenji@example.com" in history and "1 entry" in history
        listed = text_of(await client.call_tool("stripe_list", {"kind": "prices"}))
        assert listed.startswith("2 prices:") and "¥5,000" in listed and "$499.00" in listed
        assert "None" not in listed and "Tokyo seminar" in listed
        one = text_of(await client.call_tool("stripe_list", {"kind": "customers"}))
        assert one.startswith("1 customer:")
        balance = text_of(await client.call_tool("stripe_get_balance", {}))
        assert "¥" in balance and "minor units" not in balance


async def test_a_list_over_the_size_budget_resumes_after_the_last_item_shown(
        stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        for i in range(60):
            await api.create_customer(email=f"c{i}@example.com", name=f"Customer {i}",
                                      metadata={f"note{k}": "x" * 90 for k in range(5)})
    async with mcp_client() as client:
        seen: list[str] = []
        args: dict[str, Any] = {"kind": "customers", "limit": 100}
        for _ in range(10):
            result = await client.call_tool("stripe_list", args)
            text = text_of(result)
            assert len(text) <= BUDGET
            page = result.structured_content
            seen += [c["id"] for c in page["items"]]
            if not page["has_more"]:
                break
            assert page["next_cursor"] == page["items"][-1]["id"]  # resumes right after the last item shown
            assert f"cursor={page['next_cursor']}" in text
            args = {**args, "cursor": page["next_cursor"]}
        assert len(seen) == 60 == len(set(seen))  # every customer once, none skipped
