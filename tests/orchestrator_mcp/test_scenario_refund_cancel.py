"""Events from Stripe that take money back or end a subscription: a refund nets revenue, a cancellation
marks the contact churned and starts the win-back campaign."""

from __future__ import annotations

from tests.orchestrator_mcp.conftest import Pipeline, call, client
from tests.orchestrator_mcp.test_scenario_payment import wait_until


async def test_refund_reduces_revenue_once(pipeline: Pipeline) -> None:
    campaign = pipeline.new_campaign("Outreach")
    with pipeline.instantly.client() as http:
        http.post("/leads", json={"email": "ref@und.io", "campaign": campaign}).raise_for_status()
    price = pipeline.price(5000)
    async with client() as c:
        link = await call(c, "trigger_payment_flow", {"lead_email": "ref@und.io", "price_id": price})
        paid = pipeline.stripe_control(f"payment_links/{link['payment_link_id']}/pay", {"email": "ref@und.io"})
        intent = paid["payment_intent"]["id"] if isinstance(paid["payment_intent"], dict) else paid["payment_intent"]
        await call(c, "sync_now", {"source": "stripe"})
        pipeline.stripe("POST", "/v1/refunds", data={"payment_intent": intent, "amount": "1500"})
        await call(c, "sync_now", {"source": "stripe"})
        await call(c, "sync_now", {"source": "stripe"})  # polled twice: applied once
        contact = (await call(c, "find_contacts", {"email": "ref@und.io"}))["contacts"][0]
        revenue = await call(c, "revenue_attribution", {"campaign_id": campaign, "chart": False})
    assert contact["total_revenue"] == 3500
    assert revenue["campaigns"][0]["revenue"] == 3500 and revenue["campaigns"][0]["payments"] == 1


async def test_cancellation_marks_churned_and_starts_win_back(pipeline: Pipeline) -> None:
    outreach = pipeline.new_campaign("Outreach")
    winback = pipeline.new_campaign("Win-back")
    with pipeline.instantly.client() as http:
        http.post("/leads", json={"email": "can@cel.io", "campaign": outreach}).raise_for_status()
    price = pipeline.price(1900, interval="month")
    async with client() as c:
        await call(c, "configure_pipeline", {"campaign_roles": {"win_back": winback}})
        link = await call(c, "trigger_payment_flow", {"lead_email": "can@cel.io", "price_id": price})
        pipeline.stripe_control(f"payment_links/{link['payment_link_id']}/pay", {"email": "can@cel.io"})
        await call(c, "sync_now", {"source": "stripe"})
        (sub,) = pipeline.stripe("GET", "/v1/subscriptions")["data"]
        pipeline.stripe("DELETE", f"/v1/subscriptions/{sub['id']}")
        await call(c, "sync_now", {"source": "stripe"})
        contact = (await call(c, "find_contacts", {"email": "can@cel.io"}))["contacts"][0]
    assert (contact["subscription_status"], contact["conversion_status"]) == ("canceled", "churned")
    assert contact["total_revenue"] == 1900
    wait_until(lambda: any(x["email"] == "can@cel.io" for x in pipeline.leads_in(winback)))
