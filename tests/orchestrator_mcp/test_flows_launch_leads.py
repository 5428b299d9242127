"""launch_offer with new leads (`leads`): which it imports and which it names as not added, whose lead it writes
to, when the campaign starts sending, a new product's default price, a price given by id, recurring prices, and
links on engagement (flows/launch_leads.py, flows/launch_run.py)."""

from __future__ import annotations

from typing import Any

from tests.instantly_mcp.conftest import SENDER
from tests.orchestrator_mcp.conftest import Pipeline, call, client

LEADS = [{"email": "ada@acme.io", "first_name": "Ada"}, {"email": "bob@bolt.io", "first_name": "Bob"}]
BASE: dict[str, Any] = {"name": "Launch", "schedule": {"timezone": "America/Chicago"}, "sender_accounts": [SENDER],
                        "steps": ["Hi {{firstName}}\nLink: {{payment_link}}"], "confirm": True}


def add_lead(pipeline: Pipeline, campaign: str, email: str, **payload: Any) -> dict[str, Any]:
    with pipeline.instantly.client() as http:
        res = http.post("/leads", json={"email": email, "campaign": campaign, "custom_variables": payload})
        res.raise_for_status()
        return res.json()  # type: ignore[no-any-return]


def campaigns(pipeline: Pipeline) -> list[dict[str, Any]]:
    with pipeline.instantly.client() as http:
        return http.get("/campaigns", params={"limit": 100}).json()["items"]  # type: ignore[no-any-return]


def campaign_id(out: dict[str, Any]) -> str:
    return str(out["campaign"].rsplit("(", 1)[1][:-1])


async def test_new_leads_are_imported_once_and_each_lead_not_added_is_named(pipeline: Pipeline) -> None:
    other = pipeline.new_campaign("Older outreach")
    add_lead(pipeline, other, "ada@acme.io", note="keep me")
    price = pipeline.price(1900)
    async with client() as c:
        preview = await call(c, "launch_offer", {**BASE, "product": price, "leads": LEADS, "confirm": False})
        assert (preview["executed"], preview["leads"], preview["new_leads"]) == (False, 2, 2)
        assert preview["by_source"] == {"new leads": 2}  # only new leads given: no existing lead is taken
        out = await call(c, "launch_offer", {**BASE, "product": price, "leads": LEADS})
        mine = campaign_id(out)
        # ada is in another campaign: she is still added here, and her other lead is neither moved nor written to
        leads = pipeline.leads_in(mine)
        assert sorted(x["email"] for x in leads) == ["ada@acme.io", "bob@bolt.io"]
        assert out["new_leads"] == 2 and out["skipped"] == [] and out["campaign_status"] == "active"
        (tier,) = out["tiers"]
        assert tier["price_id"] == price and tier["status"] == "on sale"
        assert {x["payload"]["payment_link"] for x in leads} == {tier["payment_link"]}

        again = await call(c, "launch_offer", {**BASE, "product": price, "leads": [*LEADS, {"email": "cy@cyan.io"}]})
        assert campaign_id(again) == mine and again["new_leads"] == 1 and again["leads"] == 3
        assert sorted((s["email"], s["reason"]) for s in again["skipped"]) == [
            ("ada@acme.io", "already in this campaign"), ("bob@bolt.io", "already in this campaign")]
        assert again["left_out"] == {"already in this campaign": 2}

        strict = await call(c, "launch_offer", {**BASE, "name": "Strict", "product": price, "leads": LEADS,
                                                "skip_leads_in_other_campaigns": True})
        assert strict["new_leads"] == 0 and strict["campaign_status"] == "paused"
        assert {s["email"] for s in strict["skipped"]} == {"ada@acme.io", "bob@bolt.io"}
        assert all("another campaign" in s["reason"] for s in strict["skipped"])
    (kept,) = pipeline.leads_in(other)
    assert kept["payload"].get("note") == "keep me" and "payment_link" not in kept["payload"]
    assert pipeline.stripe_count("price") == 1  # the price given by id is used, not copied


async def test_sending_starts_only_with_leads_and_never_with_activate_false(pipeline: Pipeline) -> None:
    price = pipeline.price(1900)
    async with client() as c:
        empty = await call(c, "launch_offer", {**BASE, "product": price})
        assert empty["campaign_status"] == "paused" and empty["leads"] == 0
        assert any(s["outcome"] == "skipped" and "no leads" in s["detail"] for s in empty["steps"])
        held = await call(c, "launch_offer", {**BASE, "name": "Held", "product": price, "leads": LEADS,
                                              "activate": False})
        assert held["campaign_status"] == "paused" and held["new_leads"] == 2
        full = await call(c, "launch_offer", {**BASE, "name": "Full", "product": price, "leads": LEADS})
        assert full["campaign_status"] == "active"
        # the empty campaign starts once it has leads, on the next run
        filled = await call(c, "launch_offer", {**BASE, "product": price, "leads": LEADS})
        assert filled["campaign_status"] == "active" and filled["new_leads"] == 2
    statuses = {x["name"]: x["status"] for x in campaigns(pipeline)}
    assert (statuses["Launch"], statuses["Held"], statuses["Full"]) == (1, 0, 1)


async def test_a_new_product_gets_its_first_price_as_default_and_recurring_prices_work(pipeline: Pipeline) -> None:
    async with client() as c:
        out = await call(c, "launch_offer", {**BASE, "product": "Starter", "tiers": [{"amount": 1900}],
                                             "interval": "month", "leads": LEADS})
    product_id = out["product"].rsplit("(", 1)[1][:-1]
    product = pipeline.stripe("GET", f"/v1/products/{product_id}")
    (tier,) = out["tiers"]
    assert product["default_price"] == tier["price_id"] and tier["price"] == "$19.00"
    price = pipeline.stripe("GET", f"/v1/prices/{tier['price_id']}")
    assert price["recurring"]["interval"] == "month" and price["type"] == "recurring"


async def test_links_on_engagement_wait_for_interest_and_take_one_price(pipeline: Pipeline) -> None:
    price = pipeline.price(4900)
    async with client() as c:
        tiered = await c.call_tool("launch_offer", {**BASE, "product": "Kit", "link_on": "engagement", "tiers": [
            {"label": "Early", "amount": 700, "limit": 5}, {"amount": 900}]})
        assert tiered.is_error and "link_on=now" in tiered.content[0].text
        out = await call(c, "launch_offer", {**BASE, "product": price, "leads": LEADS, "link_on": "engagement"})
        config = await call(c, "configure_pipeline", {})
    mine = campaign_id(out)
    assert out["tiers"][0]["status"] == "per lead" and "post_purchase" in out["registered_campaign"]
    assert all("payment_link" not in x["payload"] for x in pipeline.leads_in(mine))
    assert config["auto_payment_flow"] is True and pipeline.stripe_count("payment_link") == 0
    assert config["campaign_prices"] == {mine: price}
    names = {x["name"] for x in campaigns(pipeline)}
    assert names == {"Launch"}  # no "registered" campaign: buyers follow the post_purchase role


async def test_a_wrong_key_inside_a_launch_is_an_error_naming_the_valid_keys(pipeline: Pipeline) -> None:
    cases = [({"segment": {"wher": {"industry": "SaaS"}}}, "valid keys: campaigns, where, engaged_days"),
             ({"tiers": [{"amount": 700, "limt": 5}]}, "valid keys: label, amount, limit"),
             ({"steps": ["Hi\nThere", {"subjet": "Hi", "body": "There"}]},
              "`steps[1].subjet` is not a key of `steps[1]`; valid keys: subject, body, variants, delay, delay_unit"),
             ({"where": {"industry": "SaaS"}}, "launch_offer takes: name, product, tiers"),
             ({"interval": "month"}, "interval=month makes new recurring prices: give tiers")]
    async with client() as c:
        for extra, said in cases:
            res = await c.call_tool("launch_offer", {"name": "Kit launch", "product": "Kit", "confirm": True, **extra})
            assert res.is_error and said in res.content[0].text, res.content[0].text
    assert campaigns(pipeline) == [] and pipeline.stripe_count("product") == 0
