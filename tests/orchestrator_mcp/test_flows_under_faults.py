"""The orchestrator's Stripe-writing flows under the sandbox's fault queue: a write commits and its answer is lost,
then the SDK's retries meet 429s, so the tool call fails; the user retries it. 0 duplicate Stripe objects."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.orchestrator_mcp.conftest import Pipeline, call, client

KINDS = ("customer", "product", "price", "payment_link")


def drop_then_429s(p: Pipeline) -> None:
    """The next write commits and its answer is lost; 429s are queued for the requests that follow (the SDK's
    retries among them)."""
    p.stripe_control("faults", {"after_commit_next": 1, "next": ["429", "429"], "retry_after": 0})


def clear(p: Pipeline) -> None:
    httpx.delete(f"{p.stripe_url}/_sandbox/faults", timeout=10).raise_for_status()


async def until_ok(p: Pipeline, c: Any, tool: str, args: dict[str, Any], *, faulted_writes: int) -> dict[str, Any]:
    """Fail each of the first `faulted_writes` Stripe writes once (then retry the same call), then succeed."""
    for _ in range(faulted_writes):
        drop_then_429s(p)
        await c.call_tool(tool, args)  # may fail (the answer was lost); the user retries the same call
        clear(p)
    return await call(c, tool, args)


@pytest.mark.parametrize("writes", [1, 2, 3])
async def test_no_duplicates_after_lost_answers(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch,
                                               writes: int) -> None:
    monkeypatch.setenv("STRIPE_MAX_NETWORK_RETRIES", "2")
    campaign = pipeline.new_campaign("Outreach")
    with pipeline.instantly.client() as http:
        for email in ("ada@acme.io", "bob@bolt.io"):
            http.post("/leads", json={"email": email, "campaign": campaign}).raise_for_status()
    for event in ("sent", "opened", "clicked", "replied"):
        pipeline.engage("bob@bolt.io", event, campaign)
    price = pipeline.price(4900)
    base = {k: pipeline.stripe_count(k) for k in KINDS}
    async with client() as c:
        one = await until_ok(pipeline, c, "trigger_payment_flow",
                             {"lead_email": "ada@acme.io", "price_id": price, "campaign_id": campaign},
                             faulted_writes=writes)
        assert one["payment_link_url"].startswith("http")
        converted = await until_ok(pipeline, c, "trigger_payment_flow",
                                   {"campaign_id": campaign, "price_id": price, "min_score": 20, "confirm": True},
                                   faulted_writes=writes)
        assert converted["failed"] == 0
        made = await until_ok(pipeline, c, "launch_offer", {
            "name": "Launch", "product": "Starter", "tiers": [{"label": "Early", "amount": 1500, "limit": 10},
                                                             {"amount": 1900}],
            "steps": ["Hi\nLink: {{payment_link}}"], "leads": [{"email": "cy@cyan.io"}], "confirm": True},
            faulted_writes=writes)
        assert made["leads"] == 1 and made["tiers"][0]["status"] == "on sale"
    counts = {k: pipeline.stripe_count(k) - base[k] for k in KINDS}
    # ada and bob: one customer and one link each; the launch: one new product, a price and a link per tier
    assert counts == {"customer": 2, "product": 1, "price": 2, "payment_link": 4}
    (cy,) = [x for x in pipeline.leads_in(made["campaign"].rsplit("(", 1)[1][:-1])]
    assert cy["email"] == "cy@cyan.io" and cy["payload"]["payment_link"] == made["tiers"][0]["payment_link"]
