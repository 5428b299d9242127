"""Lead list tools and the analytics tool (all four views, computed rates) over MCP against the sandbox."""

from __future__ import annotations

from mcp import Client

from tests.instantly_mcp.conftest import SandboxHandle
from tests.instantly_mcp.fixtures_tools import fails, lead_rows, new_campaign, ok, sandbox_env, server, writes

__all__ = ["sandbox_env"]


async def test_lead_lists_create_list_rename_delete(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        made = (await ok(client, "instantly_save_lead_list", {"name": "Q3 prospects"}))["object"]
        await ok(client, "instantly_save_lead_list", {"name": "Other"})
        listed = await ok(client, "instantly_list", {"kind": "lead_lists", "search": "Q3"})
        assert [x["name"] for x in listed["items"]] == ["Q3 prospects"]
        renamed = (await ok(client, "instantly_save_lead_list", {"list_id": made["id"], "name": "Q4"}))["object"]
        assert renamed["name"] == "Q4"
        assert "name" in await fails(client, "instantly_save_lead_list", {})
        assert "nothing to change" in await fails(client, "instantly_save_lead_list", {"list_id": made["id"]})
        imported = await ok(client, "instantly_import_leads", {"list_id": made["id"], "leads": lead_rows(3)})
        assert imported["created"] == 3
        before = writes(sandbox_env)
        preview = await ok(client, "instantly_delete", {"kind": "lead_list", "target": made["id"]})
        assert preview["executed"] is False and "Q4" in preview["preview"]
        assert writes(sandbox_env) == before
        await ok(client, "instantly_delete", {"kind": "lead_list", "target": made["id"], "confirm": True})
        left = await ok(client, "instantly_list", {"kind": "lead_lists"})
        assert [x["name"] for x in left["items"]] == ["Other"]


async def _engaged_campaign(client: Client, sb: SandboxHandle) -> str:
    camp = await new_campaign(client, "Measured", steps=[
        {"variants": [{"subject": "A", "body": "a"}, {"subject": "B", "body": "b"}], "delay": 1},
        {"subject": "Again", "body": "again"},
    ])
    await ok(client, "instantly_import_leads", {"campaign_id": camp["id"], "leads": lead_rows(4)})
    await ok(client, "instantly_set_campaign_status", {"campaign_id": camp["id"], "action": "activate",
                                                       "confirm": True})
    assert sb.control("tick", {"campaign_id": camp["id"]})["sent"] == 4
    for email, event in [("person0", "opened"), ("person0", "opened"), ("person1", "opened"), ("person1", "clicked"),
                         ("person2", "replied"), ("person3", "bounced")]:
        sb.control("engagement", {"event": event, "email": f"{email}@example.com"})
    return str(camp["id"])


async def test_analytics_views_with_computed_rates(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        camp = await _engaged_campaign(client, sandbox_env)
        summary = await client.call_tool("instantly_campaign_analytics", {"campaign_id": camp})
        assert not summary.is_error
        row = summary.structured_content["rows"][0]
        assert (row["contacted_count"], row["emails_sent_count"], row["open_count"]) == (4, 4, 3)
        assert (row["open_rate"], row["click_rate"], row["reply_rate"], row["bounce_rate"]) == (50.0, 25.0, 25.0, 25.0)
        assert row["campaign_status"] == "active"
        text = summary.content[0].text
        assert "Measured (" in text and "): sent 4, open 50.0%, reply 25.0%" in text  # the name beside the id

        everything = await ok(client, "instantly_campaign_analytics", {"view": "summary"})
        assert [r["campaign_id"] for r in everything["rows"]] == [camp]
        overview = (await ok(client, "instantly_campaign_analytics", {"view": "overview"}))["rows"][0]
        assert overview["open_rate"] == 50.0 and "total_meeting_booked" in overview
        daily = (await ok(client, "instantly_campaign_analytics", {"view": "daily", "campaign_id": camp}))["rows"]
        assert len(daily) == 1 and daily[0]["sent"] == 4 and daily[0]["open_rate"] == 50.0
        steps = (await ok(client, "instantly_campaign_analytics", {"view": "steps", "campaign_id": camp}))["rows"]
        assert sum(r["sent"] for r in steps) == 4
        assert {r["variant"] for r in steps} <= {"A", "B"} and all("reply_rate" in r for r in steps)
        assert "campaign_id" in await fails(client, "instantly_campaign_analytics", {"view": "steps"})
        future = await ok(client, "instantly_campaign_analytics", {"view": "daily", "start_date": "2099-01-01"})
        assert future["rows"] == []
        assert "start_date" in await fails(client, "instantly_campaign_analytics", {"start_date": "May 1st"})
