"""A reply seen by webhook and again by polling counts once (auto-replies too), and replaying an event never
counts an open, a click, a reply or a payment twice; its outside actions run again only when asked."""

from __future__ import annotations

from tests.orchestrator_mcp.conftest import Pipeline, call, client
from tests.orchestrator_mcp.events.test_deliveries import Receiver, buy, make_world, receiver, settle  # noqa: F401

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)

COUNTED = ("opens", "clicks", "replies", "total_revenue", "payment_failures", "email_engagement_score")


async def test_an_auto_reply_by_webhook_and_by_poll_is_one_event_and_no_reply(pipeline: Pipeline,
                                                                              receiver: Receiver) -> None:
    campaign = pipeline.new_campaign("Outreach")
    with pipeline.instantly.client() as http:
        http.post("/leads", json={"email": "oof@away.io", "campaign": campaign}).raise_for_status()
    pipeline.engage("oof@away.io", "sent", campaign)
    pipeline.engage("oof@away.io", "auto_replied", campaign)
    pipeline.instantly.control("webhooks/drain", {"timeout": 10})
    settle(receiver)
    async with client() as c:
        polled = await call(c, "sync_now", {"source": "instantly"})
        assert polled["instantly_seen"] >= 1 and polled["instantly_new"] == 0
        contact = (await call(c, "find_contacts", {"email": "oof@away.io"}))["contacts"][0]
    assert contact["replies"] == 0


async def test_replay_never_counts_twice_and_reruns_actions_only_when_asked(pipeline: Pipeline,
                                                                           receiver: Receiver) -> None:
    price = make_world(pipeline)
    async with client() as c:
        await buy(c, pipeline, receiver, price)
        before = (await call(c, "find_contacts", {"email": "rae@ray.io"}))["contacts"][0]
        assert (before["opens"], before["clicks"], before["replies"], before["total_revenue"]) == (1, 1, 1, 7700)
        processed = (await call(c, "list_events", {"status": "processed", "limit": 1000}))["events"]
        assert {"email_opened", "link_clicked", "reply_received", "checkout.session.completed"} <= {
            e["type"] for e in processed}
        for e in processed:
            quiet = await call(c, "replay_event", {"id": e["id"]})
            assert quiet["already_applied"] is True and quiet["side_effects_rerun"] is False
        for e in processed:
            again = await call(c, "replay_event", {"id": e["id"], "rerun_side_effects": True})
            assert again["side_effects_rerun"] is True  # (the receiver may be the one that processes it)
        settle(receiver)
        after = (await call(c, "find_contacts", {"email": "rae@ray.io"}))["contacts"][0]
        assert (await call(c, "list_events", {"status": "dead"}))["events"] == []
        assert (await call(c, "list_events", {"status": "pending"}))["events"] == []
    for key in COUNTED:
        assert after[key] == before[key], key
