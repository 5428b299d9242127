"""Seed Scenario 3: a subscription, a failed renewal that starts dunning, and the recovery — driven by
Stripe's events (polled) through the rules."""

from __future__ import annotations

from tests.orchestrator_mcp.conftest import Pipeline, call, client
from tests.orchestrator_mcp.test_scenario_payment import wait_until


async def test_subscription_failed_renewal_dunning_and_recovery(pipeline: Pipeline) -> None:
    outreach = pipeline.new_campaign("Outreach")
    dunning = pipeline.new_campaign("Dunning")
    with pipeline.instantly.client() as http:
        http.post("/leads", json={"email": "sam@sub.io", "first_name": "Sam", "campaign": outreach}).raise_for_status()
    price = pipeline.price(2900, interval="month", name="Pro monthly")
    async with client() as c:
        await call(c, "configure_pipeline", {"campaign_roles": {"dunning": dunning}})
        flow = await call(c, "trigger_payment_flow", {"lead_email": "sam@sub.io", "price_id": price})
        paid = pipeline.stripe_control(f"payment_links/{flow['payment_link_id']}/pay", {"email": "sam@sub.io"})
        assert paid  # checkout completed in subscription mode
        await call(c, "sync_now", {"source": "stripe"})
        contact = (await call(c, "find_contacts", {"email": "sam@sub.io"}))["contacts"][0]
        # checkout.session.completed and invoice.paid name the same invoice: counted once
        assert (contact["conversion_status"], contact["subscription_status"]) == ("customer", "active")
        assert contact["total_revenue"] == 2900 and contact["payment_failures"] == 0

        subs = pipeline.stripe("GET", "/v1/subscriptions")["data"]
        assert len(subs) == 1
        sub = subs[0]["id"]
        pipeline.stripe_control(f"subscriptions/{sub}/fail_next_renewal", {})
        pipeline.stripe_control("advance_time", {"to": "renewal", "subscription": sub})
        await call(c, "sync_now", {"source": "stripe"})
        contact = (await call(c, "find_contacts", {"email": "sam@sub.io"}))["contacts"][0]
        assert contact["payment_failures"] == 1 and contact["total_revenue"] == 2900
        wait_until(lambda: any(x["email"] == "sam@sub.io" for x in pipeline.leads_in(dunning)))

        pipeline.stripe_control("advance_time", {"to": "renewal", "subscription": sub})
        await call(c, "sync_now", {"source": "stripe"})
        contact = (await call(c, "find_contacts", {"email": "sam@sub.io"}))["contacts"][0]
        assert contact["total_revenue"] > 2900  # the recovered renewal is paid and counted
        assert contact["total_revenue"] % 2900 == 0
        assert contact["payment_failures"] == 1  # no event applied twice
        events = (await call(c, "list_events", {"status": "dead"}))["events"]
        assert events == []
