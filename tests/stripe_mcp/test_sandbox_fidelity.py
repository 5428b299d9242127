"""The sandbox at Stripe's edges: webhook payloads at the pinned API version (and no other), subscriptions created
the way real Stripe allows, unknown nested parameters, search syntax and freshness, invoices in another currency."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import stripe

from stripe_mcp.sandbox.runtime import API_VERSION
from tests.stripe_mcp.conftest import SandboxHandle, wait_for
from tests.stripe_mcp.test_sandbox_webhooks import Receiver, receiver  # noqa: F401 - the fixture

REMOVED_INVOICE_FIELDS = {"subscription", "payment_intent", "charge", "paid", "paid_out_of_band", "discount"}


def raw(sandbox: SandboxHandle, method: str, path: str, data: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.request(method, sandbox.url + path, data=data if method == "POST" else None,
                         params=data if method != "POST" else None, timeout=30,
                         headers={"Authorization": f"Bearer {sandbox.api_key}", **(headers or {})})


def test_sdk_and_sandbox_agree_on_the_version() -> None:
    assert stripe.api_version == API_VERSION


def test_webhook_payloads_have_the_pinned_shapes(stripe_sandbox: SandboxHandle, receiver: Receiver) -> None:
    old = raw(stripe_sandbox, "POST", "/v1/webhook_endpoints", {"url": receiver.url, "enabled_events[0]": "*",
                                                                 "api_version": "2024-06-20"})
    assert old.status_code == 400 and API_VERSION in old.json()["error"]["message"]
    assert old.json()["error"]["param"] == "api_version"
    pinned = raw(stripe_sandbox, "POST", "/v1/customers", headers={"Stripe-Version": "2024-06-20"})
    assert pinned.status_code == 400  # a request pinned to an older version is not answered in the wrong shapes
    we = raw(stripe_sandbox, "POST", "/v1/webhook_endpoints", {"url": receiver.url, "enabled_events[0]": "*",
                                                                "api_version": API_VERSION}).json()
    assert we["api_version"] == API_VERSION
    price = raw(stripe_sandbox, "POST", "/v1/prices", {"currency": "usd", "unit_amount": "1500",
                                                       "recurring[interval]": "month",
                                                       "product_data[name]": "Growth"}).json()
    link = raw(stripe_sandbox, "POST", "/v1/payment_links", {"line_items[0][price]": price["id"],
                                                             "line_items[0][quantity]": "1"}).json()
    bought = stripe_sandbox.control(f"payment_links/{link['id']}/pay", {"email": "buyer@example.com"})
    sub_id, inv_id = bought["subscription"]["id"], bought["invoice"]["id"]
    stripe_sandbox.control("webhooks/drain", {})

    def delivered() -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for body, header in receiver.received:
            event = stripe.Webhook.construct_event(body, header, we["secret"])
            out.setdefault(event.type, []).append(json.loads(body))
        return out

    events = wait_for(lambda: (d := delivered()) and "invoice_payment.paid" in d and "invoice.paid" in d and d)
    assert {e["api_version"] for kind in events.values() for e in kind} == {API_VERSION}
    invoice = events["invoice.paid"][0]["data"]["object"]
    assert not REMOVED_INVOICE_FIELDS & set(invoice)
    assert invoice["parent"]["subscription_details"]["subscription"] == sub_id and invoice["amount_paid"] == 1500
    [line] = invoice["lines"]["data"]
    assert line["parent"]["type"] == "subscription_item_details" and "type" not in line and "price" not in line
    assert line["parent"]["subscription_item_details"]["subscription"] == sub_id
    paid = events["invoice_payment.paid"][0]["data"]["object"]
    pi = events["payment_intent.succeeded"][0]["data"]["object"]
    assert paid["invoice"] == inv_id and paid["payment"] == {"payment_intent": pi["id"], "type": "payment_intent"}
    assert paid["status"] == "paid" and paid["amount_paid"] == 1500
    assert "invoice" not in pi and "invoice" not in events["charge.succeeded"][0]["data"]["object"]
    assert "refunds" not in events["charge.succeeded"][0]["data"]["object"]
    subscription = events["customer.subscription.created"][0]["data"]["object"]
    assert "current_period_end" not in subscription and subscription["items"]["data"][0]["current_period_end"]


async def test_subscription_needs_a_payment_method_like_stripe(stripe_client: stripe.StripeClient) -> None:
    price = await stripe_client.v1.prices.create_async(params={
        "currency": "usd", "unit_amount": 2000, "recurring": {"interval": "month"}, "product_data": {"name": "P"}})
    cus = await stripe_client.v1.customers.create_async(params={"email": "nopm@example.com",
                                                                "payment_method": "pm_card_visa"})  # attached only
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await stripe_client.v1.subscriptions.create_async(params={"customer": cus.id, "items": [{"price": price.id}]})
    assert refused.value.http_status == 400 and refused.value.code == "resource_missing"
    assert "no attached payment source or default payment method" in str(refused.value.user_message)
    listed = await stripe_client.v1.subscriptions.list_async(params={"customer": cus.id, "status": "all"})
    assert listed.data == []  # nothing was created

    trial = await stripe_client.v1.subscriptions.create_async(params={
        "customer": cus.id, "items": [{"price": price.id}], "trial_period_days": 7})
    assert trial.status == "trialing" and trial.trial_end == trial["items"].data[0].current_period_end

    invoiced = await stripe_client.v1.subscriptions.create_async(params={
        "customer": cus.id, "items": [{"price": price.id}], "collection_method": "send_invoice",
        "days_until_due": 14, "expand": ["latest_invoice"]})
    first = invoiced.latest_invoice
    assert invoiced.status == "active" and first.status == "open" and first.collection_method == "send_invoice"
    assert first.due_date == first.status_transitions.finalized_at + 14 * 86400


async def test_default_incomplete_then_the_buyer_pays(stripe_sandbox: SandboxHandle,
                                                      stripe_client: stripe.StripeClient) -> None:
    price = await stripe_client.v1.prices.create_async(params={
        "currency": "usd", "unit_amount": 3000, "recurring": {"interval": "month"}, "product_data": {"name": "P"}})
    cus = await stripe_client.v1.customers.create_async(params={"email": "later@example.com"})
    sub = await stripe_client.v1.subscriptions.create_async(params={
        "customer": cus.id, "items": [{"price": price.id}], "payment_behavior": "default_incomplete",
        "payment_settings": {"save_default_payment_method": "on_subscription"},
        "expand": ["latest_invoice.confirmation_secret", "latest_invoice.payments"]})
    invoice = sub.latest_invoice
    assert sub.status == "incomplete" and invoice.status == "open" and invoice.amount_due == 3000
    secret = invoice.confirmation_secret
    assert secret.type == "payment_intent" and secret.client_secret
    pi_id = invoice.payments.data[0].payment.payment_intent
    assert secret.client_secret.startswith(pi_id + "_secret_")
    paid_pi = await stripe_client.v1.payment_intents.confirm_async(pi_id, params={"payment_method": "pm_card_visa"})
    assert paid_pi.status == "succeeded"
    after = await stripe_client.v1.subscriptions.retrieve_async(sub.id)
    assert after.status == "active" and after.default_payment_method == paid_pi.payment_method
    assert (await stripe_client.v1.invoices.retrieve_async(invoice.id)).status == "paid"
    payments = await stripe_client.v1.invoice_payments.list_async(params={"invoice": invoice.id})
    assert [(p.status, p.amount_paid) for p in payments.data] == [("paid", 3000)]
    by_intent = await stripe_client.v1.invoice_payments.list_async(params={
        "payment": {"type": "payment_intent", "payment_intent": pi_id}})
    assert [p.invoice for p in by_intent.data] == [invoice.id]
    kinds = [e.type for e in (await stripe_client.v1.events.list_async(params={"limit": 100})).data]
    assert "invoice_payment.paid" in kinds and "invoice.paid" in kinds


def test_unknown_nested_parameters_are_rejected(stripe_sandbox: SandboxHandle) -> None:
    bad = raw(stripe_sandbox, "POST", "/v1/prices", {"currency": "usd", "unit_amount": "100",
                                                     "product_data[name]": "X", "recurring[interval]": "month",
                                                     "recurring[foo]": "1"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "parameter_unknown" and bad.json()["error"]["param"] == "recurring[foo]"
    in_list = raw(stripe_sandbox, "POST", "/v1/payment_links", {"line_items[0][price]": "price_x",
                                                                "line_items[0][quantity]": "1",
                                                                "line_items[0][colour]": "red"})
    assert in_list.json()["error"]["param"] == "line_items[0][colour]"
    ok = raw(stripe_sandbox, "POST", "/v1/prices", {"currency": "usd", "unit_amount": "100",
                                                    "product_data[name]": "X", "metadata[anything_goes]": "yes",
                                                    "product_data[metadata][free]": "form"})
    assert ok.status_code == 200 and ok.json()["metadata"] == {"anything_goes": "yes"}


def test_search_syntax_and_freshness(stripe_sandbox: SandboxHandle) -> None:
    for name, email in (("Ada Doe", "ada@example.com"), ("Bob Doe", "bob@example.com"), ("Cy Roe", "cy@example.com")):
        raw(stripe_sandbox, "POST", "/v1/customers", {"name": name, "email": email})

    def names(query: str) -> list[str]:
        resp = raw(stripe_sandbox, "GET", "/v1/customers/search", {"query": query})
        assert resp.status_code == 200, resp.text
        return sorted(c["name"] for c in resp.json()["data"])

    assert names("name~'Doe'") == []  # just created: not searchable yet (Stripe: "in under 1 minute")
    assert len(raw(stripe_sandbox, "GET", "/v1/customers").json()["data"]) == 3  # lists are read-after-write
    stripe_sandbox.control("config", {"search_lag_seconds": 0})
    assert names("name~'Doe' email:'ada@example.com'") == ["Ada Doe"]  # a space joins clauses with AND
    assert names("name~'Doe' and -email:'ada@example.com'") == ["Bob Doe"]
    assert names("email:'ada@example.com' or email:'cy@example.com'") == ["Ada Doe", "Cy Roe"]
    mixed = raw(stripe_sandbox, "GET", "/v1/customers/search", {"query": "name~'Doe' AND email:'x' or name:'y'"})
    assert mixed.status_code == 400
    assert stripe_sandbox.control("config")["search_lag_seconds"] == 0


async def test_invoice_in_another_currency_than_the_customer(stripe_client: stripe.StripeClient) -> None:
    cus = await stripe_client.v1.customers.create_async(params={
        "email": "multi@example.com", "payment_method": "pm_card_visa",
        "invoice_settings": {"default_payment_method": "pm_card_visa"}})
    usd = await stripe_client.v1.invoices.create_async(params={"customer": cus.id, "currency": "usd"})
    await stripe_client.v1.invoice_items.create_async(params={"customer": cus.id, "invoice": usd.id, "amount": 900})
    await stripe_client.v1.invoices.pay_async(usd.id)
    assert (await stripe_client.v1.customers.retrieve_async(cus.id)).currency == "usd"
    eur = await stripe_client.v1.invoices.create_async(params={"customer": cus.id, "currency": "eur"})
    assert eur.currency == "eur"
    item = await stripe_client.v1.invoice_items.create_async(params={"customer": cus.id, "invoice": eur.id,
                                                                     "amount": 4200, "description": "Workshop"})
    assert item.currency == "eur"
    paid = await stripe_client.v1.invoices.pay_async(eur.id)
    assert paid.status == "paid" and paid.currency == "eur" and paid.amount_paid == 4200
