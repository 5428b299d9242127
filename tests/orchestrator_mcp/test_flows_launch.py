"""launch_offer and setup_subscription_lifecycle through an MCP client against both sandboxes: a retried confirm
creates nothing twice, even when the orchestrator's own record of the run is gone (campaigns and products are
found by name, Stripe writes carry keys derived from the arguments); bad requests write nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.instantly_mcp.conftest import SENDER
from tests.orchestrator_mcp.conftest import Pipeline, call, client

LEADS = [
    {"email": "ada@acme.io", "first_name": "Ada", "custom_variables": {"industry": "SaaS"}},
    {"email": "bob@bolt.io", "first_name": "Bob", "custom_variables": {"industry": "Retail"}},
    {"email": "cy@cyan.io", "first_name": "Cy", "custom_variables": {"industry": "saas"}},
]
LAUNCH = {"name": "Kit launch", "product": "Analytics Kit", "segment": {"where": {"industry": "SaaS"}},
          "tiers": [{"label": "Early bird", "amount": 14900, "limit": 2}, {"label": "Regular", "amount": 19900}],
          "sender_accounts": [SENDER]}


def world(pipeline: Pipeline) -> str:
    source = pipeline.new_campaign("Outreach")
    with pipeline.instantly.client() as http:
        http.post("/leads/add", json={"campaign_id": source, "leads": LEADS}).raise_for_status()
    return source


def counts(pipeline: Pipeline) -> dict[str, Any]:
    with pipeline.instantly.client() as http:
        names = [c["name"] for c in http.get("/campaigns", params={"limit": 100}).json()["items"]]
    return {"campaigns": sorted(names), **{k: pipeline.stripe_count(k) for k in ("product", "price", "payment_link")}}


async def test_a_retried_launch_creates_nothing_twice_even_without_its_stored_state(
        pipeline: Pipeline, tmp_path: Path) -> None:
    world(pipeline)
    before = counts(pipeline)
    async with client() as c:
        preview = await call(c, "launch_offer", LAUNCH)
        assert counts(pipeline) == before  # a preview writes nothing
        assert (preview["executed"], preview["leads"], preview["left_out"]) == (False, 2, {"does not match": 1})
        first = await call(c, "launch_offer", {**LAUNCH, "confirm": True})
    after = counts(pipeline)
    assert after["campaigns"] == sorted(["Outreach", "Kit launch", "Kit launch: registered"])
    assert (after["product"], after["price"], after["payment_link"]) == (
        before["product"] + 1, before["price"] + 2, before["payment_link"] + 2)
    assert {x["email"] for x in pipeline.leads_in(first["campaign"].rsplit("(", 1)[1][:-1])} == {"ada@acme.io",
                                                                                                   "cy@cyan.io"}
    # the same request from an orchestrator whose store lost the run (another store): found, not made again
    async with client(store_url=str(tmp_path / 'other.sqlite')) as c:
        again = await call(c, "launch_offer", {**LAUNCH, "confirm": True})
    assert counts(pipeline) == after
    assert [t["payment_link"] for t in again["tiers"]] == [t["payment_link"] for t in first["tiers"]]
    assert again["campaign"] == first["campaign"]


async def test_subscription_setup_with_an_unknown_campaign_is_an_error_that_writes_nothing(
        pipeline: Pipeline) -> None:
    pipeline.new_campaign("Welcome")
    before = counts(pipeline)
    args = {"product": "Team plan", "amount": 9900, "roles": {"post_purchase": "Welcom",
                                                              "dunning": ["Card failed\nFix it"]}, "confirm": True}
    async with client() as c:
        result = await c.call_tool("setup_subscription_lifecycle", args)
        assert result.is_error and "no campaign named 'Welcom'" in result.content[0].text
        assert "Welcome" in result.content[0].text  # the close match is listed
        assert counts(pipeline) == before
        done = await call(c, "setup_subscription_lifecycle", {**args, "roles": {"post_purchase": "Welcome",
                                                                                "dunning": ["Card failed\nFix it"]}})
        config = await call(c, "configure_pipeline", {})
    assert [(r["role"], r["outcome"]) for r in done["roles"]] == [("post_purchase", "existing"),
                                                                   ("dunning", "created")]
    assert set(config["campaign_roles"]) >= {"post_purchase", "dunning"}
    assert counts(pipeline)["campaigns"] == sorted(["Welcome", "Team plan: dunning"])
