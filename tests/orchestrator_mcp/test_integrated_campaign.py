"""create_integrated_campaign: which leads it adds and skips, whose lead it writes to, when it activates, the new
product's default price, links on engagement by default, and the live-key preview."""

from __future__ import annotations

from typing import Any

from tests.instantly_mcp.conftest import SENDER
from tests.orchestrator_mcp.conftest import Pipeline, call, client
from tests.stripe_mcp.stripe_support import LIVE_KEY

LEADS = [{"email": "ada@acme.io", "first_name": "Ada"}, {"email": "bob@bolt.io", "first_name": "Bob"}]
BASE: dict[str, Any] = {"name": "Launch", "schedule": {"timezone": "America/Chicago"}, "subject": "Hi {{firstName}}",
                        "body": "Link: {{payment_link}}"}


def add_lead(pipeline: Pipeline, campaign: str, email: str, **payload: Any) -> dict[str, Any]:
    with pipeline.instantly.client() as http:
        res = http.post("/leads", json={"email": email, "campaign": campaign, "custom_variables": payload})
        res.raise_for_status()
        return res.json()  # type: ignore[no-any-return]


async def test_defaults_add_leads_of_other_campaigns_and_links_wait_for_engagement(pipeline: Pipeline) -> None:
    other = pipeline.new_campaign("Older outreach")
    add_lead(pipeline, other, "ada@acme.io", note="keep me")
    price = pipeline.price(1900)
    async with client() as c:
        out = await call(c, "create_integrated_campaign", {**BASE, "price_id": price, "leads": LEADS})
        assert out["link_on"] == "engagement" and out["links_created"] == 0
        assert pipeline.stripe_count("customer") == 0 and pipeline.stripe_count("payment_link") == 0
        # ada is in another campaign: she is still added here (only this campaign's own leads are skipped)
        assert sorted(x["email"] for x in pipeline.leads_in(out["campaign_id"])) == ["ada@acme.io", "bob@bolt.io"]
        assert out["imported"]["created"] == 2 and out["skipped_leads"] == []

        again = await call(c, "create_integrated_campaign", {**BASE, "price_id": price,
                                                             "leads": [*LEADS, {"email": "cy@cyan.io"}]})
        assert again["campaign_id"] == out["campaign_id"] and again["imported"]["created"] == 1
        assert sorted((s["email"], s["reason"]) for s in again["skipped_leads"]) == [
            ("ada@acme.io", "already in this campaign"), ("bob@bolt.io", "already in this campaign")]

        asked = await call(c, "create_integrated_campaign", {**BASE, "name": "Strict", "price_id": price,
                                                             "leads": LEADS, "skip_leads_in_other_campaigns": True})
        assert asked["imported"]["created"] == 0
        assert {s["email"] for s in asked["skipped_leads"]} == {"ada@acme.io", "bob@bolt.io"}
        assert all("another campaign" in s["reason"] for s in asked["skipped_leads"])
    (kept,) = pipeline.leads_in(other)
    assert kept["payload"].get("note") == "keep me" and "payment_link" not in kept["payload"]


async def test_link_for_a_campaign_never_writes_to_the_same_email_in_another_campaign(pipeline: Pipeline) -> None:
    other = pipeline.new_campaign("Someone else's")
    mine = pipeline.new_campaign("Mine")
    add_lead(pipeline, other, "ada@acme.io")
    price = pipeline.price(1900)
    async with client() as c:
        res = await c.call_tool("trigger_payment_flow", {"lead_email": "ada@acme.io", "campaign_id": mine,
                                                         "price_id": price})
        assert res.is_error and mine in res.content[0].text
    (lead,) = pipeline.leads_in(other)
    assert "payment_link" not in lead["payload"]
    assert pipeline.stripe_count("payment_link") == 0 and pipeline.stripe_count("customer") == 0


async def test_activation_needs_leads_and_a_sending_account(pipeline: Pipeline) -> None:
    price = pipeline.price(1900)
    async with client() as c:
        no_sender = await c.call_tool("create_integrated_campaign", {**BASE, "price_id": price, "leads": LEADS,
                                                                     "activate": True, "confirm": True})
        assert no_sender.is_error and "sender_accounts" in no_sender.content[0].text
        empty = await call(c, "create_integrated_campaign", {**BASE, "price_id": price, "sender_accounts": [SENDER],
                                                             "activate": True, "confirm": True})
        assert empty["campaign_status"] == "paused" and "no leads" in empty["note"]
        full = await call(c, "create_integrated_campaign", {**BASE, "name": "Full", "price_id": price,
                                                            "sender_accounts": [SENDER], "leads": LEADS,
                                                            "activate": True, "confirm": True})
        assert full["campaign_status"] == "active"


async def test_new_product_gets_its_default_price(pipeline: Pipeline) -> None:
    async with client() as c:
        out = await call(c, "create_integrated_campaign", {
            **BASE, "new_product": {"name": "Starter", "unit_amount": 1900, "currency": "usd"}})
    product = pipeline.stripe("GET", f"/v1/products/{out['product_id']}")
    assert product["default_price"] == out["price_id"]


async def test_live_key_previews_without_confirm(pipeline: Pipeline, monkeypatch: Any) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", LIVE_KEY)
    before = pipeline.instantly.stats()["requests_total"]
    async with client() as c:
        out = await call(c, "create_integrated_campaign", {
            **BASE, "new_product": {"name": "Starter", "unit_amount": 1900, "currency": "usd"}, "leads": LEADS,
            "link_on": "import"})
        assert out["executed"] is False and "LIVE" in out["preview"] and out["campaign_id"] == ""
    stats = pipeline.stripe_control("stats")
    assert sum(n for route, n in stats["requests"]["by_route"].items() if not route.startswith("GET")) == 0
    assert pipeline.instantly.stats()["requests_total"] == before  # no campaign, no leads
