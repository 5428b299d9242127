"""The simulation tools: listed and usable only in sandbox mode; leads engage and time passes through the
sandboxes' real paths, and each result says what happened and what the orchestrator did about it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from mcp import Client

from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.server import build
from orchestrator_mcp.tools.simulate import EngageIn, simulate_engagement
from shared.deps import ServerOptions
from shared.errors import AppError
from shared.tooling import Call
from tests.orchestrator_mcp.conftest import Pipeline, call
from tests.support.snapshots import check_snapshot, tool_listing

SIM_TOOLS = {"simulate_engagement", "simulate_time", "simulate_billing", "sandbox_reset"}
SENDER = "alex.rivera@sandbox-outreach.com"


@pytest.fixture
def world(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pipeline]:
    """The pipeline's two sandboxes as the shared sandboxes of sandbox mode."""
    monkeypatch.setenv("ISMCP_SANDBOX_INSTANTLY_PORT", str(urlparse(pipeline.instantly.url).port))
    monkeypatch.setenv("ISMCP_SANDBOX_STRIPE_PORT", str(urlparse(pipeline.stripe_url).port))
    yield pipeline


def sandbox_client() -> Client:
    return Client(build(ServerOptions(sandbox=True)))


def campaign(world: Pipeline, name: str, emails: list[str], *, steps: list[tuple[str, int]] | None = None,
             active: bool = True, **extra: Any) -> str:
    sequence = [{"steps": [{"type": "email", "delay": delay, "variants": [{"subject": s, "body": f"{s} body"}]}
                           for s, delay in (steps or [("Hello {{firstName}}", 2), ("Following up", 0)])]}]
    with world.instantly.client() as http:
        res = http.post("/campaigns", json={"name": name, "sequences": sequence, "email_list": [SENDER],
                                            "campaign_schedule": {"schedules": [{
                                                "name": "All", "timing": {"from": "00:00", "to": "23:59"},
                                                "days": {str(d): True for d in range(7)},
                                                "timezone": "America/Chicago"}]}, **extra})
        res.raise_for_status()
        cid = str(res.json()["id"])
        if emails:
            http.post("/leads/add", json={"campaign_id": cid, "leads": [
                {"email": e, "first_name": e.split("@")[0].title()} for e in emails]}).raise_for_status()
        if active:
            http.post(f"/campaigns/{cid}/activate", json={}).raise_for_status()
    return cid


def lead(world: Pipeline, cid: str, email: str) -> dict[str, Any]:
    return next(x for x in world.leads_in(cid) if x["email"] == email)


async def contact(c: Client, email: str) -> dict[str, Any]:
    return (await call(c, "find_contacts", {"email": email}))["contacts"][0]  # type: ignore[no-any-return]


async def test_listed_only_in_sandbox_mode() -> None:
    async with Client(build(ServerOptions())) as c:
        real = {t.name for t in (await c.list_tools()).tools}
    async with sandbox_client() as c:
        sandbox = {t.name for t in (await c.list_tools()).tools}
    assert not real & SIM_TOOLS
    assert SIM_TOOLS <= sandbox
    async with Client(build(ServerOptions())) as c:
        result = await c.call_tool("simulate_time", {"days": 1})
    assert result.is_error


async def test_simulation_schemas_snapshot_and_size() -> None:
    listing = {k: v for k, v in (await tool_listing(build(ServerOptions(sandbox=True)))).items() if k in SIM_TOOLS}
    check_snapshot(listing, Path(__file__).parent / "snapshots" / "orchestrator_simulation_tools.json")
    model_facing = sum(len(json.dumps({"name": k, "title": v["title"], "description": v["description"],
                                       "input_schema": v["input_schema"]}, separators=(",", ":")))
                       for k, v in listing.items())
    assert model_facing < 4500  # tools/list goes to the model on every turn


async def test_the_call_refuses_outside_sandbox_mode(world: Pipeline) -> None:
    cid = campaign(world, "Outreach", ["ada@acme.io"])
    deps = OrchestratorDeps(ServerOptions(sandbox=False))
    try:
        with pytest.raises(AppError, match="only in sandbox mode"):
            await simulate_engagement(Call(deps=deps), EngageIn(events=["interested"], campaign=cid))
    finally:
        await deps.aclose()
    assert lead(world, cid, "ada@acme.io").get("lt_interest_status") is None  # nothing happened


async def test_time_sends_due_steps_through_connected_accounts_and_engagement_reaches_contacts(world: Pipeline) -> None:
    emails = ["ada@acme.io", "bob@bolt.io", "cyd@cyan.io"]
    cid = campaign(world, "Q4 outreach", emails)
    async with sandbox_client() as c:
        first = await call(c, "simulate_time", {"days": 0})
        assert first["headline"].startswith("0 days passed: 3 emails sent")
        assert any("Q4 outreach: 3 emails sent (step 1: 3)" in h for h in first["happened"])
        assert {x["status"] for x in first["contacts"]} == {"contacted"}
        assert all(lead(world, cid, e)["email_open_count"] == 0 for e in emails)
        # step 1 waits 2 days before step 2
        one_day = await call(c, "simulate_time", {"days": 1})
        assert "0 emails sent" in one_day["headline"]
        two_days = await call(c, "simulate_time", {"days": 1})
        assert any("step 2: 3" in h for h in two_days["happened"])
        with world.instantly.client() as http:  # the analytics moved
            analytics = http.get("/campaigns/analytics", params={"id": cid}).json()
        assert analytics[0]["emails_sent_count"] == 6

        engaged = await call(c, "simulate_engagement", {"campaign": "Q4 outreach", "count": 2,
                                                        "events": ["opened", "clicked", "replied"],
                                                        "reply_text": "How much is it?"})
        assert engaged["headline"] == "2 of 2 leads in Q4 outreach: opened, clicked, replied."
        assert engaged["happened"] == ["ada@acme.io: opened, clicked, replied", "bob@bolt.io: opened, clicked, replied"]
        ada = await contact(c, "ada@acme.io")
        assert (ada["clicks"], ada["replies"], ada["conversion_status"]) == (1, 1, "engaged")
        # the next count picks leads that have not replied yet
        nxt = await call(c, "simulate_engagement", {"campaign": cid, "count": 1, "events": ["replied"]})
        assert nxt["happened"] == ["cyd@cyan.io: replied"]
        # a poll of the same replies stores nothing new: the ids match the webhook bodies' ids
        polled = await call(c, "sync_now", {"source": "instantly"})
        assert polled["instantly_new"] == 0
        assert (await contact(c, "ada@acme.io"))["replies"] == 1


async def test_share_and_emails_targeting_and_skips(world: Pipeline) -> None:
    emails = [f"lead{i}@x.io" for i in range(10)]
    cid = campaign(world, "Big", emails)
    async with sandbox_client() as c:
        not_sent = await call(c, "simulate_engagement", {"campaign": "Big", "events": ["opened"]})
        assert not_sent["happened"] == [] and "No lead in Big could take opened" in not_sent["headline"]
        await call(c, "simulate_time", {"days": 0})
        share = await call(c, "simulate_engagement", {"campaign": "Big", "share": 0.3, "events": ["opened"]})
        assert len(share["happened"]) == 3
        picked = await call(c, "simulate_engagement", {"emails": ["lead9@x.io", "nobody@x.io"],
                                                       "events": ["unsubscribed"]})
        assert picked["happened"] == ["lead9@x.io: unsubscribed", "nobody@x.io: skipped (no such lead)"]
        again = await call(c, "simulate_engagement", {"emails": ["lead9@x.io"], "events": ["opened"]})
        assert again["happened"] == ["lead9@x.io: skipped (unsubscribed)"]
        assert (await contact(c, "lead9@x.io"))["do_not_contact"] is True
        unknown = await c.call_tool("simulate_engagement", {"campaign": "Nope", "events": ["opened"]})
        assert unknown.is_error and "Big" in unknown.content[0].text  # names the campaigns there are
    assert lead(world, cid, "lead9@x.io")["status"] == -2


async def test_daily_limits_and_paused_accounts(world: Pipeline) -> None:
    limited = campaign(world, "Limited", [f"l{i}@x.io" for i in range(3)], daily_limit=2)
    async with sandbox_client() as c:
        day = await call(c, "simulate_time", {"days": 0, "campaign": "Limited"})
        assert any("Limited: 2 emails sent" in h for h in day["happened"])
        with world.instantly.client() as http:
            http.post(f"/accounts/{SENDER}/pause", json={}).raise_for_status()
        paused = await call(c, "simulate_time", {"days": 1, "campaign": limited})
        assert paused["happened"] == ["Limited: nothing sent (no connected sending account is active)"]


async def test_interest_runs_the_automatic_payment_flow_and_says_so(world: Pipeline) -> None:
    price = world.price(49900, name="Growth Audit")
    cid = campaign(world, "Outreach", ["ada@acme.io"])
    async with sandbox_client() as c:
        await call(c, "configure_pipeline", {"auto_payment_flow": True, "default_price_id": price})
        result = await call(c, "simulate_engagement", {"emails": ["ada@acme.io"], "events": ["interested"]})
        assert any(line.startswith("ada@acme.io: payment link sent ($499.00, Growth Audit)")
                   for line in result["orchestrator"]), result
        assert result["contacts"][0]["status"] == "payment_link_sent"
    assert "payment_link" in (lead(world, cid, "ada@acme.io").get("payload") or {})
