"""Seed Scenarios 2, 3 and 4 as composite flows, over stdio in sandbox mode, driven only by tools: a preview
call, a confirm call (and a retried confirm that creates nothing twice), then the simulation tools make buyers
buy and renewals fail, and the end state is checked (campaigns and their leads, links and tiers, revenue per
campaign, contacts, lifecycle campaigns)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.test_scenarios_sandbox_stdio import Assistant, assistant

SAAS = {"ada@acmeanalytics.io", "cyd@cyanlabs.io", "iris@indigoapps.io", "jay@jetstreamai.io", "max@mosaichr.io",
        "nia@nimbuscloud.io"}


async def leads(ai: Assistant, campaign_id: str) -> dict[str, dict[str, Any]]:
    items = (await ai("instantly", "instantly_list_leads", {"campaign_id": campaign_id}))["items"]
    return {i["email"]: (i.get("custom_variables") or {}) for i in items}


def cid(label: str) -> str:
    return label.rsplit("(", 1)[1].rstrip(")")


async def test_scenario_2_product_launch_with_early_bird_tier_switch(tmp_path: Path) -> None:
    async with assistant(tmp_path) as ai:
        before = await ai.campaigns()
        args = {"name": "Launch: Analytics Kit", "product": "Analytics Kit",
                "tiers": [{"label": "Early bird", "amount": 14900, "limit": 2}, {"label": "Regular", "amount": 19900}],
                "segment": {"where": {"industry": "SaaS"}, "campaigns": ["Q4 outreach", "Founders"]}}
        preview = await ai("orchestrator", "launch_offer", args)
        assert (preview["executed"], preview["leads"]) == (False, 6)
        assert preview["by_source"] == {"Q4 outreach": 4, "Founders": 2}
        assert [(t["label"], t["price"], t["status"]) for t in preview["tiers"]] == [
            ("Early bird", "$149.00", "planned"), ("Regular", "$199.00", "planned")]
        assert await ai.campaigns() == before  # the preview wrote nothing
        done = await ai("orchestrator", "launch_offer", {**args, "confirm": True})
        again = await ai("orchestrator", "launch_offer", {**args, "confirm": True})
        assert again["tiers"] == done["tiers"] and again["campaign"] == done["campaign"]
        names = list((await ai.campaigns()).keys())
        assert names.count("Launch: Analytics Kit") == 1 and names.count("Launch: Analytics Kit: registered") == 1
        early, regular = done["tiers"]
        assert (early["status"], regular["status"]) == ("on sale", "waiting")
        launch = cid(done["campaign"])
        registered = cid(done["registered_campaign"])
        in_launch = await leads(ai, launch)
        assert set(in_launch) == SAAS
        assert {v["payment_link"] for v in in_launch.values()} == {early["payment_link"]}
        assert all(v["tier"] == "Early bird" and v["payment_amount"] == "149.00 USD" for v in in_launch.values())
        sent = await ai("orchestrator", "simulate_time", {"days": 1, "campaign": "Launch: Analytics Kit"})
        assert any("Launch: Analytics Kit: 6 emails sent" in h for h in sent["happened"]), sent["happened"]
        # two early-bird buyers sell the tier out: its link stops, the others' link switches to Regular
        said = []
        for email in ("ada@acmeanalytics.io", "max@mosaichr.io"):
            said += (await ai("orchestrator", "simulate_billing", {"action": "pay", "email": email,
                                                                   "link": early["payment_link"]}))["orchestrator"]
        assert any(x.startswith("max@mosaichr.io registered") for x in said), said
        assert any(x.startswith("tier switched to Regular: 4 leads") for x in said), said
        for email in ("ada@acmeanalytics.io", "max@mosaichr.io"):
            await ai.eventually_in(registered, email)
        in_launch = await leads(ai, launch)
        assert set(in_launch) == SAAS - {"ada@acmeanalytics.io", "max@mosaichr.io"}
        assert {v["payment_link"] for v in in_launch.values()} == {regular["payment_link"]}
        link = await ai("stripe", "stripe_get", {"id": await link_id(ai, early["payment_link"])})
        assert link["object"]["active"] is False
        await ai("orchestrator", "simulate_billing", {"action": "pay", "email": "nia@nimbuscloud.io",
                                                      "link": regular["payment_link"]})
        await ai.eventually_in(registered, "nia@nimbuscloud.io")
        status = await ai("orchestrator", "launch_offer", {**args, "confirm": True})
        assert [(t["status"], t["sold"]) for t in status["tiers"]] == [("sold out", 2), ("on sale", 1)]
        revenue = await ai("orchestrator", "revenue_attribution", {"chart": False})
        by_campaign = {c["campaign_id"]: c["revenue"] for c in revenue["campaigns"]}
        assert by_campaign[launch] == 2 * 14900 + 19900
        assert (await ai.contact("nia@nimbuscloud.io"))["conversion_status"] == "customer"
        assert (await ai.contact("cyd@cyanlabs.io"))["conversion_status"] != "customer"


async def link_id(ai: Assistant, url: str) -> str:
    links = (await ai("stripe", "stripe_list", {"kind": "payment_links", "limit": 100}))["items"]
    return str(next(x["id"] for x in links if x["url"] == url))


async def test_scenario_4_event_registration_stops_reminders(tmp_path: Path) -> None:
    async with assistant(tmp_path) as ai:
        args = {"name": "Founder workshop", "product": "Founder Workshop seat",
                "tiers": [{"label": "Early bird", "amount": 7900, "limit": 1}, {"label": "Regular", "amount": 9900}],
                "segment": {"campaigns": ["Q4 outreach"], "engaged_days": 30},
                "steps": ["Join the founder workshop, {{firstName}}\nA seat is {{payment_amount}} ({{tier}}): "
                          "{{payment_link}}", "Seats are going: {{payment_link}}", "Last reminder: {{payment_link}}"],
                "registered_campaign": "Workshop: registered"}
        preview = await ai("orchestrator", "launch_offer", args)
        # engaged in the seeded history: the six who opened; the bounced lead (now on the suppression list, as a
        # hard bounce) and the rest are left out
        assert preview["leads"] == 6 and preview["left_out"].get("suppressed: hard bounce") == 1, preview
        done = await ai("orchestrator", "launch_offer", {**args, "confirm": True})
        workshop, registered = cid(done["campaign"]), cid(done["registered_campaign"])
        early, regular = done["tiers"]
        await ai("orchestrator", "simulate_time", {"days": 1, "campaign": "Founder workshop"})
        await ai("orchestrator", "simulate_billing", {"action": "pay", "email": "bob@boltworks.io",
                                                      "link": early["payment_link"]})
        declined = await ai("orchestrator", "simulate_billing", {"action": "pay", "email": "dev@deltaops.io",
                                                                 "link": regular["payment_link"], "card": "declined"})
        assert "declined" in declined["headline"]
        await ai.eventually_in(registered, "bob@boltworks.io")
        waiting = await leads(ai, workshop)
        # the registered buyer left the reminders; the declined one still gets them, at the regular price now
        assert "bob@boltworks.io" not in waiting and "dev@deltaops.io" in waiting and len(waiting) == 5
        assert {v["payment_link"] for v in waiting.values()} == {regular["payment_link"]}
        reminders = await ai("orchestrator", "simulate_time", {"days": 3, "campaign": "Founder workshop"})
        assert any("(step 2: 5, step 3: 5)" in h for h in reminders["happened"]), reminders["happened"]
        assert (await ai.contact("bob@boltworks.io"))["total_revenue"] == 7900
        revenue = await ai("orchestrator", "revenue_attribution", {"chart": False})
        assert {c["campaign_id"]: c["revenue"] for c in revenue["campaigns"]}[workshop] == 7900


async def test_scenario_3_subscription_lifecycle_in_one_call(tmp_path: Path) -> None:
    async with assistant(tmp_path) as ai:
        args = {"product": "Team plan", "amount": 9900, "interval": "month",
                "roles": {"post_purchase": "Welcome", "dunning": ["Your card failed\nPlease update it: "
                                                                  "{{invoice_url}}"],
                          "renewal": "Renewal reminder", "win_back": "Win-back"}}
        preview = await ai("orchestrator", "setup_subscription_lifecycle", args)
        assert preview["executed"] is False and preview["payment_link"] == ""
        assert [(r["role"], r["outcome"]) for r in preview["roles"]][:2] == [
            ("post_purchase", "existing"), ("dunning", "would create")]
        done = await ai("orchestrator", "setup_subscription_lifecycle", {**args, "confirm": True})
        again = await ai("orchestrator", "setup_subscription_lifecycle", {**args, "confirm": True})
        assert again["payment_link"] == done["payment_link"] and again["roles"][1]["campaign"] == \
            done["roles"][1]["campaign"]
        assert done["price"].startswith("$99.00/month")
        events = {r["role"]: r["events"] for r in done["roles"]}
        assert "invoice.payment_failed" in events["dunning"] and "subscription.deleted" in events["win_back"]
        campaigns = await ai.campaigns()
        assert list(campaigns).count("Team plan: dunning") == 1
        buyer = "max@mosaichr.io"
        bought = await ai("orchestrator", "simulate_billing", {"action": "pay", "email": buyer,
                                                               "link": done["payment_link"]})
        assert "subscription started" in bought["headline"]
        await ai.eventually_in(campaigns["Welcome"], buyer)
        await ai("orchestrator", "simulate_billing", {"action": "fail_renewal", "email": buyer})
        await ai.eventually_in(campaigns["Team plan: dunning"], buyer)
        await ai("orchestrator", "simulate_billing", {"action": "cancel", "email": buyer})
        await ai.eventually_in(campaigns["Win-back"], buyer)
        max_ = await ai.contact(buyer)
        assert (max_["conversion_status"], max_["subscription_status"], max_["total_revenue"]) == \
            ("churned", "canceled", 9900)
