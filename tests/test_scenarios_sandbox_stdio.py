"""The seed scenarios, played in sandbox mode from tools alone: the three servers started over stdio with
--sandbox (auto-started shared sandboxes on free ports, state in a temporary folder), driven by MCP clients.
The simulation tools stand in for the world (leads engaging, time passing, buyers paying, renewals failing).
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from mcp import ClientSession, StdioServerParameters, stdio_client

from shared.asgi import free_port
from tests.conftest import subprocess_env
from tests.test_sandbox_mode import BIN, sandbox_pids

SERVERS = {"instantly": "instantly-mcp", "stripe": "stripe-mcp", "orchestrator": "orchestrator-mcp"}


class Assistant:
    """What a model does: call tools by name with arguments and read the results."""

    def __init__(self, sessions: dict[str, ClientSession]) -> None:
        self.sessions = sessions
        self.calls = 0

    async def __call__(self, server: str, tool: str, args: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        result = await self.sessions[server].call_tool(tool, args)
        assert not result.is_error, f"{tool}: {result.content[0].text}"
        assert result.structured_content is not None
        return result.structured_content

    async def campaigns(self) -> dict[str, str]:
        items = (await self("instantly", "instantly_list_campaigns", {"limit": 100}))["items"]
        return {c["name"]: c["id"] for c in items}

    async def price_of(self, product_name: str) -> str:
        products = (await self("stripe", "stripe_list", {"kind": "products", "limit": 100}))["items"]
        product = next(p for p in products if p["name"] == product_name)
        return str(product["default_price"])

    async def contact(self, email: str) -> dict[str, Any]:
        return (await self("orchestrator", "find_contacts", {"email": email}))["contacts"][0]  # type: ignore[no-any-return]

    async def leads_of(self, campaign_id: str) -> set[str]:
        items = (await self("instantly", "instantly_list_leads", {"campaign_id": campaign_id}))["items"]
        return {i["email"] for i in items}

    async def eventually_in(self, campaign_id: str, email: str) -> None:
        for _ in range(100):  # a lead move is an Instantly background job
            if email in await self.leads_of(campaign_id):
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"{email} never reached campaign {campaign_id}")


@asynccontextmanager
async def assistant(tmp_path: Path) -> AsyncIterator[Assistant]:
    ip, sp = free_port(), free_port()
    env = subprocess_env(ISMCP_SANDBOX_DIR=str(tmp_path / "sandboxes"), ISMCP_SANDBOX_INSTANTLY_PORT=str(ip),
                         ISMCP_SANDBOX_STRIPE_PORT=str(sp), ISMCP_STORE_PATH=str(tmp_path / "store.sqlite"))
    try:
        async with AsyncExitStack() as stack:
            sessions = {}
            for name, script in SERVERS.items():
                params = StdioServerParameters(command=str(BIN / script), args=["--sandbox"], env=env)
                errlog = stack.enter_context(open(tmp_path / f"{name}.log", "w", encoding="utf-8"))
                read, write = await stack.enter_async_context(stdio_client(params, errlog=errlog))
                sessions[name] = await stack.enter_async_context(ClientSession(read, write))
                await sessions[name].initialize()
            ai = Assistant(sessions)
            seeded = await ai("orchestrator", "sandbox_reset", {"seed": True, "confirm": True})
            assert seeded["headline"] == "Both sandboxes reset and seeded."
            yield ai
    finally:
        for pid in sandbox_pids(ip) + sandbox_pids(sp):  # the sandboxes the servers started
            subprocess.run(["kill", str(pid)], check=False)


async def test_scenario_1_engaged_leads_to_payment_to_post_purchase(tmp_path: Path) -> None:
    async with assistant(tmp_path) as ai:
        campaigns = await ai.campaigns()
        q4, welcome = campaigns["Q4 outreach"], campaigns["Welcome"]
        audit = await ai.price_of("Growth Audit")
        await ai("orchestrator", "configure_pipeline", {"campaign_roles": {"post_purchase": welcome}})
        preview = await ai("orchestrator", "trigger_payment_flow", {"campaign_id": q4, "price_id": audit,
                                                                     "min_score": 20})
        converted = await ai("orchestrator", "trigger_payment_flow", {"campaign_id": q4, "price_id": audit,
                                                                       "min_score": 20, "confirm": True})
        sent = {x["email"] for x in converted["leads"] if x["status"] == "link_sent"}
        assert "ada@acmeanalytics.io" in sent and preview
        # the next step carries the link: time passes, the step goes out
        later = await ai("orchestrator", "simulate_time", {"days": 2})
        assert any(h.startswith("Q4 outreach:") and "step 2" in h for h in later["happened"]), later["happened"]
        paid = await ai("orchestrator", "simulate_billing", {"action": "pay", "email": "ada@acmeanalytics.io"})
        assert paid["headline"].startswith("ada@acmeanalytics.io paid $499.00")
        assert any("post_purchase campaign Welcome" in line for line in paid["orchestrator"]), paid
        await ai.eventually_in(welcome, "ada@acmeanalytics.io")
        ada = await ai.contact("ada@acmeanalytics.io")
        assert (ada["conversion_status"], ada["total_revenue"]) == ("customer", 49900)
        revenue = await ai("orchestrator", "revenue_attribution", {"chart": False})
        line = next(c for c in revenue["campaigns"] if c["campaign_id"] == q4)
        assert line["revenue"] == 49900


async def test_scenario_3_subscription_failed_renewal_dunning_then_cancel_win_back(tmp_path: Path) -> None:
    async with assistant(tmp_path) as ai:
        campaigns = await ai.campaigns()
        roles = {"post_purchase": campaigns["Welcome"], "dunning": campaigns["Card problems"],
                 "win_back": campaigns["Win-back"]}
        await ai("orchestrator", "configure_pipeline", {"campaign_roles": roles})
        pro = await ai.price_of("Pro plan")
        buyer = "max@mosaichr.io"  # booked a meeting in the seeded Founders campaign
        await ai("orchestrator", "trigger_payment_flow", {"lead_email": buyer, "price_id": pro})
        bought = await ai("orchestrator", "simulate_billing", {"action": "pay", "email": buyer})
        assert "subscription started" in bought["headline"]
        assert (await ai.contact(buyer))["subscription_status"] == "active"

        failed = await ai("orchestrator", "simulate_billing", {"action": "fail_renewal", "email": buyer})
        assert "past_due" in failed["headline"]
        assert any("dunning campaign Card problems" in line for line in failed["orchestrator"]), failed
        await ai.eventually_in(roles["dunning"], buyer)
        assert (await ai.contact(buyer))["payment_failures"] == 1

        canceled = await ai("orchestrator", "simulate_billing", {"action": "cancel", "email": buyer})
        assert any("win_back campaign Win-back" in line for line in canceled["orchestrator"]), canceled
        await ai.eventually_in(roles["win_back"], buyer)
        max_ = await ai.contact(buyer)
        assert (max_["conversion_status"], max_["subscription_status"], max_["total_revenue"]) == \
            ("churned", "canceled", 4900)
        subs = (await ai("stripe", "stripe_list", {"kind": "subscriptions", "status": "all"}))["items"]
        assert [s["status"] for s in subs] == ["canceled"]


async def test_scenarios_2_and_4_launch_and_event_registration_from_tools(tmp_path: Path) -> None:
    async with assistant(tmp_path) as ai:
        campaigns = await ai.campaigns()
        # Scenario 2: a product launch to the SaaS leads already in Instantly
        saas, others = [], []
        for name in ("Q4 outreach", "Founders"):
            leads = (await ai("instantly", "instantly_list_leads", {"campaign_id": campaigns[name]}))["items"]
            others += [x["email"] for x in leads if name == "Q4 outreach" and x["status"] == "active"
                       and (x.get("custom_variables") or {}).get("industry") != "SaaS"]
            saas += [{"email": x["email"], "first_name": x.get("first_name"),
                      "icebreaker": (x.get("custom_variables") or {}).get("icebreaker")}
                     for x in leads if (x.get("custom_variables") or {}).get("industry") == "SaaS"]
        assert len(saas) == 6
        launch = await ai("orchestrator", "launch_offer", {
            "name": "Launch: Analytics Kit", "product": "Analytics Kit", "tiers": [{"amount": 19900}],
            "segment": {"where": {"industry": "SaaS"}, "campaigns": ["Q4 outreach", "Founders"]},
            "sender_accounts": ["alex.rivera@sandbox-outreach.com"], "schedule": {"timezone": "America/Chicago"},
            "steps": ["{{firstName}}, it is live\n{{icebreaker}}. Get it: {{payment_link}}"], "confirm": True})
        launch_id = launch["campaign"].rsplit("(", 1)[1][:-1]
        assert launch["leads"] == 6 and launch["campaign_status"] == "active", launch
        for email in (x["email"] for x in saas):
            await ai.eventually_in(launch_id, email)
        sent = await ai("orchestrator", "simulate_time", {"days": 1, "campaign": "Launch: Analytics Kit"})
        assert any("Launch: Analytics Kit: 6 emails sent" in h for h in sent["happened"]), sent
        await ai("orchestrator", "simulate_engagement", {"campaign": "Launch: Analytics Kit", "count": 3,
                                                         "events": ["opened", "clicked"]})
        for email in (saas[0]["email"], saas[1]["email"]):
            await ai("orchestrator", "simulate_billing", {"action": "pay", "email": email})
        # Scenario 4: event registration: workshop seats, reminders go to who has not registered
        seat = await ai.price_of("Founder Workshop seat")
        invitees = others[:3]
        for email in invitees:
            await ai("orchestrator", "trigger_payment_flow", {"lead_email": email, "price_id": seat})
        await ai("orchestrator", "simulate_billing", {"action": "pay", "email": invitees[0]})
        declined = await ai("orchestrator", "simulate_billing", {"action": "pay", "email": invitees[1],
                                                                  "card": "declined"})
        assert "declined" in declined["headline"]
        registered = {x["email"] for x in (await ai("orchestrator", "find_contacts",
                                                     {"conversion_status": "customer", "limit": 50}))["contacts"]}
        assert registered == {saas[0]["email"], saas[1]["email"], invitees[0]}
        revenue = await ai("orchestrator", "revenue_attribution", {"chart": False})
        by_campaign = {c["campaign_id"]: c["revenue"] for c in revenue["campaigns"]}
        assert by_campaign[launch_id] == 2 * 19900
        assert by_campaign[campaigns["Q4 outreach"]] == 9900  # the invitees' campaign


async def test_readme_prompt_2_a_campaign_with_payments_built_in(tmp_path: Path) -> None:
    """"Create a campaign *Audit offer* for the $499 Growth Audit, 3 steps, the second with the payment link,
    import these 200 leads with their icebreakers, and keep it paused." (README, Example prompts)"""
    leads = [{"email": f"buyer{i}@prospects.io", "first_name": f"Pat{i}", "icebreaker": f"Loved post {i}"}
             for i in range(200)]
    args = {"name": "Audit offer", "product": "Growth Audit", "leads": leads, "activate": False,
            "steps": ["Quick idea, {{firstName}}\n{{icebreaker}}. Worth a look?",
                      "Here it is: {{product_name}}, {{payment_amount}}: {{payment_link}}",
                      "Last note on the audit, {{firstName}}."]}
    async with assistant(tmp_path) as ai:
        preview = await ai("orchestrator", "launch_offer", args)
        assert (preview["executed"], preview["new_leads"]) == (False, 200)
        assert "Audit offer" not in await ai.campaigns()  # the preview wrote nothing
        done = await ai("orchestrator", "launch_offer", {**args, "confirm": True})
        assert done["campaign_status"] == "paused" and done["new_leads"] == 200
        assert [t["price"] for t in done["tiers"]] == ["$499.00"]
        campaign = (await ai.campaigns())["Audit offer"]
        assert done["leads"] == 200 and done["by_source"] == {"Audit offer": 200}
        listed = (await ai("instantly", "instantly_list_leads", {"campaign_id": campaign, "limit": 40}))["items"]
        assert len(listed) == 40
        assert all(x["custom_variables"]["payment_link"] == done["tiers"][0]["payment_link"]
                   and x["custom_variables"]["icebreaker"].startswith("Loved post") for x in listed)
        status = (await ai("instantly", "instantly_list_campaigns", {"limit": 100}))["items"]
        assert next(c for c in status if c["id"] == campaign)["status"] == "draft"  # created, never activated


def test_sandbox_reset_seed_command(tmp_path: Path) -> None:
    ip, sp = free_port(), free_port()
    env = subprocess_env(ISMCP_SANDBOX_DIR=str(tmp_path / "sandboxes"), ISMCP_SANDBOX_INSTANTLY_PORT=str(ip),
                         ISMCP_SANDBOX_STRIPE_PORT=str(sp), ISMCP_STORE_PATH=str(tmp_path / "store.sqlite"))
    try:
        done = subprocess.run([str(BIN / "orchestrator-mcp"), "sandbox", "reset", "--seed"], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "Campaign Q4 outreach (" in done.stdout and "12 leads" in done.stdout
        assert "Product Growth Audit (prod_" in done.stdout and "$499.00 one-off" in done.stdout
        assert "alex.rivera@sandbox-outreach.com (warmup on)" in done.stdout
        status = subprocess.run([str(BIN / "orchestrator-mcp"), "sandbox", "status"], env=env, capture_output=True,
                                text=True, timeout=60)
        assert status.stdout.count("running at") == 2
    finally:
        for pid in sandbox_pids(ip) + sandbox_pids(sp):
            subprocess.run(["kill", str(pid)], check=False)
