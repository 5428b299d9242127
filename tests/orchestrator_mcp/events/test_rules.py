"""Engagement drives payments: an interested lead gets a payment link automatically (when configured),
and a bounce or an unsubscribe stops all automation for that contact."""

from __future__ import annotations

from tests.orchestrator_mcp.conftest import Pipeline, call, client
from tests.orchestrator_mcp.events.test_deliveries import Receiver, receiver, settle  # noqa: F401 (fixture)

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)


async def test_interest_triggers_a_link_and_a_bounce_stops_automation(pipeline: Pipeline, receiver: Receiver) -> None:
    campaign = pipeline.new_campaign("Outreach")
    with pipeline.instantly.client() as http:
        for email in ("ivy@int.io", "bo@bounce.io", "una@unsub.io"):
            http.post("/leads", json={"email": email, "campaign": campaign}).raise_for_status()
    price = pipeline.price(2500)
    async with client() as c:
        off = await call(c, "configure_pipeline", {})
        assert off["auto_payment_flow"] is False  # off by default
        await call(c, "configure_pipeline", {"auto_payment_flow": True, "campaign_prices": {campaign: price}})
        pipeline.engage("bo@bounce.io", "sent", campaign)
        pipeline.engage("bo@bounce.io", "bounced", campaign)
        pipeline.engage("una@unsub.io", "sent", campaign)
        pipeline.engage("una@unsub.io", "unsubscribed", campaign)
        pipeline.instantly.control("webhooks/drain", {"timeout": 10})
        settle(receiver)
        for email in ("ivy@int.io", "bo@bounce.io", "una@unsub.io"):
            pipeline.engage(email, "interested", campaign)
        pipeline.instantly.control("webhooks/drain", {"timeout": 10})
        settle(receiver)

        ivy = (await call(c, "find_contacts", {"email": "ivy@int.io"}))["contacts"][0]
        assert ivy["conversion_status"] == "payment_link_sent" and ivy["interest_status"] == 1
        for email in ("bo@bounce.io", "una@unsub.io"):
            stopped = (await call(c, "find_contacts", {"email": email}))["contacts"][0]
            assert stopped["do_not_contact"] is True and stopped["conversion_status"] != "payment_link_sent"
        assert (await call(c, "list_events", {"status": "dead"}))["events"] == []
    links = pipeline.stripe("GET", "/v1/payment_links")["data"]
    assert len(links) == 1 and links[0]["metadata"]["contact_id"] == ivy["id"]
    lead = next(x for x in pipeline.leads_in(campaign) if x["email"] == "ivy@int.io")
    assert lead["payload"]["payment_link"] == links[0]["url"]
