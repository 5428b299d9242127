"""The orchestrator's remaining tools through an MCP client against both sandboxes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp import Client

from orchestrator_mcp.server import build
from shared.deps import ServerOptions
from tests.instantly_mcp.conftest import SENDER
from tests.orchestrator_mcp.conftest import Pipeline, call, client
from tests.orchestrator_mcp.test_scenario_payment import LEADS, wait_until
from tests.support.snapshots import check_snapshot, tool_listing


async def test_tool_schemas_snapshot_and_read_only_listing() -> None:
    check_snapshot(await tool_listing(build()), Path(__file__).parent / "snapshots" / "orchestrator_tools.json")
    async with Client(build(ServerOptions(read_only=True))) as c:
        names = {t.name for t in (await c.list_tools()).tools}
    assert names == {"audit_log", "system_status", "find_contacts", "funnel_report", "revenue_attribution",
                     "list_events"}
    async with Client(build(ServerOptions(toolsets=["reports"]))) as c:
        assert {t.name for t in (await c.list_tools()).tools} == {"funnel_report", "revenue_attribution"}


async def test_launch_with_new_leads_reports_progress_and_is_safe_to_retry(pipeline: Pipeline) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total, message))

    args: dict[str, Any] = {
        "name": "Launch", "product": "Starter", "tiers": [{"amount": 1900}],
        "schedule": {"timezone": "America/Chicago"}, "steps": ["Hi {{firstName}}\nLink: {{payment_link}}"],
        "leads": LEADS, "sender_accounts": [SENDER],
    }
    async with client() as c:
        preview = await call(c, "launch_offer", args)
        assert preview["executed"] is False and preview["new_leads"] == 3
        assert pipeline.stripe_count("product") == 0 and pipeline.stripe_count("payment_link") == 0
        first = await c.call_tool("launch_offer", {**args, "confirm": True}, progress_callback=progress)
        assert not first.is_error, first.content[0].text
        out = first.structured_content
        assert out["new_leads"] == 3 and out["campaign_status"] == "active"
        assert seen and seen[-1][0] == seen[-1][1] == 4
        again = await call(c, "launch_offer", {**args, "confirm": True})
        assert again["campaign"] == out["campaign"] and again["tiers"] == out["tiers"]
    assert pipeline.stripe_count("product") == 1 and pipeline.stripe_count("price") == 1
    assert pipeline.stripe_count("payment_link") == 1
    leads = pipeline.leads_in(out["campaign"].rsplit("(", 1)[1][:-1])
    assert len(leads) == 3 and {lead["payload"]["payment_link"] for lead in leads} == {out["tiers"][0]["payment_link"]}


async def test_lifecycle_tools_sync_journey_status_and_audit(pipeline: Pipeline) -> None:
    outreach = pipeline.new_campaign("Outreach")
    onboarding = pipeline.new_campaign("Onboarding")
    winback = pipeline.new_campaign("Win-back")
    with pipeline.instantly.client() as http:
        for lead in LEADS:
            http.post("/leads", json={**{k: v for k, v in lead.items() if k != "icebreaker"},
                                      "campaign": outreach}).raise_for_status()
    pipeline.engage("ada@acme.io", "sent", outreach)
    pipeline.engage("ada@acme.io", "opened", outreach)
    customer = pipeline.stripe("POST", "/v1/customers", data={"email": "ada@acme.io", "name": "Ada Lovelace"})
    async with client() as c:
        full = (await call(c, "sync_now", {"source": "none", "contacts": True}))["contacts"]
        assert (full["incremental"], full["leads_written"], full["customers_written"]) == (False, 3, 1)
        again = (await call(c, "sync_now", {"source": "none", "contacts": True}))["contacts"]
        assert again["incremental"] is True and again["leads_written"] == 0 and again["customers_written"] == 0
        ada = (await call(c, "find_contacts", {"email": customer["id"]}))["contacts"][0]
        assert ada["email"] == "ada@acme.io" and ada["opens"] == 1 and ada["conversion_status"] == "engaged"
        engaged = await call(c, "find_contacts", {"conversion_status": "engaged"})
        assert [x["email"] for x in engaged["contacts"]] == ["ada@acme.io"]

        missing = await c.call_tool("start_lifecycle_sequence", {"email": "ada@acme.io", "role": "post_purchase"})
        assert missing.is_error and "configure_pipeline" in missing.content[0].text
        # campaigns by name (any case) as well as by id
        await call(c, "configure_pipeline", {"campaign_roles": {"post_purchase": "onboarding", "win_back": winback}})
        done = await c.call_tool("start_lifecycle_sequence", {
            "email": customer["id"], "role": "post_purchase",
            "variables": {"product_name": "Audit", "amount_paid": 49900, "currency": "usd"}})
        assert done.structured_content["action"] == "moved" and done.structured_content["campaign_id"] == onboarding
        assert f"post-purchase campaign Onboarding ({onboarding[:8]}…)" in done.content[0].text
        wait_until(lambda: any(x["email"] == "ada@acme.io" for x in pipeline.leads_in(onboarding)))
        lead = next(x for x in pipeline.leads_in(onboarding) if x["email"] == "ada@acme.io")
        assert lead["payload"]["product_name"] == "Audit" and lead["payload"]["amount_paid"] == 49900
        back = await call(c, "start_lifecycle_sequence", {"email": "bob@bolt.io", "role": "win_back",
                                                           "variables": {"offer": "20% off"}})
        assert back["action"] == "moved"
        wait_until(lambda: any(x["email"] == "bob@bolt.io" for x in pipeline.leads_in(winback)))

        status = await call(c, "system_status", {})
        by_name = {a["name"]: a for a in status["apis"]}
        assert by_name["instantly"]["reachable"] and by_name["stripe"]["reachable"]
        assert by_name["stripe"]["mode"] == "test" and by_name["instantly"]["key_source"] == "environment"
        for api in by_name.values():
            assert api["recent"]["calls"] >= 1 and api["recent"]["error_rate"] == 0.0
        assert status["store"]["schema_version"] == "0007_rate_limits"
        assert pipeline.instantly.api_key not in str(status) and pipeline.stripe_key not in str(status)

        await call(c, "sync_now", {"source": "both"})
        journey = await call(c, "find_contacts", {"email": "ada@acme.io", "journey": True})
        assert journey["events"] and {e["source"] for e in journey["events"]} >= {"stripe"}
        audit = await call(c, "audit_log", {"tool": "start_lifecycle_sequence"})
        assert [e["outcome"] for e in audit["entries"]] == ["ok", "ok", "error"]  # newest first
        assert audit["entries"][0]["arguments"]["role"] == "win_back"
