"""Subscriptions (create, list by customer and status, change with proration, cancel gated) and invoices."""

from __future__ import annotations

import pytest

from tests.stripe_mcp.stripe_support import api_for, catalog, fails, mcp_client, ok, text_of, use_sandbox


async def test_subscription_lifecycle(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        _, basic = await catalog(api, amount=2000, interval="month")
        _, pro = await catalog(api, amount=5000, interval="month")
        cus = await api.create_customer(email="sub@example.com")
        other = await api.create_customer(email="other@example.com")
    async with mcp_client() as client:
        sub = (await ok(client, "stripe_create_subscription", {
            "customer": cus["id"], "items": [{"price": basic, "quantity": 2}],
            "collection_method": "send_invoice", "metadata": {"deal": "d9"}}))["object"]
        assert sub["status"] == "active" and sub["items"][0]["price"] == basic and sub["items"][0]["quantity"] == 2
        await ok(client, "stripe_create_subscription", {
            "customer": other["id"], "items": [{"price": pro}], "collection_method": "send_invoice"})

        mine = await ok(client, "stripe_list", {"kind": "subscriptions", "related_to": cus["id"], "status": "active"})
        assert [s["id"] for s in mine["items"]] == [sub["id"]]
        by_price = await ok(client, "stripe_list", {"kind": "subscriptions", "related_to": pro})
        assert len(by_price["items"]) == 1 and by_price["items"][0]["customer"] == other["id"]

        changed = (await ok(client, "stripe_update_subscription", {
            "subscription": sub["id"], "items": [{"price": pro, "quantity": 1}],
            "proration_behavior": "none"}))["object"]
        assert [(i["price"], i["quantity"]) for i in changed["items"]] == [(pro, 1)]  # replaced, not added

        preview = await ok(client, "stripe_cancel_subscription", {"subscription": sub["id"]})
        assert preview["executed"] is False and "would cancel" in preview["preview"]
        assert (await ok(client, "stripe_get", {"id": sub["id"]}))["object"]["status"] == "active"

        later = (await ok(client, "stripe_cancel_subscription", {
            "subscription": sub["id"], "at_period_end": True, "confirm": True}))["object"]
        assert later["cancel_at_period_end"] is True and later["status"] == "active"
        now = (await ok(client, "stripe_cancel_subscription", {"subscription": sub["id"], "confirm": True}))
        assert now["object"]["status"] == "canceled"
        canceled = await ok(client, "stripe_list", {"kind": "subscriptions", "status": "canceled"})
        assert [s["id"] for s in canceled["items"]] == [sub["id"]]
        text = await fails(client, "stripe_update_subscription", {"subscription": "sub_missing",
                                                                  "metadata": {"a": "b"}})
        assert "sub_missing" in text


async def test_invoice_create_add_lines_and_finalize(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        _, price = await catalog(api, amount=1999)
        cus = await api.create_customer(email="inv@example.com")
    async with mcp_client() as client:
        draft = (await ok(client, "stripe_create_invoice", {
            "customer": cus["id"], "items": [{"price": price, "quantity": 2}], "days_until_due": 14,
            "metadata": {"deal": "d1"}}))["object"]
        assert draft["status"] == "draft" and draft["total"] == 3998
        more = (await ok(client, "stripe_create_invoice", {
            "invoice": draft["id"], "items": [{"amount": 500, "description": "Onboarding"}],
            "finalize": True}))["object"]
        assert more["id"] == draft["id"] and more["status"] == "open" and more["total"] == 4498
        assert more["number"] and more["hosted_invoice_url"]
        items = await ok(client, "stripe_list", {"kind": "invoice_items", "related_to": draft["id"]})
        assert sorted(i["amount"] for i in items["items"]) == [500, 3998]

        listed = await ok(client, "stripe_list", {"kind": "invoices", "related_to": cus["id"], "status": "open"})
        assert [i["id"] for i in listed["items"]] == [draft["id"]]

        text = await fails(client, "stripe_create_invoice", {"invoice": draft["id"], "items": [{"price": price}]})
        assert "draft" in text
        drafts_before = stripe_sandbox.count("invoice")
        text = await fails(client, "stripe_create_invoice", {"customer": cus["id"], "items": [{"amount": 100}]})
        assert "items[0]" in text and "description" in text
        text = await fails(client, "stripe_create_invoice", {"customer": cus["id"], "items": [
            {"price": price}, {"price": price, "amount": 5, "description": "x"}]})
        assert "items[1]" in text
        assert stripe_sandbox.count("invoice") == drafts_before  # rejected before anything was created
        text = await fails(client, "stripe_create_invoice", {"items": [{"price": price}]})
        assert "customer:" in text


async def test_invoice_in_another_currency_than_the_customers(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        _, usd = await catalog(api, amount=1000, currency="usd")
        _, eur = await catalog(api, amount=4000, currency="eur")
        cus = await api.create_customer(email="two-currencies@example.com")
    async with mcp_client() as client:
        first = (await ok(client, "stripe_create_invoice", {"customer": cus["id"], "items": [{"price": usd}]}))
        assert first["object"]["currency"] == "usd"  # the customer's currency is usd from now on
        euro = await ok(client, "stripe_create_invoice", {"customer": cus["id"], "items": [{"price": eur}],
                                                           "finalize": True})
        assert euro["object"]["currency"] == "eur" and euro["object"]["total"] == 4000
        given = await ok(client, "stripe_create_invoice", {"customer": cus["id"], "currency": "gbp", "items": [
            {"amount": 700, "description": "Consulting"}]})
        assert given["object"]["currency"] == "gbp" and given["object"]["total"] == 700


async def test_subscription_without_a_saved_card(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """default_incomplete, send_invoice and a trial each start a subscription for a customer with no card, and the
    result says what the buyer must do next."""
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        _, monthly = await catalog(api, amount=2500, interval="month")
        cus = await api.create_customer(email="nocard@example.com")
    async with mcp_client() as client:
        result = await client.call_tool("stripe_create_subscription", {
            "customer": cus["id"], "items": [{"price": monthly}], "payment_behavior": "default_incomplete"})
        assert not result.is_error, text_of(result)
        sub = result.structured_content["object"]
        assert sub["status"] == "incomplete"
        text = text_of(result)
        invoice = await ok(client, "stripe_get", {"id": sub["latest_invoice"]})
        assert "must pay the first invoice" in text and sub["latest_invoice"] in text and "$25.00" in text
        assert invoice["object"]["hosted_invoice_url"] in text

        emailed = await client.call_tool("stripe_create_subscription", {
            "customer": cus["id"], "items": [{"price": monthly}], "collection_method": "send_invoice",
            "days_until_due": 7})
        assert emailed.structured_content["object"]["collection_method"] == "send_invoice"
        assert "the buyer pays it at http" in text_of(emailed) and "$25.00" in text_of(emailed)
        due = await ok(client, "stripe_get", {"id": emailed.structured_content["object"]["latest_invoice"]})
        assert due["object"]["due_date"] - due["object"]["created"] == 7 * 86400

        trial = await client.call_tool("stripe_create_subscription", {
            "customer": cus["id"], "items": [{"price": monthly}], "trial_period_days": 14})
        assert trial.structured_content["object"]["status"] == "trialing"
        assert "Trial until" in text_of(trial) and "nothing is charged" in text_of(trial)


async def test_charge_automatically_without_a_card_is_refused(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        _, monthly = await catalog(api, amount=2500, interval="month")
        cus = await api.create_customer(email="nocard@example.com")
    async with mcp_client() as client:
        text = await fails(client, "stripe_create_subscription", {"customer": cus["id"], "items": [{"price": monthly}]})
    assert "400" in text and "no subscription was created" in text and "default_incomplete" in text
    assert stripe_sandbox.count("subscription") == 0
