"""End-to-end flows: paying a payment link, checkout sessions, subscription renewals, trials, failures."""

from __future__ import annotations

import stripe

from tests.stripe_mcp.conftest import SandboxHandle


async def _event_types(client: stripe.StripeClient, **params: object) -> list[str]:
    page = await client.v1.events.list_async(params={"limit": 100, **params})  # type: ignore[typeddict-item]
    return [e.type for e in reversed(page.data)]  # oldest first


async def test_paying_a_one_off_link_makes_session_customer_payment_and_events(
        stripe_sandbox: SandboxHandle, stripe_client: stripe.StripeClient) -> None:
    existing = await stripe_client.v1.customers.create_async(params={"email": "buyer@example.com"})
    prod = await stripe_client.v1.products.create_async(params={
        "name": "Audit", "default_price_data": {"currency": "usd", "unit_amount": 45000}})
    link = await stripe_client.v1.payment_links.create_async(params={
        "line_items": [{"price": prod.default_price, "quantity": 1}], "metadata": {"lead_id": "L-9"},
        "restrictions": {"completed_sessions": {"limit": 1}}})
    paid = stripe_sandbox.control(f"payment_links/{link.id}/pay", {"email": "buyer@example.com", "name": "B"})
    cs = paid["checkout_session"]
    assert cs["id"].startswith("cs_test_") and cs["payment_link"] == link.id and cs["mode"] == "payment"
    assert cs["customer"] == existing.id and cs["customer_details"]["email"] == "buyer@example.com"
    assert (cs["amount_total"], cs["currency"], cs["metadata"]) == (45000, "usd", {"lead_id": "L-9"})
    assert cs["status"] == "complete" and cs["payment_status"] == "paid"
    pi = await stripe_client.v1.payment_intents.retrieve_async(cs["payment_intent"])
    assert pi.status == "succeeded" and pi.amount_received == 45000 and pi.customer == existing.id
    charges = await stripe_client.v1.charges.list_async(params={"payment_intent": pi.id})
    assert [c.id for c in charges.data] == [pi.latest_charge] and charges.data[0].paid
    session = await stripe_client.v1.checkout.sessions.retrieve_async(cs["id"])
    assert session.payment_link == link.id
    listed = await stripe_client.v1.checkout.sessions.list_async(params={"payment_link": link.id})
    assert [s.id for s in listed.data] == [cs["id"]]
    assert stripe_sandbox.count("customer") == 1  # reused by email
    types = await _event_types(stripe_client)
    for expected in ("payment_link.created", "payment_intent.created", "charge.succeeded",
                     "payment_intent.succeeded", "checkout.session.completed", "payment_link.updated"):
        assert expected in types
    assert types.index("payment_intent.succeeded") < types.index("checkout.session.completed")
    assert not (await stripe_client.v1.payment_links.retrieve_async(link.id)).active  # limit 1 reached
    again = stripe_sandbox.control(f"payment_links/{link.id}/pay", {"email": "x@example.com"}, expect=400)
    assert again["error"]["type"] == "invalid_request_error"


async def test_paying_a_link_with_a_declined_card(stripe_sandbox: SandboxHandle,
                                                  stripe_client: stripe.StripeClient) -> None:
    price = await stripe_client.v1.prices.create_async(params={
        "currency": "usd", "unit_amount": 1200, "product_data": {"name": "Thing"}})
    link = await stripe_client.v1.payment_links.create_async(params={"line_items": [{"price": price.id,
                                                                                     "quantity": 3}]})
    declined = stripe_sandbox.control(f"payment_links/{link.id}/pay", {
        "email": "poor@example.com", "payment_method": "pm_card_chargeDeclinedInsufficientFunds"}, expect=402)
    assert declined["error"]["type"] == "card_error" and declined["error"]["decline_code"] == "insufficient_funds"
    types = await _event_types(stripe_client)
    assert "payment_intent.payment_failed" in types and "checkout.session.completed" not in types
    session = (await stripe_client.v1.checkout.sessions.list_async()).data[0]
    assert session.status == "open" and session.amount_total == 3600


async def test_paying_a_recurring_link_makes_a_subscription_and_invoice(
        stripe_sandbox: SandboxHandle, stripe_client: stripe.StripeClient) -> None:
    prod = await stripe_client.v1.products.create_async(params={"name": "Retainer", "default_price_data": {
        "currency": "usd", "unit_amount": 300000, "recurring": {"interval": "month"}}})
    link = await stripe_client.v1.payment_links.create_async(params={
        "line_items": [{"price": prod.default_price, "quantity": 1}], "metadata": {"deal": "D-1"},
        "subscription_data": {"metadata": {"deal": "D-1"}}})
    paid = stripe_sandbox.control(f"payment_links/{link.id}/pay", {"email": "client@example.com"})
    cs, sub, inv = paid["checkout_session"], paid["subscription"], paid["invoice"]
    assert cs["mode"] == "subscription" and cs["subscription"] == sub["id"] and cs["amount_total"] == 300000
    assert sub["status"] == "active" and sub["metadata"] == {"deal": "D-1"}
    assert sub["items"]["data"][0]["price"]["id"] == prod.default_price
    assert inv["status"] == "paid" and inv["amount_paid"] == 300000 and inv["billing_reason"] == "subscription_create"
    types = await _event_types(stripe_client)
    for expected in ("customer.created", "customer.subscription.created", "invoice.created", "invoice.finalized",
                     "invoice.paid", "invoice.payment_succeeded", "checkout.session.completed"):
        assert expected in types
    subs = await stripe_client.v1.subscriptions.list_async(params={"customer": cs["customer"]})
    assert [s.id for s in subs.data] == [sub["id"]]


async def test_renewal_failure_then_retry(stripe_sandbox: SandboxHandle, stripe_client: stripe.StripeClient) -> None:
    prod = await stripe_client.v1.products.create_async(params={"name": "Seat", "default_price_data": {
        "currency": "usd", "unit_amount": 5000, "recurring": {"interval": "month"}}})
    cus = await stripe_client.v1.customers.create_async(params={
        "email": "sub@example.com", "payment_method": "pm_card_visa",
        "invoice_settings": {"default_payment_method": "pm_card_visa"}})
    sub = await stripe_client.v1.subscriptions.create_async(params={
        "customer": cus.id, "items": [{"price": prod.default_price, "quantity": 2}]})
    assert sub.status == "active" and sub.latest_invoice
    stripe_sandbox.control(f"subscriptions/{sub.id}/fail_next_renewal", {})
    since = stripe_sandbox.control("clock")["now"]
    advanced = stripe_sandbox.control("advance_time", {"to": "renewal", "subscription": sub.id})
    period_end = sub["items"].data[0].current_period_end  # period fields live on the items (2025-03-31.basil)
    assert advanced["now"] >= period_end and advanced["events"]
    renewed = await stripe_client.v1.subscriptions.retrieve_async(sub.id)
    assert renewed.status == "past_due" and renewed["items"].data[0].current_period_start == period_end
    failed = await stripe_client.v1.invoices.retrieve_async(renewed.latest_invoice)
    assert failed.status == "open" and failed.attempt_count == 1 and failed.next_payment_attempt
    assert failed.billing_reason == "subscription_cycle" and failed.amount_due == 10000
    types = await _event_types(stripe_client, created={"gt": since})
    assert "invoice.payment_failed" in types and "customer.subscription.updated" in types
    assert "invoice.paid" not in types
    only_failed = await stripe_client.v1.events.list_async(params={"type": "invoice.payment_failed"})
    assert len(only_failed.data) == 1 and only_failed.data[0].data.object.id == failed.id
    stripe_sandbox.control("advance_time", {"seconds": 3 * 86400})  # the automatic retry succeeds
    assert (await stripe_client.v1.invoices.retrieve_async(failed.id)).status == "paid"
    assert (await stripe_client.v1.subscriptions.retrieve_async(sub.id)).status == "active"


async def test_trial_subscription_updates_and_cancellation(stripe_sandbox: SandboxHandle,
                                                           stripe_client: stripe.StripeClient) -> None:
    basic = await stripe_client.v1.prices.create_async(params={
        "currency": "usd", "unit_amount": 1000, "recurring": {"interval": "month"}, "product_data": {"name": "B"}})
    pro = await stripe_client.v1.prices.create_async(params={
        "currency": "usd", "unit_amount": 3000, "recurring": {"interval": "month"}, "product_data": {"name": "P"}})
    cus = await stripe_client.v1.customers.create_async(params={
        "email": "t@example.com", "payment_method": "pm_card_visa",
        "invoice_settings": {"default_payment_method": "pm_card_visa"}})
    sub = await stripe_client.v1.subscriptions.create_async(params={
        "customer": cus.id, "items": [{"price": basic.id}], "trial_period_days": 14})
    assert sub.status == "trialing" and sub.trial_end == sub["items"].data[0].current_period_end
    stripe_sandbox.control("advance_time", {"to": "trial_end", "subscription": sub.id})
    types = await _event_types(stripe_client)
    assert "customer.subscription.trial_will_end" in types
    sub = await stripe_client.v1.subscriptions.retrieve_async(sub.id)
    assert sub.status == "active"
    item = sub["items"].data[0]
    upgraded = await stripe_client.v1.subscriptions.update_async(sub.id, params={
        "items": [{"id": item.id, "price": pro.id}], "proration_behavior": "always_invoice"})
    assert upgraded["items"].data[0].price.id == pro.id
    proration = await stripe_client.v1.invoices.retrieve_async(upgraded.latest_invoice)
    assert proration.billing_reason == "subscription_update" and proration.status == "paid"
    assert all(line.parent.invoice_item_details.proration for line in proration.lines.data)
    assert 0 < proration.total <= 2000
    ending = await stripe_client.v1.subscriptions.update_async(sub.id, params={"cancel_at_period_end": True})
    assert ending.cancel_at_period_end and ending.cancel_at == ending["items"].data[0].current_period_end
    stripe_sandbox.control("advance_time", {"to": "renewal", "subscription": sub.id})
    assert (await stripe_client.v1.subscriptions.retrieve_async(sub.id)).status == "canceled"
    assert "customer.subscription.deleted" in await _event_types(stripe_client)
    other = await stripe_client.v1.subscriptions.create_async(params={"customer": cus.id,
                                                                      "items": [{"price": basic.id}]})
    canceled = await stripe_client.v1.subscriptions.cancel_async(other.id)
    assert canceled.status == "canceled" and canceled.ended_at
    active = await stripe_client.v1.subscriptions.list_async(params={"customer": cus.id})
    assert active.data == []
    ended = await stripe_client.v1.subscriptions.list_async(params={"customer": cus.id, "status": "canceled"})
    assert {s.id for s in ended.data} == {sub.id, other.id}


async def test_checkout_session_for_a_known_customer(stripe_sandbox: SandboxHandle,
                                                     stripe_client: stripe.StripeClient) -> None:
    cus = await stripe_client.v1.customers.create_async(params={"email": "known@example.com"})
    price = await stripe_client.v1.prices.create_async(params={
        "currency": "usd", "unit_amount": 2500, "recurring": {"interval": "month"}, "product_data": {"name": "S"}})
    session = await stripe_client.v1.checkout.sessions.create_async(params={
        "mode": "subscription", "customer": cus.id, "line_items": [{"price": price.id, "quantity": 1}],
        "success_url": "https://example.com/ok", "metadata": {"deal": "D-2"},
        "subscription_data": {"trial_period_days": 7}})
    assert session.status == "open" and session.customer == cus.id and session.url
    done = stripe_sandbox.control(f"checkout/sessions/{session.id}/complete", {})
    assert done["checkout_session"]["status"] == "complete" and done["subscription"]["status"] == "trialing"
    assert done["checkout_session"]["payment_status"] == "no_payment_required"
    items = await stripe_client.v1.checkout.sessions.line_items.list_async(session.id)
    assert items.data[0].price.id == price.id
    payment = await stripe_client.v1.checkout.sessions.create_async(params={
        "mode": "payment", "customer": cus.id, "success_url": "https://example.com/ok",
        "line_items": [{"price_data": {"currency": "usd", "unit_amount": 999, "product_data": {"name": "One"}},
                        "quantity": 1}]})
    expired = await stripe_client.v1.checkout.sessions.expire_async(payment.id)
    assert expired.status == "expired"
    with_stranger = stripe_sandbox.control_response(f"checkout/sessions/{payment.id}/complete", {})
    assert with_stranger.status_code == 400
