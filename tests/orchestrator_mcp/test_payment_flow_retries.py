"""trigger_payment_flow fails at each step in turn (faults injected in the sandboxes) and is retried:
no duplicate customer or link is ever created, counted in the Stripe sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from tests.orchestrator_mcp.conftest import Pipeline, call, client


def stripe_drop_writes(p: Pipeline, n: int) -> None:
    """The next n writes commit, then the connection drops: the client sees a failure, Stripe has the object."""
    p.stripe_control("faults", {"after_commit_next": n})


def instantly_fail(p: Pipeline, match: str, method: str, n: int = 6) -> None:
    p.instantly.control("faults", {"fail_next": ["500"] * n, "match": match, "method": method})


async def flow(c: Any, price: str, **extra: Any) -> Any:
    return await c.call_tool("trigger_payment_flow", {"lead_email": "dana@delta.io", "price_id": price, **extra})


async def test_retry_after_a_failure_at_each_step_creates_nothing_twice(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No SDK-level retries here, so a dropped write fails the whole operation, as it would after the SDK's last try.
    monkeypatch.setenv("STRIPE_MAX_NETWORK_RETRIES", "0")
    campaign = pipeline.new_campaign("Outreach")
    follow_up = pipeline.new_campaign("Follow-up")
    with pipeline.instantly.client() as http:
        http.post("/leads", json={"email": "dana@delta.io", "first_name": "Dana", "campaign": campaign}).raise_for_status()
    prices = [pipeline.price(1000 * (i + 1), name=f"Plan {i}") for i in range(4)]
    failures = [
        ("find or create Stripe customer", lambda: stripe_drop_writes(pipeline, 1), {}),
        ("create payment link", lambda: stripe_drop_writes(pipeline, 1), {}),
        ("write link into lead variables", lambda: instantly_fail(pipeline, "/api/v2/leads/", "PATCH"), {}),
        ("move lead to follow-up campaign", lambda: instantly_fail(pipeline, "/api/v2/leads/move", "POST"),
         {"follow_up_campaign_id": follow_up}),
    ]
    async with client() as c:
        for price, (step, inject, extra) in zip(prices, failures, strict=True):
            inject()
            failed = await flow(c, price, **extra)
            assert failed.is_error, step
            text = failed.content[0].text
            assert f"Stopped at step '{step}'" in text and "safe" in text
            pipeline.stripe_control("faults", {"after_commit_next": 0})
            pipeline.instantly.control("faults", {"clear": True})

            first = (await flow(c, price, **extra)).structured_content
            again = (await flow(c, price, **extra)).structured_content
            assert first["payment_link_url"] == again["payment_link_url"]
            assert all(s["outcome"] in ("reused", "done") for s in again["steps"])
            assert {s["step"]: s["outcome"] for s in again["steps"]}["create payment link"] == "reused"

    assert pipeline.stripe_count("customer") == 1
    assert pipeline.stripe_count("payment_link") == 4  # one per price, none twice
    lead = next(x for x in pipeline.leads_in(follow_up) if x["email"] == "dana@delta.io")
    assert lead["payload"]["payment_link"] == first["payment_link_url"]
