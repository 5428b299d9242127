"""A rule that keeps failing is retried, dead-lettered, stays visible, and is replayed once fixed."""

from __future__ import annotations

import pytest

from tests.orchestrator_mcp.conftest import Pipeline, call, client

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)


async def test_failure_retry_dead_letter_then_replay(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISMCP_EVENT_RETRY_BASE_SECONDS", "0")
    monkeypatch.setenv("ISMCP_EVENT_MAX_ATTEMPTS", "3")
    outreach = pipeline.new_campaign("Outreach")
    onboarding = pipeline.new_campaign("Onboarding")
    with pipeline.instantly.client() as http:
        http.post("/leads", json={"email": "kim@kilo.io", "campaign": outreach}).raise_for_status()
    price = pipeline.price(3000)
    gone = pipeline.new_campaign("Deleted later")
    async with client() as c:
        # a post-purchase campaign that no longer exists: every payment event's rule fails
        await call(c, "configure_pipeline", {"campaign_roles": {"post_purchase": gone}})
        with pipeline.instantly.client() as http:
            http.delete(f"/campaigns/{gone}").raise_for_status()
        link = await call(c, "trigger_payment_flow", {"lead_email": "kim@kilo.io", "price_id": price})
        pipeline.stripe_control(f"payment_links/{link['payment_link_id']}/pay", {"email": "kim@kilo.io"})
        polled = await call(c, "sync_now", {"source": "stripe", "process": False})
        assert polled["stripe_new"] > 0
        report = await call(c, "sync_now", {"source": "none"})
        assert report["dead"] >= 1 and report["retried"] >= 2
        dead = (await call(c, "list_events", {"status": "dead"}))["events"]
        assert dead and all(e["attempts"] == 3 and "not found" in e["last_error"].lower() for e in dead)
        status = await call(c, "list_events", {"limit": 1})
        assert status["queue"].get("dead") == len(dead)
        contact = (await call(c, "find_contacts", {"email": "kim@kilo.io"}))["contacts"][0]
        assert contact["total_revenue"] == 0  # the failed transactions left nothing behind

        await call(c, "configure_pipeline", {"campaign_roles": {"post_purchase": onboarding}})
        for event in dead:
            assert (await call(c, "replay_event", {"id": event["id"]}))["id"] == event["id"]
        assert (await call(c, "list_events", {"status": "dead"}))["events"] == []
        contact = (await call(c, "find_contacts", {"email": "kim@kilo.io"}))["contacts"][0]
        assert contact["total_revenue"] == 3000 and contact["conversion_status"] == "customer"
