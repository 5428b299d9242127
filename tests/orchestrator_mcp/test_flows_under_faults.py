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
        made = await until_ok(pipeline, c, "create_integrated_campaign", {
            "name": "Launch", "new_product": {"name": "Starter", "unit_amount": 1900, "currency": "usd"},
            "schedule": {"timezone": "America/Chicago"}, "subject": "Hi", "body": "Link: {{payment_link}}",
            "leads": [{"email": "cy@cyan.io"}], "link_on": "import"}, faulted_writes=writes)
        assert made["links_created"] == 1
    counts = {k: pipeline.stripe_count(k) - base[k] for k in KINDS}
    # ada, bob and cy: one customer and one link each; one new product with one price
    assert counts == {"customer": 3, "product": 1, "price": 1, "payment_link": 3}
