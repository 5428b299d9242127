"""system_status answers "is anything wrong?": each problem in a real sandbox world, with its next step."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from mcp import ClientSession, StdioServerParameters, stdio_client

from orchestrator_mcp.diagnostics import event_problems
from shared.asgi import free_port
from shared.store import open_store
from tests.instantly_mcp.conftest import campaign_body
from tests.orchestrator_mcp.conftest import Pipeline, call, client
from tests.conftest import subprocess_env
from tests.test_sandbox_mode import BIN, sandbox_pids


def _find(problems: list[dict[str, str]], *words: str) -> dict[str, str]:
    hits = [p for p in problems if all(w.lower() in p["what"].lower() for w in words)]
    assert hits, f"no problem mentions {words}: {[p['what'] for p in problems]}"
    return hits[0]


async def test_a_healthy_pipeline_has_no_problems(pipeline: Pipeline) -> None:
    outreach = pipeline.new_campaign("Outreach")
    with pipeline.instantly.client() as http:
        http.post("/leads", json={"email": "ann@a.io", "campaign": outreach}).raise_for_status()
        http.post(f"/campaigns/{outreach}/activate").raise_for_status()
        emails = [a["email"] for a in http.get("/accounts").json()["items"]]
        http.post("/accounts/warmup/enable", json={"emails": emails}).raise_for_status()
    async with client() as c:
        status = await call(c, "system_status", {})
        text = (await c.call_tool("system_status", {})).content[0].text
    assert status["problems"] == [], status["problems"]
    assert "No problems found." in text


async def test_each_problem_is_reported_once_with_its_next_step(pipeline: Pipeline) -> None:
    with pipeline.instantly.client() as http:
        empty = http.post("/campaigns", json=campaign_body("Empty launch")).json()["id"]
        http.post(f"/campaigns/{empty}/activate").raise_for_status()
        nosender = http.post("/campaigns", json=campaign_body("Orphan", email_list=[])).json()["id"]
        http.post("/leads", json={"email": "bo@b.io", "campaign": nosender}).raise_for_status()
        r = http.post(f"/campaigns/{nosender}/activate")
        paused_role = http.post("/campaigns", json=campaign_body("Dunning drafts")).json()["id"]
    pipeline.instantly.control("accounts", {"email": "sleepy@sandbox-outreach.com", "warmup_status": 0})
    pipeline.instantly.control("account-status", {"email": "sleepy@sandbox-outreach.com", "status": 2})
    store = await open_store()
    try:
        await store.record_event("stripe", "evt_dead_1", "invoice.paid", {"id": "evt_dead_1"})
        claimed = await store.claim_events()
        await store.mark_failed(claimed[0].id, "rule failed", max_attempts=1)
    finally:
        await store.close()
    gone = pipeline.new_campaign("Win-back, deleted later")
    async with client() as c:
        await call(c, "configure_pipeline", {"campaign_roles": {"dunning": paused_role, "win_back": gone}})
        with pipeline.instantly.client() as http:
            http.delete(f"/campaigns/{gone}").raise_for_status()
        status = await call(c, "system_status", {})
        text = (await c.call_tool("system_status", {})).content[0].text
    problems = status["problems"]
    assert "next_step" in _find(problems, "Empty launch", "no leads") and "instantly_import_leads" in _find(
        problems, "Empty launch", "no leads")["next_step"]
    if r.status_code == 200:  # the sandbox may refuse to activate a campaign with no sender; then nothing to report
        _find(problems, "Orphan", "no active sending account")
    _find(problems, "sleepy@sandbox-outreach.com", "paused")
    _find(problems, "warmup is paused", "sleepy@")
    _find(problems, "1 event failed for good")
    assert "configure_pipeline" in _find(problems, "win_back", "does not exist")["next_step"]
    _find(problems, "dunning", "Dunning drafts", "draft")
    assert [p["severity"] for p in problems] == sorted((p["severity"] for p in problems),
                                                        key=lambda s: s != "error")  # errors first
    whats = [p["what"] for p in problems]
    assert len(whats) == len(set(whats))  # each problem once
    assert f"{len(problems)} problems found:" in text and "Next:" in text


async def test_failed_payments_and_past_due_subscriptions(pipeline: Pipeline) -> None:
    price = pipeline.price(2900, interval="month", name="Pro monthly")
    outreach = pipeline.new_campaign("Outreach")
    with pipeline.instantly.client() as http:
        http.post("/leads", json={"email": "sam@sub.io", "campaign": outreach}).raise_for_status()
    async with client() as c:
        flow = await call(c, "trigger_payment_flow", {"lead_email": "sam@sub.io", "price_id": price})
        pipeline.stripe_control(f"payment_links/{flow['payment_link_id']}/pay", {"email": "sam@sub.io"})
        sub = pipeline.stripe("GET", "/v1/subscriptions")["data"][0]["id"]
        pipeline.stripe_control(f"subscriptions/{sub}/fail_next_renewal", {})
        pipeline.stripe_control("advance_time", {"to": "renewal", "subscription": sub})
        problems = (await call(c, "system_status", {}))["problems"]
    past_due = _find(problems, sub)
    assert "dunning" in past_due["next_step"]
    _find(problems, "payment failed in the last 7 days")


async def test_sandbox_mode_reports_the_sandbox_truthfully(tmp_path: Path) -> None:
    ports = (free_port(), free_port())
    env = subprocess_env(ISMCP_SANDBOX_DIR=str(tmp_path / "sandboxes"), ISMCP_SANDBOX_INSTANTLY_PORT=str(ports[0]),
                         ISMCP_SANDBOX_STRIPE_PORT=str(ports[1]))
    params = StdioServerParameters(command=str(BIN / "orchestrator-mcp"), args=["--sandbox"], env=env)
    try:
        with open(tmp_path / "server.log", "w", encoding="utf-8") as errlog:
            async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                result = await session.call_tool("system_status", {})
    finally:
        for port in ports:
            for pid in sandbox_pids(port):
                os.kill(pid, signal.SIGTERM)
    assert not result.is_error, result.content[0].text
    apis = (result.structured_content or {})["apis"]
    assert all(a["key_source"] == "sandbox" and a["reachable"] and a["latency_ms"] is not None for a in apis), apis
    text = result.content[0].text
    assert "NO KEY" not in text and "not probed" not in text and "instantly: sandbox, reachable" in text


def test_webhooks_that_stop_and_polls_that_go_stale() -> None:
    now = 1_000_000.0
    stats: list[dict[str, Any]] = [
        {"source": "stripe", "via": "webhook", "last_received_at": now - 5 * 3600},
        {"source": "stripe", "via": "poll", "last_received_at": now - 60},
        {"source": "instantly", "via": "poll", "last_received_at": now - 3 * 86400},
    ]
    found = event_problems({}, stats, {"instantly:emails": now - 3 * 86400}, {"stripe": True}, now)
    assert [p.area for p in found] == ["events", "events"]
    assert "Stripe webhooks stopped arriving" in found[0].what
    assert "Instantly was last polled 72 h ago" in found[1].what and "sync_now" in found[1].next_step
    assert event_problems({}, stats[:2], {}, {"stripe": False}, now) == []  # no secret: webhooks not expected
