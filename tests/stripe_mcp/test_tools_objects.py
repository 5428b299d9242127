"""stripe_get routes an id by its prefix; an unknown prefix is a clear error, and a coupon only when asked for."""

from __future__ import annotations

import pytest

from tests.stripe_mcp.stripe_support import api_for, catalog, fails, mcp_client, ok, paid_intent, use_sandbox


async def test_get_routes_by_prefix(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        _, monthly = await catalog(api, amount=900, interval="month")
        cus = await api.create_customer(email="routes@example.com")
        paid = await paid_intent(api, amount=1200, customer=cus["id"])
        sub = await api.create_subscription(customer=cus["id"], items=[{"price": monthly}],
                                            collection_method="send_invoice")
        draft = await api.create_invoice(customer=cus["id"])
        item = await api.add_invoice_item(draft["id"], amount=300, description="Extra")
        session = await api.create_checkout_session(customer=cus["id"], price=monthly,
                                                    success_url="https://example.com/ok")
    pm = paid["payment_method"]
    async with mcp_client() as client:
        for object_id, object_type in ((cus["id"], "customer"), (paid["id"], "payment_intent"),
                                       (paid["latest_charge"], "charge"), (sub["id"], "subscription"),
                                       (draft["id"], "invoice"), (item["id"], "invoiceitem"),
                                       (session["id"], "checkout.session"), (pm, "payment_method")):
            got = await ok(client, "stripe_get", {"id": object_id})
            assert got["object"]["id"] == object_id and got["object"]["object"] == object_type

        # ids the sandbox does not serve still go to their own endpoint, never to /v1/coupons
        si = sub["items"]["data"][0]["id"]
        for object_id, path in ((si, "/v1/subscription_items/"), ("txn_1abc", "/v1/balance_transactions/"),
                                ("inpay_1abc", "/v1/invoice_payments/")):
            text = await fails(client, "stripe_get", {"id": object_id})
            assert f"GET {path}{object_id}" in text

    by_route = stripe_sandbox.stats()["requests"]["by_route"]
    assert not any("coupons" in route for route in by_route)


async def test_unknown_prefix_and_coupons(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        coupon = await api.create_coupon(percent_off=20, name="Spring")
    requests = stripe_sandbox.stats()["requests"]["total"]
    async with mcp_client() as client:
        text = await fails(client, "stripe_get", {"id": "acct_1xyz"})
        assert "no known id prefix" in text and "si_ (subscription items)" in text and "kind='coupon'" in text
        assert stripe_sandbox.stats()["requests"]["total"] == requests  # refused before any call
        # a coupon id is not guessed: without a prefix it is looked up as a product name, which it is not
        text = await fails(client, "stripe_get", {"id": coupon["id"]})
        assert "no product named" in text and "no known id prefix" in text and "kind='coupon'" in text
        by_route = stripe_sandbox.stats()["requests"]["by_route"]
        assert not any(route.startswith("GET") and "coupons" in route for route in by_route)
        got = await ok(client, "stripe_get", {"id": coupon["id"], "kind": "coupon"})
        assert got["object"]["object"] == "coupon" and got["object"]["name"] == "Spring"
