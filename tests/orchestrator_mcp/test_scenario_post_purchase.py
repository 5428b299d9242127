"""The post-purchase sequence gets what was actually bought, on the lead of the campaign that sold it.

Against both sandboxes, through the orchestrator's tools: the buyer also has a lead in another campaign (the one
the contact record points at last), and the payment's events arrive by polling in Stripe's order."""

from __future__ import annotations

from typing import Any

from tests.orchestrator_mcp.conftest import Pipeline, call, client


def add_lead(pipeline: Pipeline, email: str, campaign: str) -> str:
    with pipeline.instantly.client() as http:
        res = http.post("/leads", json={"email": email, "first_name": "Ada", "campaign": campaign})
        res.raise_for_status()
        return str(res.json()["id"])


def only(leads: list[dict[str, Any]], email: str) -> dict[str, Any]:
    (lead,) = [x for x in leads if x["email"] == email]
    return lead


async def test_post_purchase_gets_the_product_on_the_selling_campaigns_lead(pipeline: Pipeline) -> None:
    outreach, newsletter = pipeline.new_campaign("Q4 outreach"), pipeline.new_campaign("Newsletter")
    onboarding = pipeline.new_campaign("Onboarding")
    sold_lead = add_lead(pipeline, "ada@acme.io", outreach)
    price = pipeline.price(4900, name="Growth Audit")
    async with client() as c:
        await call(c, "configure_pipeline", {"campaign_roles": {"post_purchase": onboarding}})
        flow = await call(c, "trigger_payment_flow", {"lead_email": "ada@acme.io", "price_id": price,
                                                      "campaign_id": outreach})
        # later ada also joins the newsletter, and the contact record now points at that lead
        other_lead = add_lead(pipeline, "ada@acme.io", newsletter)
        synced = await call(c, "sync_now", {"email": "ada@acme.io"})
        assert synced["contact"]["instantly_lead_id"] == other_lead
        link = pipeline.stripe("GET", "/v1/payment_links")["data"][0]
        assert link["url"] == flow["payment_link_url"]
        pipeline.stripe_control(f"payment_links/{link['id']}/pay", {"email": "ada@acme.io", "name": "Ada L"})
        await call(c, "sync_now", {"source": "stripe"})

    moved = only(pipeline.leads_in(onboarding), "ada@acme.io")
    assert moved["id"] == sold_lead  # the lead of the campaign that sold it, not the newsletter's
    assert only(pipeline.leads_in(newsletter), "ada@acme.io")["id"] == other_lead
    assert pipeline.leads_in(outreach) == []
    variables = moved["payload"]
    assert variables["product_name"] == "Growth Audit"
    assert (variables["amount_paid"], variables["currency"], variables["price_id"]) == ("49.00 USD", "USD", price)


async def test_post_purchase_reads_a_checkout_sessions_line_items(pipeline: Pipeline) -> None:
    """A checkout made outside the orchestrator (no metadata): the products come from the session's line items."""
    outreach, onboarding = pipeline.new_campaign("Q4 outreach"), pipeline.new_campaign("Onboarding")
    sold_lead = add_lead(pipeline, "bob@bolt.io", outreach)
    audit, kit = pipeline.price(4900, name="Growth Audit"), pipeline.price(1500, name="Starter Kit")
    session = pipeline.stripe("POST", "/v1/checkout/sessions", data={
        "mode": "payment", "success_url": "https://example.com/ok", "customer_email": "bob@bolt.io",
        "line_items[0][price]": audit, "line_items[0][quantity]": "1",
        "line_items[1][price]": kit, "line_items[1][quantity]": "2"})
    async with client() as c:
        await call(c, "configure_pipeline", {"campaign_roles": {"post_purchase": onboarding}})
        await call(c, "sync_now", {"email": "bob@bolt.io"})  # bob's source campaign: the outreach
        pipeline.stripe_control(f"checkout/sessions/{session['id']}/complete", {"email": "bob@bolt.io"})
        await call(c, "sync_now", {"source": "stripe"})
    moved = only(pipeline.leads_in(onboarding), "bob@bolt.io")
    assert moved["id"] == sold_lead
    assert moved["payload"]["product_name"] == "Growth Audit, Starter Kit"
    assert moved["payload"]["amount_paid"] == "79.00 USD" and moved["payload"]["price_id"] == audit


async def test_post_purchase_reads_an_invoices_lines(pipeline: Pipeline) -> None:
    """An invoice paid directly (no checkout, no metadata): whichever of its events comes first, the products come
    from the invoice's lines (a payment intent finds its invoice through /v1/invoice_payments)."""
    outreach, onboarding = pipeline.new_campaign("Q4 outreach"), pipeline.new_campaign("Onboarding")
    sold_lead = add_lead(pipeline, "cy@cyan.io", outreach)
    workshop = pipeline.price(9900, name="Founder Workshop seat")
    customer = pipeline.stripe("POST", "/v1/customers", data={"email": "cy@cyan.io", "name": "Cy"})
    invoice = pipeline.stripe("POST", "/v1/invoices", data={"customer": customer["id"]})
    pipeline.stripe("POST", "/v1/invoiceitems", data={"customer": customer["id"], "invoice": invoice["id"],
                                                      "pricing[price]": workshop})
    pipeline.stripe("POST", f"/v1/invoices/{invoice['id']}/finalize")
    async with client() as c:
        await call(c, "configure_pipeline", {"campaign_roles": {"post_purchase": onboarding}})
        await call(c, "sync_now", {"email": "cy@cyan.io"})
        pipeline.stripe("POST", f"/v1/invoices/{invoice['id']}/pay", data={"payment_method": "pm_card_visa"})
        await call(c, "sync_now", {"source": "stripe"})
    moved = only(pipeline.leads_in(onboarding), "cy@cyan.io")
    assert moved["id"] == sold_lead
    assert (moved["payload"]["product_name"], moved["payload"]["amount_paid"]) == ("Founder Workshop seat", "99.00 USD")
