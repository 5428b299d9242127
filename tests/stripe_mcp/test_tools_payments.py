"""Payment links, checkout sessions, payment intents and a customer's payment history."""

from __future__ import annotations

import pytest

from tests.stripe_mcp.stripe_support import api_for, catalog, count, fails, mcp_client, ok, paid_intent, use_sandbox


async def test_payment_link_lifecycle(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        product, price = await catalog(api, amount=2500)
        other_product, _ = await catalog(api)
    async with mcp_client() as client:
        link = (await ok(client, "stripe_create_payment_link", {
            "price": price, "quantity": 2, "product": product, "metadata": {"lead_id": "42"},
            "redirect_url": "https://example.com/thanks", "max_completed_sessions": 1}))["object"]
        assert link["url"].startswith("http") and link["active"] is True
        assert link["metadata"] == {"lead_id": "42"}
        assert link["redirect_url"] == "https://example.com/thanks" and link["max_completed_sessions"] == 1
        stored = (await ok(client, "stripe_get", {"id": link["id"]}))["object"]
        assert stored["payment_intent_data"]["metadata"] == {"lead_id": "42"}  # traceable payment

        text = await fails(client, "stripe_create_payment_link", {"price": price, "product": other_product})
        assert "price:" in text and product in text and other_product in text
        assert count(stripe_sandbox, "payment_link") == 1

        listed = await ok(client, "stripe_list", {"kind": "payment_links", "active": True})
        assert [x["id"] for x in listed["items"]] == [link["id"]]

        # confirm gating: a preview and no write
        before = stripe_sandbox.stats()["requests"]["by_route"]
        preview = await ok(client, "stripe_delete", {"id": link["id"]})  # a link is deactivated, not deleted
        assert preview["executed"] is False and "would deactivate" in preview["preview"]
        after = stripe_sandbox.stats()["requests"]["by_route"]
        assert not any(k.startswith("POST") and after[k] != before.get(k) for k in after)
        assert (await ok(client, "stripe_get", {"id": link["id"]}))["object"]["active"] is True

        done = await ok(client, "stripe_delete", {"id": link["id"], "confirm": True})
        assert done["executed"] is True and done["object"]["active"] is False
        assert (await ok(client, "stripe_list", {"kind": "payment_links", "active": True}))["items"] == []


async def test_payment_link_for_a_recurring_price_tags_the_subscription(stripe_sandbox,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        _, price = await catalog(api, amount=4900, interval="month")
    async with mcp_client() as client:
        link = (await ok(client, "stripe_create_payment_link", {"price": price, "metadata": {"lead_id": "7"}}))
        paid = stripe_sandbox.control(f"payment_links/{link['object']['id']}/pay",
                                      {"email": "sub@example.com", "payment_method": "pm_card_visa"})
        sub = (await ok(client, "stripe_get", {"id": paid["subscription"]["id"]}))["object"]
        assert sub["metadata"] == {"lead_id": "7"}


async def test_a_link_for_a_known_customer_is_a_checkout_session(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        _, price = await catalog(api, amount=1200)
        _, monthly = await catalog(api, amount=3000, interval="month")
        cus = await api.create_customer(email="buyer@example.com")
    async with mcp_client() as client:
        cs = (await ok(client, "stripe_create_payment_link", {
            "customer": cus["id"], "price": price, "quantity": 3, "redirect_url": "https://example.com/ok",
            "metadata": {"deal": "d1"}}))["object"]
        assert cs["customer"] == cus["id"] and cs["mode"] == "payment" and cs["amount_total"] == 3600
        assert cs["url"] and cs["metadata"] == {"deal": "d1"}
        assert cs["object"] == "checkout.session" and cs["customer_email"] == "buyer@example.com"
        sub_cs = (await ok(client, "stripe_create_payment_link", {
            "customer": cus["id"], "price": monthly, "redirect_url": "https://example.com/ok"}))["object"]
        assert sub_cs["mode"] == "subscription"
        text = await fails(client, "stripe_create_payment_link", {
            "customer": cus["id"], "price": price, "redirect_url": "not a url"})
        assert "redirect_url:" in text
        text = await fails(client, "stripe_create_payment_link", {"customer": cus["id"], "price": price})
        assert "redirect_url:" in text and "needed with customer" in text
    assert count(stripe_sandbox, "checkout.session") == 2


async def test_payment_intents_and_history(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        cus = await api.create_customer(email="payer@example.com")
        paid = await paid_intent(api, amount=5000, customer=cus["id"])
    async with mcp_client() as client:
        pi = (await ok(client, "stripe_create_payment_intent", {
            "amount": 1999, "currency": "eur", "customer": cus["id"], "metadata": {"order": "o-1"}}))["object"]
        assert pi["status"] == "requires_payment_method" and pi["amount"] == 1999 and pi["currency"] == "eur"
        listed = await ok(client, "stripe_list", {"kind": "payment_intents", "related_to": cus["id"]})
        assert [x["id"] for x in listed["items"]] == [pi["id"], paid["id"]]
        got = await ok(client, "stripe_get", {"id": paid["id"]})
        assert got["object"]["status"] == "succeeded" and got["object"]["latest_charge"]

        inv = await ok(client, "stripe_create_invoice", {"customer": cus["id"], "items": [
            {"amount": 700, "description": "Setup"}], "currency": "usd"})
        history = await ok(client, "stripe_payment_history", {"customer": cus["id"]})
        kinds = [(e["type"], e["id"]) for e in history["entries"]]
        assert ("payment_intent", paid["id"]) in kinds and ("payment_intent", pi["id"]) in kinds
        assert ("invoice", inv["object"]["id"]) in kinds
        created = [e["created"] for e in history["entries"]]
        assert created == sorted(created, reverse=True)
        charges = await ok(client, "stripe_list", {"kind": "charges", "related_to": paid["id"]})
        assert [c["amount"] for c in charges["items"]] == [5000]
        text = await fails(client, "stripe_payment_history", {"customer": "cus_unknown"})
        assert "cus_unknown" in text
