"""B6: trigger_payment_flow called as a tool (in-memory MCP client on the real orchestrator server) with 50 ms
added latency in both sandboxes, a fresh lead each run. Round trips are counted by the sandboxes themselves
(/_sandbox/stats before and after); wall time is compared with round trips x 50 ms, which is what the call would
take if every request waited for the one before it: below that, independent requests overlap."""

from __future__ import annotations

import statistics
import tempfile
import time
from typing import Any

import httpx
from mcp import Client

from bench.common import Row, spread
from bench.servers import (
    INSTANTLY_KEY, STRIPE_KEY, Served, instantly_requests, instantly_sandbox, new_campaign, patched_env, pipeline_env,
    stripe_requests, stripe_sandbox,
)

LATENCY_MS = 50.0


async def add_leads(instantly: Served, campaign: str, emails: list[str]) -> list[str]:
    """Import leads with plain HTTP (setup), 1,000 a request; returns their ids."""
    ids: list[str] = []
    async with httpx.AsyncClient(base_url=instantly.url, timeout=120,
                                 headers={"Authorization": f"Bearer {INSTANTLY_KEY}"}) as http:
        for start in range(0, len(emails), 1000):
            leads = [{"email": e, "first_name": e.split("@")[0].title(), "company_name": "Bench Co"}
                     for e in emails[start : start + 1000]]
            res = await http.post("/api/v2/leads/add", json={"campaign_id": campaign, "leads": leads})
            res.raise_for_status()
            ids += [c["id"] for c in res.json()["created_leads"]]
    return ids


async def new_price(stripe: Served, amount: int = 49900) -> str:
    async with httpx.AsyncClient(base_url=stripe.url, auth=(STRIPE_KEY, ""), timeout=60) as http:
        product = (await http.post("/v1/products", data={"name": "Growth Audit"})).json()
        price = await http.post("/v1/prices", data={"product": product["id"], "unit_amount": str(amount),
                                                     "currency": "usd"})
        price.raise_for_status()
        return str(price.json()["id"])


async def counts(instantly: Served, stripe: Served) -> tuple[int, int]:
    return (instantly_requests(await instantly.control("/_sandbox/stats")),
            stripe_requests(await stripe.control("/_sandbox/stats")))


async def call(client: Client, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    assert not result.is_error, result.content[0].text  # type: ignore[union-attr]
    assert result.structured_content is not None
    return result.structured_content


async def run(repeats: int = 7) -> list[Row]:
    from orchestrator_mcp.server import build
    from shared.logs import configure_logging

    configure_logging("WARNING")  # as the real servers do at start (else the MCP SDK logs every request at INFO)
    times: list[float] = []
    trips: list[tuple[int, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with instantly_sandbox(tmp, LATENCY_MS) as instantly, stripe_sandbox(tmp, LATENCY_MS) as stripe:
            campaign = await new_campaign(instantly, "B6")
            emails = [f"buyer{n}@b6.example.com" for n in range(repeats + 1)]
            await add_leads(instantly, campaign, emails)
            price = await new_price(stripe)
            with patched_env(pipeline_env(instantly, stripe, f"{tmp}/store.sqlite")):
                async with Client(build()) as client:
                    for n, email in enumerate(emails):  # the first one warms up: store, clients, connections
                        before = await counts(instantly, stripe)
                        started = time.perf_counter()
                        out = await call(client, "trigger_payment_flow",
                                         {"lead_email": email, "campaign_id": campaign, "price_id": price})
                        elapsed = time.perf_counter() - started
                        after = await counts(instantly, stripe)
                        assert out["payment_link_url"], out
                        if n:
                            times.append(elapsed)
                            trips.append((after[0] - before[0], after[1] - before[1]))
            routes = {"instantly": (await instantly.control("/_sandbox/stats"))["requests_by_route"],
                      "stripe": (await stripe.control("/_sandbox/stats"))["requests"]["by_route"]}
    total = [a + b for a, b in trips]
    wall = statistics.median(times) * 1000
    serial = statistics.median(total) * LATENCY_MS
    overlap = wall < serial
    steps = ", ".join(f"{s['step']}: {s['outcome']}" for s in out["steps"])
    return [Row(
        id="B6", what=f"trigger_payment_flow (+{LATENCY_MS:.0f} ms/request in both sandboxes)",
        figure=f"{statistics.median(total):.0f} round trips ({statistics.median([a for a, _ in trips]):.0f} Instantly "
               f"+ {statistics.median([b for _, b in trips]):.0f} Stripe), {wall:.0f} ms = "
               f"{wall / serial:.2f} x round trips x {LATENCY_MS:.0f} ms",
        goal="independent calls overlap (< 1.0 x)", verdict="met" if overlap else "missed",
        detail=[f"wall: {spread(times)}", f"round trips per run (Instantly, Stripe): {trips}",
                ("find lead (Instantly: the list call and its has-more probe) and resolve price (Stripe: price, "
                "product) run at once; customer look-up, customer, link, lead update each need the one before"),
                f"steps: {steps}", f"requests by route over all runs (setup and warm-up included): {routes}"],
        note="" if overlap else "Every request waits for the one before it: no independent calls overlap.",
    )]
