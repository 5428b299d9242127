"""Simulated sending and engagement: tick sends sequence steps into the unibox, engagement events move the
lead and the analytics, and webhooks are REALLY delivered (HTTP POST with the custom headers) to a
receiver running on loopback, with retries when it fails."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from shared.asgi import BackgroundServer
from tests.instantly_mcp.conftest import SENDER, SandboxHandle, add_leads, assert_error, create_campaign, leads


class Receiver:
    """A tiny webhook endpoint: records every POST; answers 500 for the first `fail_first` ones."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail_first = 0
        self.lock = threading.Lock()
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> JSONResponse:
        payload = await request.json()
        with self.lock:
            self.calls.append({"headers": dict(request.headers), "json": payload, "query": request.url.query})
            failing = len(self.calls) <= self.fail_first
        return JSONResponse({"ok": not failing}, status_code=500 if failing else 200)

    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [c["json"] for c in self.calls if event_type in (None, c["json"]["event_type"])]


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    rec = Receiver()
    with BackgroundServer(rec.app) as server:
        yield rec, f"{server.url}/hook"


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def analytics(client: httpx.Client, cid: str) -> dict[str, Any]:
    rows = client.get("/campaigns/analytics", params={"id": cid}).json()
    assert len(rows) == 1
    return rows[0]  # type: ignore[no-any-return]


def launch(client: httpx.Client, n: int = 3) -> str:
    cid = create_campaign(client)["id"]
    add_leads(client, cid, leads(n))
    assert client.post(f"/campaigns/{cid}/activate").json()["status"] == 1
    return cid


def test_tick_sends_steps_into_the_unibox(instantly_sandbox: SandboxHandle) -> None:
    with instantly_sandbox.client() as client:
        cid = launch(client, 3)
        assert instantly_sandbox.control("tick", {})["sent"] == 3
        sent = client.get("/emails", params={"campaign_id": cid, "email_type": "sent"}).json()["items"]
        assert len(sent) == 3 and {e["ue_type"] for e in sent} == {1} and {e["eaccount"] for e in sent} == {SENDER}
        first = next(e for e in sent if e["lead"] == "lead0@example.com")
        assert "First0" in first["subject"] + first["body"]["html"]
        assert first["step"] == "0"
        lead = client.post("/leads/list", json={"contacts": ["lead0@example.com"]}).json()["items"][0]
        assert lead["timestamp_last_contact"] and lead["status"] == 1
        assert analytics(client, cid)["emails_sent_count"] == 3
        last = instantly_sandbox.control("tick", {})  # step 2, the last one: the campaign completes
        assert last["sent"] == 3 and last["completed_campaigns"] == [cid]
        followups = client.get("/emails", params={"search": "lead0@example.com"}).json()["items"]
        assert followups[0]["subject"].startswith("Re: ") and followups[0]["thread_id"] == followups[1]["thread_id"]
        assert instantly_sandbox.control("tick", {}) == {"sent": 0, "email_ids": [], "completed_campaigns": []}
        assert client.get(f"/campaigns/{cid}").json()["status"] == 3
        row = analytics(client, cid)
        assert row["emails_sent_count"] == 6 and row["contacted_count"] == 3 and row["completed_count"] == 3


def test_paused_campaigns_do_not_send(instantly_sandbox: SandboxHandle) -> None:
    with instantly_sandbox.client() as client:
        cid = launch(client, 2)
        client.post(f"/campaigns/{cid}/pause")
        assert instantly_sandbox.control("tick", {})["sent"] == 0
        client.post(f"/campaigns/{cid}/activate")
        assert instantly_sandbox.control("tick", {"campaign_id": cid})["sent"] == 2


def test_engagement_changes_lead_and_analytics(instantly_sandbox: SandboxHandle) -> None:
    with instantly_sandbox.client() as client:
        cid = launch(client, 4)
        instantly_sandbox.control("tick", {})
        before = analytics(client, cid)
        assert before["open_count"] == before["reply_count"] == before["link_click_count"] == 0
        control = instantly_sandbox.control
        control("engagement", {"email": "lead0@example.com", "event": "opened"})
        control("engagement", {"email": "lead0@example.com", "event": "opened"})
        control("engagement", {"email": "lead0@example.com", "event": "clicked"})
        replied = control("engagement", {"email": "lead0@example.com", "event": "replied", "text": "Tell me more"})
        control("engagement", {"email": "lead0@example.com", "event": "interested"})
        control("engagement", {"email": "lead1@example.com", "event": "bounced"})
        control("engagement", {"email": "lead2@example.com", "event": "unsubscribed"})
        control("engagement", {"email": "lead3@example.com", "event": "auto_replied"})
        meeting = control("engagement", {"email": "lead3@example.com", "event": "meeting_booked"})
        assert meeting["lead"]["lt_interest_status"] == 2
        row = analytics(client, cid)
        assert {k: row[k] for k in ("open_count", "open_count_unique", "link_click_count", "reply_count",
                                    "reply_count_automatic", "bounced_count", "unsubscribed_count",
                                    "total_opportunities")} == {
            "open_count": 2, "open_count_unique": 1, "link_click_count": 1, "reply_count": 1,
            "reply_count_automatic": 1, "bounced_count": 1, "unsubscribed_count": 1, "total_opportunities": 2}
        overview = client.get("/campaigns/analytics/overview", params={"id": cid}).json()
        assert overview["total_interested"] == 1 and overview["total_meeting_booked"] == 1
        daily = client.get("/campaigns/analytics/daily", params={"campaign_id": cid}).json()
        assert sum(d["sent"] for d in daily) == 4 and sum(d["opened"] for d in daily) == 2
        steps = client.get("/campaigns/analytics/steps", params={"campaign_id": cid}).json()
        assert sum(s["sent"] for s in steps) == 4 and {s["step"] for s in steps} == {"0"}
        lead0 = client.get(f"/leads/{replied['lead']['id']}").json()
        assert (lead0["email_open_count"], lead0["email_click_count"], lead0["email_reply_count"]) == (2, 1, 1)
        assert lead0["lt_interest_status"] == 1 and lead0["status"] == 3  # stop_on_reply
        statuses = {x["email"]: x["status"] for x in client.post("/leads/list", json={"campaign": cid}).json()["items"]}
        assert statuses["lead1@example.com"] == -1 and statuses["lead2@example.com"] == -2
        assert client.get("/emails/unread/count").json() == {"count": 2}
        reply_email = replied["email"]
        assert reply_email["ue_type"] == 2 and reply_email["body"]["text"] == "Tell me more"
        answer = client.post("/emails/reply", json={"reply_to_uuid": reply_email["id"], "eaccount": SENDER,
                                                    "subject": "Re: hi", "body": {"text": "Great, Tuesday?"}})
        assert answer.status_code == 200 and answer.json()["ue_type"] == 3
        assert answer.json()["thread_id"] == reply_email["thread_id"]
        assert client.get("/emails/unread/count").json() == {"count": 1}
        today = daily[0]["date"]
        assert client.get("/campaigns/analytics", params={"id": cid, "start_date": "2000-01-01",
                                                          "end_date": "2000-01-02"}).json()[0]["emails_sent_count"] == 0
        assert analytics_in(client, cid, today)["emails_sent_count"] == 4
        assert_error(client.get("/campaigns/analytics", params={"start_date": "yesterday"}), 400)


def analytics_in(client: httpx.Client, cid: str, day: str) -> dict[str, Any]:
    rows = client.get("/campaigns/analytics", params={"id": cid, "start_date": day, "end_date": day}).json()
    return rows[0]  # type: ignore[no-any-return]


def test_engagement_needs_a_sent_email(instantly_sandbox: SandboxHandle) -> None:
    with instantly_sandbox.client() as client:
        launch(client, 1)
    with pytest.raises(httpx.HTTPStatusError) as info:
        instantly_sandbox.control("engagement", {"email": "lead0@example.com", "event": "opened"})
    assert info.value.response.status_code == 400
    with pytest.raises(httpx.HTTPStatusError):
        instantly_sandbox.control("engagement", {"email": "nobody@example.com", "event": "opened"})


def test_webhooks_are_delivered_with_custom_headers(instantly_sandbox: SandboxHandle,
                                                    receiver: tuple[Receiver, str]) -> None:
    rec, url = receiver
    with instantly_sandbox.client() as client:
        cid = launch(client, 2)
        hook = client.post("/webhooks", json={"target_hook_url": url, "event_type": "all_events", "name": "all",
                                              "headers": {"X-Shared-Secret": "s3cret", "Authorization": "Basic abc"}})
        assert hook.status_code == 200 and hook.json()["headers"]["X-Shared-Secret"] == "s3cret"
        only_clicks = client.post("/webhooks", json={"target_hook_url": url + "?only=clicks",
                                                     "event_type": "email_link_clicked"}).json()
        instantly_sandbox.control("tick", {})
        instantly_sandbox.control("engagement", {"email": "lead0@example.com", "event": "clicked"})
        instantly_sandbox.control("engagement", {"email": "lead0@example.com", "event": "replied"})
        instantly_sandbox.control("engagement", {"email": "lead1@example.com", "event": "meeting_booked"})
        assert instantly_sandbox.control("webhooks/drain", {"timeout": 10})["idle"] is True
        wait_for(lambda: len(rec.calls) == 6)
    assert sorted(e["event_type"] for e in rec.events()) == sorted(
        ["email_sent", "email_sent", "link_clicked", "link_clicked", "reply_received", "lead_meeting_booked"])
    all_events = [c for c in rec.calls if not c["query"]]
    assert len(all_events) == 5 and all(c["headers"]["x-shared-secret"] == "s3cret" for c in all_events)
    assert all(c["headers"]["authorization"] == "Basic abc" for c in all_events)
    assert [c["json"]["event_type"] for c in rec.calls if c["query"]] == ["link_clicked"]
    sent = rec.events("email_sent")[0]
    for field in ("timestamp", "event_type", "workspace", "campaign_id", "campaign_name", "lead_email",
                  "email_account", "step", "variant", "email_id", "email_subject", "email_html", "is_first"):
        assert field in sent, field
    assert sent["campaign_id"] == cid and sent["step"] == 1 and sent["email_account"] == SENDER
    assert sent["tier"] == "gold"  # lead custom variables are merged into the payload
    reply = rec.events("reply_received")[0]
    assert reply["reply_text"] and reply["reply_subject"].startswith("Re: ") and reply["unibox_url"]
    stats = instantly_sandbox.stats()["webhook_deliveries"]
    assert stats["succeeded"] == stats["total"] == 6 and stats["attempted"] == 6
    with instantly_sandbox.client() as client:
        logged = client.get("/webhook-events").json()["items"]
        assert len(logged) == 6 and all(e["success"] for e in logged)
        assert client.delete(f"/webhooks/{only_clicks['id']}").json()["id"] == only_clicks["id"]
        types = client.get("/webhooks/event-types").json()["event_types"]
        assert {"email_sent", "email_link_clicked", "lead_meeting_booked"} <= {t["id"] for t in types}


def test_webhook_delivery_retries_until_it_succeeds(instantly_sandbox: SandboxHandle,
                                                    receiver: tuple[Receiver, str]) -> None:
    rec, url = receiver
    rec.fail_first = 2
    instantly_sandbox.control("config", {"webhook_retry_delays": [0.05, 0.05, 0.05]})
    with instantly_sandbox.client() as client:
        launch(client, 1)
        client.post("/webhooks", json={"target_hook_url": url, "event_type": "email_sent",
                                       "headers": {"X-Token": "t"}})
        instantly_sandbox.control("tick", {})
        assert instantly_sandbox.control("webhooks/drain", {"timeout": 10})["idle"] is True
        event = client.get("/webhook-events").json()["items"][0]
    assert len(rec.calls) == 3 and all(c["headers"]["x-token"] == "t" for c in rec.calls)
    assert event["success"] is True and event["retry_count"] == 2 and event["retry_successful"] is True
    stats = instantly_sandbox.stats()["webhook_deliveries"]
    assert (stats["total"], stats["attempted"], stats["succeeded"]) == (1, 3, 1)


def test_failing_webhook_gives_up_and_is_disabled(instantly_sandbox: SandboxHandle,
                                                  receiver: tuple[Receiver, str]) -> None:
    rec, url = receiver
    rec.fail_first = 1000
    instantly_sandbox.control("config", {"webhook_retry_delays": [0.02], "webhook_disable_after": 2})
    with instantly_sandbox.client() as client:
        launch(client, 3)
        hook = client.post("/webhooks", json={"target_hook_url": url, "event_type": "email_sent"}).json()
        instantly_sandbox.control("tick", {})
        assert instantly_sandbox.control("webhooks/drain", {"timeout": 10})["idle"] is True
        assert client.get(f"/webhooks/{hook['id']}").json()["status"] == -1
        summary = client.get("/webhook-events/summary").json()
        assert summary["failed_events"] >= 2
        assert client.post(f"/webhooks/{hook['id']}/resume").json()["status"] == 1
        rec.fail_first = 0
        test = client.post(f"/webhooks/{hook['id']}/test").json()
        assert test["success"] is True and test["status_code"] == 200
    assert rec.calls[-1]["json"]["event_type"] == "webhook_test"


def test_interest_api_triggers_lead_webhooks(instantly_sandbox: SandboxHandle,
                                             receiver: tuple[Receiver, str]) -> None:
    rec, url = receiver
    with instantly_sandbox.client() as client:
        launch(client, 1)
        client.post("/webhooks", json={"target_hook_url": url, "event_type": "lead_not_interested"})
        client.post("/webhooks", json={"target_hook_url": url, "event_type": "lead_interested"})
        response = client.post("/leads/update-interest-status",
                               json={"lead_email": "lead0@example.com", "interest_value": -1})
        assert response.status_code == 202
        assert instantly_sandbox.control("webhooks/drain", {"timeout": 10})["idle"] is True
    assert [e["event_type"] for e in rec.events()] == ["lead_not_interested"]
    assert rec.events()[0]["lead_email"] == "lead0@example.com"


def test_interest_change_is_applied_later_and_its_webhook_fires_then(
        instantly_sandbox: SandboxHandle, receiver: tuple[Receiver, str]) -> None:
    # updateLeadInterestStatus documents one success: 202 "...background job submitted"; the change comes later.
    rec, url = receiver
    instantly_sandbox.control("config", {"interest_delay_ms": 600})
    with instantly_sandbox.client() as client:
        launch(client, 1)
        client.post("/webhooks", json={"target_hook_url": url, "event_type": "lead_interested"})
        lead = client.post("/leads/list", json={"contacts": ["lead0@example.com"]}).json()["items"][0]
        response = client.post("/leads/update-interest-status",
                               json={"lead_email": "lead0@example.com", "interest_value": 1})
        assert response.status_code == 202
        assert response.json() == {"message": "Lead interest status update background job submitted"}
        assert client.get(f"/leads/{lead['id']}").json().get("lt_interest_status") is None  # not yet
        assert instantly_sandbox.stats()["interest_changes_pending"] == 1
        time.sleep(0.2)
        assert rec.events() == []  # nothing fires before the change is applied
        wait_for(lambda: client.get(f"/leads/{lead['id']}").json().get("lt_interest_status") == 1)
        assert instantly_sandbox.control("webhooks/drain", {"timeout": 10})["idle"] is True
    assert [e["event_type"] for e in rec.events()] == ["lead_interested"]
    assert instantly_sandbox.stats()["interest_changes_pending"] == 0


def test_a_queued_interest_change_survives_a_restart(instantly_sandbox: SandboxHandle) -> None:
    instantly_sandbox.control("config", {"interest_delay_ms": 300})
    with instantly_sandbox.client() as client:
        launch(client, 1)
        assert client.post("/leads/update-interest-status",
                           json={"lead_email": "lead0@example.com", "interest_value": 4}).status_code == 202
    instantly_sandbox.restart()
    with instantly_sandbox.client() as client:
        lead_of = lambda: client.post("/leads/list", json={"contacts": ["lead0@example.com"]}).json()["items"][0]  # noqa: E731
        wait_for(lambda: lead_of().get("lt_interest_status") == 4)


def test_pending_deliveries_survive_a_restart(instantly_sandbox: SandboxHandle,
                                              receiver: tuple[Receiver, str]) -> None:
    rec, url = receiver
    instantly_sandbox.control("config", {"webhook_retry_delays": [0.3]})
    rec.fail_first = 1
    with instantly_sandbox.client() as client:
        launch(client, 1)
        client.post("/webhooks", json={"target_hook_url": url, "event_type": "email_sent"})
        instantly_sandbox.control("tick", {})
        wait_for(lambda: len(rec.calls) == 1)
    instantly_sandbox.restart()  # the retry is stored in SQLite and picked up by the new process
    instantly_sandbox.control("config", {"webhook_retry_delays": [0.3]})
    assert instantly_sandbox.control("webhooks/drain", {"timeout": 10})["idle"] is True
    wait_for(lambda: len(rec.calls) == 2)
    assert instantly_sandbox.stats()["webhook_deliveries"]["succeeded"] == 1


def test_account_errors_reach_account_error_subscribers(instantly_sandbox: SandboxHandle,
                                                        receiver: tuple[Receiver, str]) -> None:
    rec, url = receiver
    with instantly_sandbox.client() as client:
        client.post("/webhooks", json={"target_hook_url": url, "event_type": "account_error"})
        result = instantly_sandbox.control("account-status", {"email": SENDER, "status": -1, "message": "SMTP down"})
        assert result["webhooks_queued"] == 1
        assert client.get("/accounts", params={"filter": "ACC_FILTER_ERROR"}).json()["items"][0]["email"] == SENDER
        assert instantly_sandbox.control("webhooks/drain", {"timeout": 10})["idle"] is True
    assert rec.events() == [rec.events("account_error")[0]]
    assert rec.events()[0]["email_account"] == SENDER and rec.events()[0]["error_message"] == "SMTP down"
