"""B7: trigger_payment_flow for 1,000 leads, called as a tool (in-memory MCP client on the real orchestrator server)
against both sandboxes on loopback (no added latency: the figure is our own cost). Setup, not measured: 1,000 leads
imported into a campaign, each sent, opened, clicked and marked interested in the sandbox (score 45 >= 40), and the
run cap raised to 1,000 with configure_pipeline. Measured: the confirm=true run, its wall time and API calls per lead
(counted by the sandboxes)."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time

import httpx
from mcp import Client

from bench.common import Row
from bench.composite import add_leads, call, counts, new_price
from bench.servers import Served, instantly_sandbox, new_campaign, patched_env, pipeline_env, stripe_sandbox

LEADS = 1000
EVENTS = ("sent", "opened", "clicked", "interested")


async def engage(instantly: Served, lead_ids: list[str]) -> None:
    """Each lead sent, opened, clicked and marked interested, through the sandbox's engagement control."""
    gate = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=instantly.url, timeout=60) as http:

        async def one(lead_id: str) -> None:
            async with gate:
                for event in EVENTS:
                    res = await http.post("/_sandbox/engagement", json={"event": event, "lead_id": lead_id})
                    res.raise_for_status()

        await asyncio.gather(*(one(i) for i in lead_ids))


async def run() -> list[Row]:
    from orchestrator_mcp.server import build
    from shared.logs import configure_logging

    configure_logging("WARNING")
    with tempfile.TemporaryDirectory() as tmp:
        async with instantly_sandbox(tmp) as instantly, stripe_sandbox(tmp) as stripe:
            campaign = await new_campaign(instantly, "B7")
            ids = await add_leads(instantly, campaign, [f"lead{n}@b7.example.com" for n in range(LEADS)])
            await engage(instantly, ids)
            price = await new_price(stripe)
            env = pipeline_env(instantly, stripe, f"{tmp}/store.sqlite")
            env["ORCHESTRATOR_MAX_LINKS_PER_RUN"] = str(LEADS)  # this variable only lowers the configured cap
            with patched_env(env):
                async with Client(build()) as client:
                    await call(client, "configure_pipeline", {"max_links_per_run": LEADS})
                    args = {"campaign_id": campaign, "price_id": price, "min_score": 40}
                    preview = await call(client, "trigger_payment_flow", args)
                    assert preview["qualified"] == LEADS, {k: preview[k] for k in ("qualified", "skipped")}
                    before = await counts(instantly, stripe)
                    started = time.perf_counter()
                    done = await call(client, "trigger_payment_flow", {**args, "confirm": True})
                    elapsed = time.perf_counter() - started
                    after = await counts(instantly, stripe)
            routes = {"instantly": (await instantly.control("/_sandbox/stats"))["requests_by_route"],
                      "stripe": (await stripe.control("/_sandbox/stats"))["requests"]["by_route"]}
    assert done["links_sent"] == LEADS, {k: done[k] for k in ("links_sent", "failed", "skipped")}
    ins, stp = after[0] - before[0], after[1] - before[1]
    scores = statistics.median(lead["score"] for lead in done["leads"])
    return [Row(
        id="B7", what=f"trigger_payment_flow, {LEADS:,} leads (confirm=true, loopback)",
        figure=f"{elapsed:.1f} s ({elapsed / LEADS * 1000:.1f} ms/lead); {(ins + stp) / LEADS:.2f} API calls/lead",
        goal="info", verdict="info",
        detail=[(f"API calls in the confirm run: Instantly {ins} ({ins / LEADS:.2f}/lead), Stripe {stp} "
                f"({stp / LEADS:.2f}/lead); {done['links_sent']} links sent, {done['failed']} failed"),
                f"median score {scores}; the preview run (scoring, not measured) qualified {preview['qualified']}",
                ("the run resolves the price and product once and hands each flow the lead as listed; per lead: "
                 "customer look-up and create, payment link, lead update"),
                f"requests by route over the whole benchmark (setup included): {routes}"],
    )]
