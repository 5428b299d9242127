"""Seed Scenario 1 through the orchestrator's MCP tools against both sandboxes:
leads -> engagement -> payment link -> payment in Stripe -> post-purchase sequence -> funnel and attribution."""

from __future__ import annotations

import time

from tests.orchestrator_mcp.conftest import Pipeline, call, client

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)

LEADS = [
    {"email": "ada@acme.io", "first_name": "Ada", "company_name": "Acme", "icebreaker": "Loved your talk"},
    {"email": "bob@bolt.io", "first_name": "Bob", "company_name": "Bolt", "icebreaker": "Saw your launch"},
    {"email": "cy@cyan.io", "first_name": "Cy", "company_name": "Cyan", "icebreaker": "Congrats on the round"},
]


def wait_until(check, timeout: float = 15.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


async def test_scenario_1_lead_to_link_to_payment_to_post_purchase(pipeline: Pipeline) -> None:
    price = pipeline.price(4900)
    onboarding = pipeline.new_campaign("Onboarding")
    async with client() as c:
        await call(c, "configure_pipeline", {"campaign_roles": {"post_purchase": onboarding}})
        created = await call(c, "launch_offer", {
            "name": "Q4 outreach", "product": price, "schedule": {"timezone": "America/Chicago"},
            "steps": [{"subject": "{{subject_line}}", "body": "Hi {{firstName}}, {{icebreaker}}."},
                      {"subject": "Ready?", "body": "Here is your link: {{payment_link}} ({{payment_amount}})"}],
            "leads": LEADS, "link_on": "engagement", "activate": False, "confirm": True,
        })
        campaign = created["campaign"].rsplit("(", 1)[1][:-1]
        assert created["campaign_status"] == "paused" and created["new_leads"] == 3
        assert [lead["payload"].get("icebreaker") for lead in pipeline.leads_in(campaign)].count(None) == 0

        for event in ("sent", "opened", "clicked", "replied", "interested"):
            pipeline.engage("ada@acme.io", event, campaign)
        for event in ("sent", "opened"):
            pipeline.engage("bob@bolt.io", event, campaign)

        preview = await call(c, "trigger_payment_flow", {"campaign_id": campaign, "min_score": 40, "price_id": price})
        assert preview["executed"] is False and preview["qualified"] == 1
        assert pipeline.stripe_count("payment_link") == 0  # a preview writes nothing
        (ada,) = [lead for lead in preview["leads"] if lead["status"] == "qualified"]
        assert ada["email"] == "ada@acme.io" and "1 click" in ada["reasons"] and "interested" in ada["reasons"]

        done = await call(c, "trigger_payment_flow", {"campaign_id": campaign, "min_score": 40, "price_id": price,
                                                        "confirm": True})
        assert done["links_sent"] == 1 and done["failed"] == 0
        link_url = next(lead["payment_link_url"] for lead in done["leads"] if lead["status"] == "link_sent")
        lead = next(x for x in pipeline.leads_in(campaign) if x["email"] == "ada@acme.io")
        assert lead["payload"]["payment_link"] == link_url and lead["payload"]["payment_amount"] == "49.00 USD"

        funnel = await call(c, "funnel_report", {"campaign_id": campaign, "chart": False})
        # the link was written after ada's last email: created, not yet sent; cy was only imported, not contacted
        assert (funnel["counts"]["link_created"], funnel["counts"]["link_sent"]) == (1, 0)
        assert funnel["counts"]["contacted"] == 2
        pipeline.engage("ada@acme.io", "sent", campaign)  # the step with {{payment_link}} goes out
        await call(c, "sync_now", {"email": "ada@acme.io"})  # polling sees no sends; the lead's last contact
        funnel = await call(c, "funnel_report", {"campaign_id": campaign, "chart": False})
        assert (funnel["counts"]["link_created"], funnel["counts"]["link_sent"]) == (1, 1)

        links = pipeline.stripe("GET", "/v1/payment_links")["data"]
        assert len(links) == 1 and links[0]["metadata"]["instantly_campaign_id"] == campaign
        pipeline.stripe_control(f"payment_links/{links[0]['id']}/pay", {"email": "ada@acme.io", "name": "Ada L"})

        synced = await call(c, "sync_now", {"source": "stripe"})
        assert synced["stripe_new"] >= 1 and synced["processed"] >= 1
        contact = (await call(c, "find_contacts", {"email": "ada@acme.io"}))["contacts"][0]
        assert contact["conversion_status"] == "customer"
        assert (contact["total_revenue"], contact["revenue_currency"]) == (4900, "usd")
        assert pipeline.stripe_count("customer") == 1  # the flow's customer was reused at checkout or by email

        wait_until(lambda: any(x["email"] == "ada@acme.io" for x in pipeline.leads_in(onboarding)))

        again = await call(c, "sync_now", {"source": "stripe"})
        assert again["stripe_new"] == 0  # polled twice, counted once
        contact = (await call(c, "find_contacts", {"email": "ada@acme.io"}))["contacts"][0]
        assert contact["total_revenue"] == 4900

        funnel = await call(c, "funnel_report", {"campaign_id": campaign, "chart": False})
        assert funnel["counts"]["paid"] == 1 and funnel["counts"]["link_sent"] == 1
        assert funnel["counts"]["clicked"] == 1 and funnel["counts"]["opened"] == 2
        revenue = await call(c, "revenue_attribution", {"campaign_id": campaign, "costs": {campaign: 1000}})
        (line,) = revenue["campaigns"]
        assert (line["revenue"], line["payments"], line["roi"]) == (4900, 1, 3.9)
