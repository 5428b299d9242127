"""A launch's sales drive what follows through the polling path (sync_now), and a replayed sale changes nothing
twice: buyers leave the reminder campaign, the early-bird link stops at its limit and the others' {{payment_link}}
switches to the regular tier."""

from __future__ import annotations

from tests.orchestrator_mcp.conftest import Pipeline, call, client
from tests.orchestrator_mcp.test_flows_launch import LAUNCH, world


def cid(label: str) -> str:
    return label.rsplit("(", 1)[1].rstrip(")")


async def test_sales_polled_switch_the_tier_once_and_a_replay_changes_nothing(pipeline: Pipeline) -> None:
    world(pipeline)
    with pipeline.instantly.client() as http:  # a third SaaS lead, so one is left when the early bird sells out
        http.post("/leads/add", json={"campaign_id": pipeline.new_campaign("More"), "leads": [
            {"email": "di@dune.io", "custom_variables": {"industry": "SaaS"}}]}).raise_for_status()
    welcome = pipeline.new_campaign("Welcome")
    async with client() as c:
        # a general post-purchase role: a launch's buyers go to the launch's own registered campaign instead
        await call(c, "configure_pipeline", {"campaign_roles": {"post_purchase": welcome}})
        done = await call(c, "launch_offer", {**LAUNCH, "confirm": True})
        assert any("instead of the post_purchase" in line for line in done["automation"])
        launch, registered = cid(done["campaign"]), cid(done["registered_campaign"])
        early, regular = done["tiers"]
        early_id = next(x["id"] for x in pipeline.stripe("GET", "/v1/payment_links", params={"limit": 100})["data"]
                        if x["url"] == early["payment_link"])
        for email in ("ada@acme.io", "cy@cyan.io"):
            pipeline.stripe_control(f"payment_links/{early_id}/pay", {"email": email})
        await call(c, "sync_now", {"source": "stripe"})
        assert {x["email"] for x in pipeline.leads_in(registered)} == {"ada@acme.io", "cy@cyan.io"}
        assert pipeline.leads_in(welcome) == []
        left = pipeline.leads_in(launch)
        assert [x["email"] for x in left] == ["di@dune.io"]
        assert left[0]["payload"]["payment_link"] == regular["payment_link"]
        assert pipeline.stripe("GET", f"/v1/payment_links/{early_id}")["active"] is False
        # the sale that sold the tier out, replayed with its outside actions: nothing moves or switches again
        sales = (await call(c, "list_events", {"type": "checkout.session.completed"}))["events"]
        assert len(sales) == 2
        for sale in sales:
            await call(c, "replay_event", {"id": sale["id"], "rerun_side_effects": True})
        status = await call(c, "launch_offer", {**LAUNCH, "confirm": True})
    assert [(t["status"], t["sold"]) for t in status["tiers"]] == [("sold out", 2), ("on sale", 0)]
    assert [x["email"] for x in pipeline.leads_in(launch)] == ["di@dune.io"]
    assert len(pipeline.leads_in(registered)) == 2
    contacts = {e: pipeline.stripe("GET", "/v1/customers", params={"email": e})["data"] for e in ("ada@acme.io",)}
    assert len(contacts["ada@acme.io"]) == 1
