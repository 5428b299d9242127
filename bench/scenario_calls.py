"""B9: tool calls per seed scenario (1 to 4), ours against a peer pair, and our wall time against the sandboxes with
50 ms added latency.

Ours: the calls below are made for real (in-memory MCP clients on the three servers, the seeded sandbox world) and
counted; what follows a sale, a failed renewal or a cancellation is driven by events (receiver or sync), so it
costs the model no call. Peers: Instantly BC-PY (38 tools) and Stripe's @stripe/mcp 0.2.5 (22 tools), from their
tool lists in ../shared/reference/ (instantly-peers.md, stripe.md). Neither receives events, so the model polls
and acts per buyer; each plan is written out step by step below, as a function of the scenario's size. A peer's
wall time is given as a floor: its calls one after another, each at least one API round trip (50 ms), model
thinking time not counted.
"""

from __future__ import annotations

import math
import tempfile
import time
from typing import Any

from mcp import Client

from bench.common import Row
from bench.composite import call
from bench.servers import INSTANTLY_KEY, STRIPE_KEY, instantly_sandbox, patched_env, pipeline_env, stripe_sandbox

LATENCY_MS = 50.0
# Sizes: the seeded world (L leads in C source campaigns, N in the segment, B buyers), and a bigger one.
SMALL = {"L": 20, "C": 2, "N": 6, "B": 3, "T": 2, "limit": 2, "R": 4, "R_new": 1, "E": 3}
LARGE = {"L": 2000, "C": 2, "N": 600, "B": 50, "T": 2, "limit": 20, "R": 4, "R_new": 1, "E": 3}


def peer_plan(scenario: int, s: dict[str, int]) -> list[tuple[str, int]]:
    """(step with the peer tools it uses, calls) for one scenario of size `s`."""
    pages = math.ceil(s["L"] / 100)
    if scenario == 1:  # engaged leads -> payment link in their next email -> post-purchase
        return [("list_campaigns: find the campaign", 1),
                ("list_leads: read engagement, 100 a page", pages),
                ("list_products + list_prices: find the price", 2),
                ("create_payment_link per engaged lead (no metadata: one link each to know who paid)", s["N"]),
                ("update_lead per engaged lead: {{payment_link}} into custom variables", s["N"]),
                ("list_payment_intents: poll for payments (no events)", 1),
                ("move_leads_to_campaign_or_list per buyer: into post-purchase", s["B"])]
    if scenario in (2, 4):  # launch / event registration with an early-bird tier
        return [("list_campaigns: find the source campaigns", 1),
                ("list_leads per source campaign: filter by industry / engagement", s["C"] * pages),
                ("create_product", 1),
                ("create_price per tier", s["T"]),
                ("create_payment_link per tier (no completed_sessions limit: the model must count)", s["T"]),
                ("create_campaign (two steps: create, then sequences) for the launch", 2),
                ("move_leads_to_campaign_or_list per source campaign (ids scoped by campaign)", s["C"]),
                ("update_lead per lead: the early-bird link", s["N"]),
                ("activate_campaign", 1),
                ("create_campaign + activate_campaign for the registered buyers", 3),
                ("list_payment_intents: poll per sale, to count the tier", s["B"]),
                ("move_leads_to_campaign_or_list per buyer: out of the reminders", s["B"]),
                ("update_lead per remaining lead at sell-out: the regular link (the early link cannot be "
                 "deactivated: no payment-link update tool)", max(s["N"] - s["limit"], 0))]
    if scenario == 3:  # subscription lifecycle
        return [("list_campaigns: find the lifecycle campaigns", 1),
                ("create_product + create_price (recurring) + create_payment_link", 3),
                ("create_campaign (two steps) + activate_campaign per missing role", 3 * s["R_new"]),
                ("per lifecycle event (payment, failed renewal, cancellation): list_subscriptions or "
                 "list_invoices to notice it, then move_leads_to_campaign_or_list", 2 * s["E"])]
    raise ValueError(scenario)


OURS = {  # scenario -> the calls made below, and the events that then drive the rest
    1: "instantly_list_campaigns, stripe_list products, configure_pipeline, trigger_payment_flow preview + confirm",
    2: "launch_offer preview + confirm",
    3: "setup_subscription_lifecycle preview + confirm",
    4: "launch_offer preview + confirm",
}


async def _ours() -> dict[int, tuple[int, float]]:
    """Each scenario's calls against the seeded world with 50 ms latency: (calls, seconds)."""
    import instantly_mcp.server
    import orchestrator_mcp.server
    import stripe_mcp.server
    from orchestrator_mcp.simulation.sandboxes import Sandboxes
    from orchestrator_mcp.simulation.seed import seed_world

    out: dict[int, tuple[int, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        async with instantly_sandbox(tmp, LATENCY_MS) as isb, stripe_sandbox(tmp, LATENCY_MS) as ssb:
            sb = Sandboxes(isb.url, ssb.url, instantly_key=INSTANTLY_KEY, stripe_key=STRIPE_KEY)
            try:
                await seed_world(sb)
            finally:
                await sb.aclose()
            with patched_env(pipeline_env(isb, ssb, f"{tmp}/store.sqlite")):
                async with Client(instantly_mcp.server.build()) as ic, Client(stripe_mcp.server.build()) as sc, \
                        Client(orchestrator_mcp.server.build()) as oc:
                    calls = 0

                    async def tool(client: Client, name: str, args: dict[str, Any]) -> dict[str, Any]:
                        nonlocal calls
                        calls += 1
                        return await call(client, name, args)

                    async def timed(n: int, fn: Any) -> None:
                        nonlocal calls
                        calls, started = 0, time.perf_counter()
                        await fn()
                        out[n] = (calls, time.perf_counter() - started)

                    async def s1() -> None:
                        items = (await tool(ic, "instantly_list_campaigns", {"limit": 100}))["items"]
                        ids = {c["name"]: c["id"] for c in items}
                        products = (await tool(sc, "stripe_list", {"kind": "products", "limit": 100}))["items"]
                        price = next(p["default_price"] for p in products if p["name"] == "Growth Audit")
                        await tool(oc, "configure_pipeline", {"campaign_roles": {"post_purchase": ids["Welcome"]}})
                        args = {"campaign_id": ids["Q4 outreach"], "price_id": price, "min_score": 0}
                        await tool(oc, "trigger_payment_flow", args)
                        await tool(oc, "trigger_payment_flow", {**args, "confirm": True})

                    launch = {"name": "Launch: Analytics Kit", "product": "Analytics Kit",
                              "tiers": [{"label": "Early bird", "amount": 14900, "limit": 2},
                                        {"label": "Regular", "amount": 19900}],
                              "segment": {"where": {"industry": "SaaS"}, "campaigns": ["Q4 outreach", "Founders"]}}
                    plan = {"product": "Team plan", "amount": 9900,
                            "roles": {"post_purchase": "Welcome", "dunning": ["Card failed\nUpdate it"],
                                      "renewal": "Renewal reminder", "win_back": "Win-back"}}
                    workshop = {"name": "Founder workshop", "product": "Founder Workshop seat",
                                "tiers": [{"label": "Early bird", "amount": 7900, "limit": 2},
                                          {"label": "Regular", "amount": 9900}], "segment": {"campaigns": ["Q4 outreach"]}}

                    async def pair(name: str, args: dict[str, Any]) -> None:
                        await tool(oc, name, args)
                        await tool(oc, name, {**args, "confirm": True})

                    await timed(1, s1)
                    await timed(2, lambda: pair("launch_offer", launch))
                    await timed(3, lambda: pair("setup_subscription_lifecycle", plan))
                    await timed(4, lambda: pair("launch_offer", workshop))
    return out


async def run() -> list[Row]:
    from shared.logs import configure_logging

    configure_logging("WARNING")
    ours = await _ours()
    rows = []
    for n in (1, 2, 3, 4):
        calls, seconds = ours[n]
        small = sum(c for _, c in peer_plan(n, SMALL))
        large = sum(c for _, c in peer_plan(n, LARGE))
        detail = [f"ours: {OURS[n]} ({calls} calls, {seconds:.2f} s with 50 ms latency)"]
        detail += [f"peer step: {step} = {c} (seeded world)" for step, c in peer_plan(n, SMALL)]
        detail.append(f"peer wall-time floor: {small} x 50 ms = {small * LATENCY_MS / 1000:.2f} s (seeded world), "
                      f"{large * LATENCY_MS / 1000:.1f} s at L={LARGE['L']}, N={LARGE['N']}, B={LARGE['B']}")
        rows.append(Row(id="B9", what=f"scenario {n}: tool calls, ours vs peers",
                        figure=f"{calls} calls ({seconds:.2f} s) vs {small} (seeded) / {large} (N={LARGE['N']})",
                        goal="a preview and a confirm (+ look-ups), whatever the size",
                        verdict="met" if calls <= 5 else "missed", detail=detail))
    return rows
