"""Invoices and invoice items, refunds, the balance, coupons and disputes through the SDK."""

from __future__ import annotations

import pytest
import stripe

from tests.stripe_mcp.conftest import SandboxHandle


async def _paid_intent(client: stripe.StripeClient, amount: int, customer: str | None = None) -> stripe.PaymentIntent:
    params = {"amount": amount, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    if customer:
        params["customer"] = customer
    return await client.v1.payment_intents.create_async(params=params)  # type: ignore[arg-type]


async def test_invoice_lifecycle(stripe_client: stripe.StripeClient) -> None:
    cus = await stripe_client.v1.customers.create_async(params={
        "email": "inv@example.com", "payment_method": "pm_card_visa",
        "invoice_settings": {"default_payment_method": "pm_card_visa"}})
    coupon = await stripe_client.v1.coupons.create_async(params={"percent_off": 10, "duration": "once"})
    assert coupon.valid and coupon.percent_off == 10
    invoice = await stripe_client.v1.invoices.create_async(params={
        "customer": cus.id, "discounts": [{"coupon": coupon.id}], "metadata": {"deal": "D-3"}})
    assert invoice.status == "draft" and invoice.number is None
    item = await stripe_client.v1.invoice_items.create_async(params={
        "customer": cus.id, "invoice": invoice.id, "amount": 20000, "currency": "usd", "description": "Setup"})
    assert item.id.startswith("ii_") and item.invoice == invoice.id
    price = await stripe_client.v1.prices.create_async(params={"currency": "usd", "unit_amount": 5000,
                                                               "product_data": {"name": "Hours"}})
    await stripe_client.v1.invoice_items.create_async(params={
        "customer": cus.id, "invoice": invoice.id, "pricing": {"price": price.id}, "quantity": 2})
    final = await stripe_client.v1.invoices.finalize_invoice_async(invoice.id)
    assert final.status == "open" and final.number and final.subtotal == 30000 and final.total == 27000
    paid = await stripe_client.v1.invoices.pay_async(invoice.id)
    assert paid.status == "paid" and paid.amount_paid == 27000 and paid.amount_remaining == 0
    lines = await stripe_client.v1.invoices.line_items.list_async(invoice.id)
    assert len(lines.data) == 2
    listed = await stripe_client.v1.invoices.list_async(params={"customer": cus.id, "status": "paid"})
    assert [i.id for i in listed.data] == [invoice.id]
    with pytest.raises(stripe.InvalidRequestError):
        await stripe_client.v1.invoice_items.create_async(params={
            "customer": cus.id, "invoice": invoice.id, "amount": 100, "currency": "usd"})
    types = [e.type for e in (await stripe_client.v1.events.list_async(params={"type": "invoice.*"})).data]
    assert set(types) >= {"invoice.created", "invoice.finalized", "invoice.paid", "invoice.payment_succeeded"}


async def test_invoice_payment_decline_and_out_of_band(stripe_client: stripe.StripeClient) -> None:
    cus = await stripe_client.v1.customers.create_async(params={
        "email": "declined@example.com", "payment_method": "pm_card_chargeDeclined",
        "invoice_settings": {"default_payment_method": "pm_card_chargeDeclined"}})
    invoice = await stripe_client.v1.invoices.create_async(params={"customer": cus.id})
    await stripe_client.v1.invoice_items.create_async(params={"customer": cus.id, "invoice": invoice.id,
                                                              "amount": 1000, "currency": "usd"})
    with pytest.raises(stripe.CardError):
        await stripe_client.v1.invoices.pay_async(invoice.id)
    failed = await stripe_client.v1.invoices.retrieve_async(invoice.id)
    assert failed.status == "open" and failed.attempt_count == 1
    events = await stripe_client.v1.events.list_async(params={"type": "invoice.payment_failed"})
    assert events.data[0].data.object.id == invoice.id
    paid = await stripe_client.v1.invoices.pay_async(invoice.id, params={"paid_out_of_band": True})
    assert paid.status == "paid" and paid.amount_paid == 1000 and "paid_out_of_band" not in paid  # gone in basil


async def test_refunds_and_balance(stripe_client: stripe.StripeClient) -> None:
    first = await _paid_intent(stripe_client, 10000)
    second = await _paid_intent(stripe_client, 4000)
    balance = await stripe_client.v1.balance.retrieve_async()
    assert [(b.currency, b.amount) for b in balance.available] == [("usd", 14000)]
    partial = await stripe_client.v1.refunds.create_async(params={"payment_intent": first.id, "amount": 2500})
    assert partial.id.startswith("re_") and partial.status == "succeeded" and partial.charge == first.latest_charge
    charge = await stripe_client.v1.charges.retrieve_async(first.latest_charge)
    assert charge.amount_refunded == 2500 and not charge.refunded
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        await stripe_client.v1.refunds.create_async(params={"charge": charge.id, "amount": 9000})
    assert too_much.value.param == "amount"
    full = await stripe_client.v1.refunds.create_async(params={"charge": second.latest_charge})
    assert full.amount == 4000
    assert (await stripe_client.v1.charges.retrieve_async(second.latest_charge)).refunded
    balance = await stripe_client.v1.balance.retrieve_async()
    assert balance.available[0].amount == 7500
    refunded = await stripe_client.v1.events.list_async(params={"type": "charge.refunded"})
    assert len(refunded.data) == 2 and refunded.data[0].data.previous_attributes.amount_refunded == 0
    listed = await stripe_client.v1.refunds.list_async(params={"payment_intent": first.id})
    assert [r.id for r in listed.data] == [partial.id]


async def test_payment_intents_confirm_and_list_by_customer(stripe_client: stripe.StripeClient) -> None:
    cus = await stripe_client.v1.customers.create_async(params={"email": "pi@example.com"})
    pi = await stripe_client.v1.payment_intents.create_async(params={"amount": 5000, "currency": "usd",
                                                                     "customer": cus.id, "metadata": {"k": "v"}})
    assert pi.status == "requires_payment_method" and pi.client_secret.startswith(pi.id)
    with pytest.raises(stripe.CardError) as declined:
        await stripe_client.v1.payment_intents.confirm_async(pi.id, params={
            "payment_method": "pm_card_visa_chargeDeclined"})
    assert declined.value.error.decline_code == "generic_decline"
    ok = await stripe_client.v1.payment_intents.confirm_async(pi.id, params={"payment_method": "pm_card_visa"})
    assert ok.status == "succeeded"
    await _paid_intent(stripe_client, 700)
    mine = await stripe_client.v1.payment_intents.list_async(params={"customer": cus.id})
    assert [p.id for p in mine.data] == [pi.id]
    charges = await stripe_client.v1.charges.list_async(params={"customer": cus.id})
    assert sorted(c.status for c in charges.data) == ["failed", "succeeded"]


async def test_coupons(stripe_client: stripe.StripeClient) -> None:
    amount = await stripe_client.v1.coupons.create_async(params={
        "amount_off": 500, "currency": "usd", "duration": "repeating", "duration_in_months": 3, "name": "Five"})
    named = await stripe_client.v1.coupons.create_async(params={"id": "WELCOME", "percent_off": 15})
    assert named.id == "WELCOME" and amount.duration_in_months == 3
    assert [c.id for c in (await stripe_client.v1.coupons.list_async()).data] == ["WELCOME", amount.id]
    with pytest.raises(stripe.InvalidRequestError):
        await stripe_client.v1.coupons.create_async(params={"amount_off": 500})  # no currency
    with pytest.raises(stripe.InvalidRequestError):
        await stripe_client.v1.coupons.create_async(params={"percent_off": 10, "amount_off": 5, "currency": "usd"})


async def test_disputes(stripe_sandbox: SandboxHandle, stripe_client: stripe.StripeClient) -> None:
    pi = await _paid_intent(stripe_client, 8000)
    opened = stripe_sandbox.control(f"charges/{pi.latest_charge}/dispute", {"reason": "product_not_received"})
    dp_id = opened["dispute"]["id"]
    assert dp_id.startswith("dp_") and opened["dispute"]["status"] == "needs_response"
    assert (await stripe_client.v1.balance.retrieve_async()).available[0].amount == 0
    listed = await stripe_client.v1.disputes.list_async(params={"charge": pi.latest_charge})
    assert [d.id for d in listed.data] == [dp_id]
    staged = await stripe_client.v1.disputes.update_async(dp_id, params={
        "evidence": {"uncategorized_text": "Delivered on time"}, "metadata": {"case": "7"}, "submit": False})
    assert staged.status == "needs_response" and staged.evidence.uncategorized_text == "Delivered on time"
    more = await stripe_client.v1.disputes.update_async(dp_id, params={"evidence": {"customer_name": "Ada"}})
    assert more.status == "needs_response" and more.evidence_details.submission_count == 0  # submit defaults false
    submitted = await stripe_client.v1.disputes.update_async(dp_id, params={"submit": True})  # staged evidence
    assert submitted.status == "under_review" and submitted.evidence_details.submission_count == 1
    assert submitted.evidence.customer_name == "Ada" and submitted.evidence.uncategorized_text == "Delivered on time"
    stripe_sandbox.control(f"disputes/{dp_id}/close", {"outcome": "won"})
    assert (await stripe_client.v1.disputes.retrieve_async(dp_id)).status == "won"
    assert (await stripe_client.v1.balance.retrieve_async()).available[0].amount == 8000
    types = {e.type for e in (await stripe_client.v1.events.list_async(params={"type": "charge.dispute.*"})).data}
    assert types >= {"charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed"}
    auto = await stripe_client.v1.payment_intents.create_async(params={
        "amount": 1000, "currency": "usd", "payment_method": "pm_card_createDispute", "confirm": True})
    assert (await stripe_client.v1.charges.retrieve_async(auto.latest_charge)).disputed
