"""Consent that reaches the sender, against the sandboxes: an unsubscribe, a hard bounce, a spam complaint and a
GDPR erasure put the address on Instantly's block list and on the store's suppression list (a blind index only);
imports, bulk conversion and the composite flows then skip the person, saying why."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from shared.store.engine import database_url
from tests.orchestrator_mcp.conftest import Pipeline, call, client
from tests.orchestrator_mcp.events.test_deliveries import SECRET, Receiver, receiver, settle  # noqa: F401 (fixture)

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)


def blocked(pipeline: Pipeline) -> set[str]:
    with pipeline.instantly.client() as http:
        res = http.get("/block-lists-entries", params={"limit": 100})
        res.raise_for_status()
        return {e["bl_value"] for e in res.json()["items"]}


async def test_unsubscribe_bounce_and_complaint_reach_instantly_and_every_import_skips_them(
        pipeline: Pipeline, receiver: Receiver) -> None:
    campaign = pipeline.new_campaign("Outreach")
    people = ("una@unsub.io", "bo@bounce.io", "spam@complain.io", "ivy@keep.io")
    with pipeline.instantly.client() as http:
        for email in people:
            http.post("/leads", json={"email": email, "campaign": campaign}).raise_for_status()
    for email in people:
        pipeline.engage(email, "sent", campaign)
    pipeline.engage("una@unsub.io", "unsubscribed", campaign)
    pipeline.engage("bo@bounce.io", "bounced", campaign)
    pipeline.instantly.control("webhooks/drain", {"timeout": 10})
    # a spam complaint arrives as a custom label event (Instantly posts the label's name as event_type)
    httpx.post(f"{receiver.url}/webhooks/instantly", headers={"X-Webhook-Secret": SECRET}, json={
        "timestamp": "2026-07-01T10:00:00.000Z", "event_type": "Spam complaint", "workspace": "ws",
        "campaign_id": campaign, "lead_email": "spam@complain.io", "is_first": True}).raise_for_status()
    for event in ("opened", "clicked", "replied", "interested"):  # every one of them engaged before
        for email in people:
            pipeline.engage(email, event, campaign) if email != "bo@bounce.io" else None
    pipeline.instantly.control("webhooks/drain", {"timeout": 10})
    settle(receiver)

    assert {"una@unsub.io", "bo@bounce.io", "spam@complain.io"} <= blocked(pipeline)
    assert "ivy@keep.io" not in blocked(pipeline)
    price = pipeline.price(2500)
    async with client() as c:
        conv = await call(c, "trigger_payment_flow", {"campaign_id": campaign, "price_id": price, "min_score": 0})
        reasons = {x["email"]: x["error"] for x in conv["leads"] if x["status"] == "skipped"}
        assert reasons["una@unsub.io"] == "suppressed: unsubscribed"
        assert reasons["bo@bounce.io"] == "suppressed: hard bounce"
        assert reasons["spam@complain.io"] == "suppressed: marked the email as spam"
        assert [x["email"] for x in conv["leads"] if x["status"] == "qualified"] == ["ivy@keep.io"]
        done = await call(c, "trigger_payment_flow", {"campaign_id": campaign, "price_id": price, "min_score": 0,
                                                       "confirm": True})
        assert done["links_sent"] == 1
        assert len(pipeline.stripe("GET", "/v1/payment_links")["data"]) == 1

        # a re-import into a new campaign skips them, with the reason
        out = await call(c, "launch_offer", {"name": "Again", "steps": ["Hi\nHello {{payment_link}}"],
                                             "product": price, "leads": [{"email": e} for e in people],
                                             "confirm": True})
        assert sorted((s["email"], s["reason"]) for s in out["skipped"]) == [
            ("bo@bounce.io", "suppressed: hard bounce"), ("spam@complain.io", "suppressed: marked the email as spam"),
            ("una@unsub.io", "suppressed: unsubscribed")]
        assert [x["email"] for x in pipeline.leads_in(out["campaign"].rsplit("(", 1)[1][:-1])] == ["ivy@keep.io"]
        assert out["new_leads"] == 1 and sum(out["left_out"].values()) == 3

        # one lead's payment link is refused for a suppressed person, with the reason
        links = len(pipeline.stripe("GET", "/v1/payment_links")["data"])  # the launch's tier link among them
        refused = await c.call_tool("trigger_payment_flow", {"lead_email": "una@unsub.io", "price_id": price})
        assert refused.is_error and "suppression list" in refused.content[0].text
        assert len(pipeline.stripe("GET", "/v1/payment_links")["data"]) == links


async def test_an_erased_person_is_blocked_and_not_brought_back(pipeline: Pipeline) -> None:
    campaign = pipeline.new_campaign("Outreach")
    with pipeline.instantly.client() as http:
        http.post("/leads", json={"email": "erin@erase.io", "campaign": campaign}).raise_for_status()
    price = pipeline.price(1500)
    async with client() as c:
        preview = await call(c, "forget_contact", {"email": "erin@erase.io"})
        assert preview["suppressed"] is False and "erin@erase.io" not in blocked(pipeline)
        done = await call(c, "forget_contact", {"email": "erin@erase.io", "confirm": True})
        assert done["suppressed"] is True and "erin@erase.io" in blocked(pipeline)
        again = await call(c, "launch_offer", {"name": "Back", "steps": ["Hi\nHello {{payment_link}}"],
                                               "product": price, "leads": [{"email": "Erin@Erase.io"}],
                                               "confirm": True})
        assert [(s["email"], s["reason"]) for s in again["skipped"]] == [
            ("erin@erase.io", "suppressed: erased (GDPR)")]
        assert pipeline.leads_in(again["campaign"].rsplit("(", 1)[1][:-1]) == []
    url = database_url()
    if url.startswith("sqlite"):  # the suppression list holds the blind index, never the address
        with sqlite3.connect(Path(url.split("///", 1)[1])) as raw:
            rows = raw.execute("select email_index, reason, scope, source, at from suppressions").fetchall()
        assert len(rows) == 1 and rows[0][1] == "erasure" and len(rows[0][0]) == 64
        assert rows[0][2] == "default:test"  # on the caller's profile's list
        assert "erin" not in repr(rows).lower()


async def test_a_launch_leaves_suppressed_people_out_and_says_why(pipeline: Pipeline, receiver: Receiver) -> None:
    from tests.orchestrator_mcp.test_flows_launch import LAUNCH, world

    source = world(pipeline)  # ada and cy match the segment (industry SaaS)
    pipeline.engage("cy@cyan.io", "sent", source)
    pipeline.engage("cy@cyan.io", "unsubscribed", source)
    pipeline.instantly.control("webhooks/drain", {"timeout": 10})
    settle(receiver)
    async with client() as c:
        preview = await call(c, "launch_offer", LAUNCH)
    assert preview["leads"] == 1 and preview["sample"] == ["ada@acme.io"]
    assert preview["left_out"] == {"does not match": 1, "suppressed: unsubscribed": 1}
