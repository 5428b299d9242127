"""Products, one-off and recurring prices, coupons; input checked before Stripe is called."""

from __future__ import annotations

import pytest

from tests.stripe_mcp.stripe_support import count, fails, mcp_client, ok, use_sandbox


async def test_products_prices_and_coupons(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with mcp_client() as client:
        prod = (await ok(client, "stripe_create_product", {
            "name": "Audit", "description": "Security audit", "metadata": {"sku": "A1"}}))["object"]
        assert prod["id"].startswith("prod_") and prod["metadata"] == {"sku": "A1"}
        once = (await ok(client, "stripe_create_price", {
            "product": prod["id"], "unit_amount": 150000, "currency": "usd"}))["object"]
        assert once["type"] == "one_time" and once["unit_amount"] == 150000 and "recurring" not in once
        monthly = (await ok(client, "stripe_create_price", {
            "product": prod["id"], "unit_amount": 9900, "currency": "eur", "interval": "month",
            "interval_count": 3}))["object"]
        assert monthly["type"] == "recurring"
        assert monthly["recurring"] == {"interval": "month", "interval_count": 3}

        prices = await ok(client, "stripe_list", {"kind": "prices", "related_to": prod["id"]})
        assert {p["id"] for p in prices["items"]} == {once["id"], monthly["id"]}
        recurring = await ok(client, "stripe_list", {"kind": "prices", "type": "recurring"})
        assert [p["id"] for p in recurring["items"]] == [monthly["id"]]
        products = await ok(client, "stripe_list", {"kind": "products", "active": True})
        assert [p["name"] for p in products["items"]] == ["Audit"]

        pct = (await ok(client, "stripe_create_coupon", {"percent_off": 15, "duration": "repeating",
                                                         "duration_in_months": 3, "name": "Q1"}))["object"]
        off = (await ok(client, "stripe_create_coupon", {"amount_off": 500, "currency": "usd"}))["object"]
        assert pct["percent_off"] == 15 and pct["duration_in_months"] == 3
        assert off["amount_off"] == 500 and off["currency"] == "usd"
        coupons = await ok(client, "stripe_list", {"kind": "coupons"})
        assert {c["id"] for c in coupons["items"]} == {pct["id"], off["id"]}
        got = await ok(client, "stripe_get", {"id": pct["id"], "kind": "coupon"})  # a coupon id has no prefix
        assert got["object"]["object"] == "coupon"


@pytest.mark.parametrize(("tool", "args", "field"), [
    ("stripe_create_price", {"product": "prod_x", "unit_amount": 100, "currency": "USD"}, "currency"),
    ("stripe_create_price", {"product": "prod_x", "unit_amount": 100, "currency": "dollars"}, "currency"),
    ("stripe_create_price", {"product": "prod_x", "unit_amount": -5, "currency": "usd"}, "unit_amount"),
    ("stripe_create_price", {"product": "price_x", "unit_amount": 5, "currency": "usd"}, "product"),
    ("stripe_create_coupon", {"percent_off": 120}, "percent_off"),
    ("stripe_create_coupon", {"amount_off": 500}, "currency"),
    ("stripe_create_coupon", {"percent_off": 10, "duration_in_months": 2}, "duration_in_months"),
    ("stripe_create_payment_intent", {"amount": 0, "currency": "usd"}, "amount"),
    ("stripe_create_payment_intent", {"amount": 100, "currency": "us"}, "currency"),
])
async def test_bad_input_is_rejected_before_any_call(stripe_sandbox, monkeypatch: pytest.MonkeyPatch, tool: str,
                                                     args: dict, field: str) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with mcp_client() as client:
        text = await fails(client, tool, args)
    assert f"{field}:" in text
    assert stripe_sandbox.stats()["requests"]["total"] == 0


async def test_unknown_product_comes_back_from_stripe(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with mcp_client() as client:
        text = await fails(client, "stripe_create_price", {"product": "prod_missing", "unit_amount": 100,
                                                           "currency": "usd"})
    assert "prod_missing" in text
    assert count(stripe_sandbox, "price") == 0
