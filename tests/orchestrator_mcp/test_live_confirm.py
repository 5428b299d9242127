"""The live-key rule in the orchestrator: with a live Stripe key every Stripe write needs confirm=true (a preview
otherwise, nothing written anywhere); with a test key no confirm is needed. Previews read, never write."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from shared.store.engine import database_url
from tests.orchestrator_mcp.conftest import Pipeline, call, client
from tests.stripe_mcp.stripe_support import LIVE_KEY


def stripe_writes(pipeline: Pipeline) -> int:
    routes = pipeline.stripe_control("stats")["requests"]["by_route"]
    return sum(n for route, n in routes.items() if not route.startswith("GET"))


def instantly_writes(pipeline: Pipeline) -> int:
    routes = pipeline.instantly.stats()["requests_by_route"]
    return sum(n for route, n in routes.items() if not route.startswith("GET") and not route.endswith("/leads/list"))


def store_rows() -> dict[str, int]:
    db = Path(database_url().split("///", 1)[1])
    if not db.exists():
        return {}
    with sqlite3.connect(db) as raw:
        tables = [r[0] for r in raw.execute("select name from sqlite_master where type='table'")]
        return {t: raw.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables
                if t not in ("audit_log", "rate_limits")}  # bookkeeping: the audit trail, the shared rate budget


def live_price(pipeline: Pipeline, amount: int = 4900) -> str:
    pipeline.stripe_key = LIVE_KEY
    try:
        return pipeline.price(amount, name="Live plan")
    finally:
        from stripe_mcp.sandbox import SANDBOX_API_KEY

        pipeline.stripe_key = SANDBOX_API_KEY


async def test_trigger_payment_flow_with_a_live_key_needs_confirm(pipeline: Pipeline, monkeypatch: Any) -> None:
    campaign = pipeline.new_campaign("Outreach")
    with pipeline.instantly.client() as http:
        http.post("/leads", json={"email": "ada@acme.io", "first_name": "Ada", "campaign": campaign}
                  ).raise_for_status()
    price = live_price(pipeline)
    monkeypatch.setenv("STRIPE_API_KEY", LIVE_KEY)
    async with client() as c:
        await call(c, "find_contacts", {})  # the store exists before the counts
        before = (stripe_writes(pipeline), instantly_writes(pipeline), store_rows())
        preview = await call(c, "trigger_payment_flow", {"lead_email": "ada@acme.io", "price_id": price,
                                                         "campaign_id": campaign})
        assert preview["executed"] is False and preview["payment_link_url"] == ""
        assert preview["amount"] == 4900 and preview["currency"] == "usd" and preview["email"] == "ada@acme.io"
        assert [s["outcome"] for s in preview["steps"]] == ["planned", "planned", "planned"]
        assert (stripe_writes(pipeline), instantly_writes(pipeline), store_rows()) == before

        mapped = await call(c, "map_contact", {"email": "ada@acme.io", "apply": True})
        assert mapped["applied"] is False and "confirm=true" in mapped["note"]
        assert (stripe_writes(pipeline), instantly_writes(pipeline), store_rows()) == before

        done = await call(c, "trigger_payment_flow", {"lead_email": "ada@acme.io", "price_id": price,
                                                      "campaign_id": campaign, "confirm": True})
        assert done["executed"] is True and done["payment_link_url"].startswith("http")
    assert pipeline.stripe("GET", "/v1/payment_links")["data"] == []  # test data and live data stay apart


async def test_test_key_needs_no_confirm(pipeline: Pipeline) -> None:
    campaign = pipeline.new_campaign("Outreach")
    with pipeline.instantly.client() as http:
        http.post("/leads", json={"email": "ada@acme.io", "campaign": campaign}).raise_for_status()
    price = pipeline.price(4900)
    async with client() as c:
        done = await call(c, "trigger_payment_flow", {"lead_email": "ada@acme.io", "price_id": price})
        assert done["executed"] is True and pipeline.stripe_count("payment_link") == 1
        mapped = await call(c, "map_contact", {"email": "ada@acme.io", "apply": True})
        assert mapped["applied"] is True


async def test_convert_preview_resolves_the_price_and_writes_nothing(pipeline: Pipeline) -> None:
    campaign = pipeline.new_campaign("Outreach")
    with pipeline.instantly.client() as http:
        http.post("/leads", json={"email": "ada@acme.io", "campaign": campaign}).raise_for_status()
    for event in ("sent", "opened", "clicked", "replied", "interested"):
        pipeline.engage("ada@acme.io", event, campaign)
    price = pipeline.price(4900, name="Growth Audit")
    archived = pipeline.price(100)
    pipeline.stripe("POST", f"/v1/prices/{archived}", data={"active": "false"})
    async with client() as c:
        await call(c, "find_contacts", {})
        before = store_rows()
        bad = await c.call_tool("trigger_payment_flow", {"campaign_id": campaign, "price_id": archived})
        assert bad.is_error and "archived" in bad.content[0].text  # seen in the preview, not at confirm
        preview = await call(c, "trigger_payment_flow", {"campaign_id": campaign, "price_id": price})
        assert preview["executed"] is False and preview["qualified"] == 1 and preview["price_id"] == price
        assert "Growth Audit" in preview["offer"] and "$49.00" in preview["offer"]
        assert store_rows() == before  # scoring in a preview stores nothing


async def test_enabling_automatic_links_with_a_live_key_needs_confirm(pipeline: Pipeline, monkeypatch: Any) -> None:
    price = live_price(pipeline)
    camp_1, camp_2 = pipeline.new_campaign("Win-back"), pipeline.new_campaign("Upsell")
    monkeypatch.setenv("STRIPE_API_KEY", LIVE_KEY)
    async with client() as c:
        roles = await call(c, "configure_pipeline", {"campaign_roles": {"win_back": camp_1}})  # no Stripe: no gate
        assert roles["executed"] is True and roles["campaign_roles"] == {"win_back": camp_1}
        before = store_rows()
        preview = await call(c, "configure_pipeline", {"auto_payment_flow": True, "default_price_id": price,
                                                       "campaign_roles": {"upsell": camp_2}})
        assert preview["executed"] is False and "confirm=true" in preview["note"]
        assert preview["auto_payment_flow"] is False and preview["campaign_roles"] == {"win_back": camp_1}
        assert store_rows() == before
        assert (await call(c, "configure_pipeline", {}))["auto_payment_flow"] is False
        done = await call(c, "configure_pipeline", {"auto_payment_flow": True, "default_price_id": price,
                                                    "confirm": True})
        assert done["executed"] is True and done["auto_payment_flow"] is True and done["default_price_id"] == price
        # while on, changing what the automatic links charge is consent again
        other = live_price(pipeline, 9900)
        again = await call(c, "configure_pipeline", {"campaign_prices": {camp_1: other}})
        assert again["executed"] is False and again["campaign_prices"] == {}
        off = await call(c, "configure_pipeline", {"auto_payment_flow": False})  # turning off needs nothing
        assert off["executed"] is True and off["auto_payment_flow"] is False


async def test_enabling_automatic_links_with_a_test_key_needs_no_confirm(pipeline: Pipeline) -> None:
    price = pipeline.price(4900)
    async with client() as c:
        done = await call(c, "configure_pipeline", {"auto_payment_flow": True, "default_price_id": price})
        assert done["executed"] is True and done["auto_payment_flow"] is True
