"""Names work wherever ids do; unknown or ambiguous names are errors with close matches; results name what
they show, page truthfully when shortened, and summarise large imports."""

from __future__ import annotations

import json

from mcp import Client

from tests.instantly_mcp.conftest import SandboxHandle
from tests.instantly_mcp.fixtures_tools import fails, lead_rows, new_campaign, ok, sandbox_env, server, writes

__all__ = ["sandbox_env"]


async def test_a_campaign_and_a_list_are_found_by_name(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        camp = await new_campaign(client, "Q4 outreach")
        await new_campaign(client, "Q4 outreach follow-up")
        done = await ok(client, "instantly_import_leads", {"campaign_id": "q4 outreach", "leads": lead_rows(3)})
        assert done["created"] == 3
        result = await client.call_tool("instantly_list_leads", {"campaign_id": "Q4 outreach"})
        assert result.structured_content["count"] == 3
        assert all(x["campaign"] == camp["id"] and x["campaign_name"] == "Q4 outreach"
                   for x in result.structured_content["items"])
        assert f"Q4 outreach ({camp['id']})" in result.content[0].text  # the name beside the id
        got = await client.call_tool("instantly_list_campaigns", {"campaign_id": "Q4 outreach"})
        assert got.structured_content["items"][0]["id"] == camp["id"]
        assert got.content[0].text.startswith(f"Campaign Q4 outreach ({camp['id']}), draft.")
        made = (await ok(client, "instantly_save_lead_list", {"name": "Hot leads"}))["object"]
        await ok(client, "instantly_move_leads", {"emails": ["person0@example.com"], "from_campaign_id": "Q4 outreach",
                                                  "to_list_id": "hot leads", "mode": "copy"})
        in_list = await ok(client, "instantly_list_leads", {"list_id": "Hot leads"})
        assert [x["email"] for x in in_list["items"]] == ["person0@example.com"]
        assert in_list["items"][0]["list_name"] == "Hot leads" and in_list["items"][0]["list_id"] == made["id"]
        lead = await ok(client, "instantly_list_leads", {"leads": ["person1@example.com"]})
        assert lead["items"][0]["email"] == "person1@example.com" and "payload" in lead["items"][0]


async def test_unknown_and_ambiguous_names_are_errors_listing_matches(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        first = await new_campaign(client, "Launch")
        second = await new_campaign(client, "Launch")
        await new_campaign(client, "Q4 outreach")
        before = writes(sandbox_env)
        text = await fails(client, "instantly_set_campaign_status", {"campaign_id": "Launch", "action": "activate",
                                                                     "confirm": True})
        assert "2 campaigns are named 'Launch'" in text and first["id"] in text and second["id"] in text
        text = await fails(client, "instantly_campaign_analytics", {"campaign_id": "Q4 outrech"})
        assert "no campaign named 'Q4 outrech'" in text and "Close matches: 'Q4 outreach'" in text
        text = await fails(client, "instantly_list_leads", {"list_id": "Cold"})
        assert "no lead list named 'Cold'" in text and "There are no lead lists yet" in text
        assert writes(sandbox_env) == before
        # the id still works, and picks exactly one of the two
        done = await ok(client, "instantly_set_campaign_status", {"campaign_id": second["id"], "action": "pause"})
        assert done["executed"] is False and second["id"] in done["preview"]


async def test_a_shortened_page_resumes_right_after_the_last_item_shown(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        camp = await new_campaign(client)
        await ok(client, "instantly_import_leads", {"campaign_id": camp["id"], "leads": lead_rows(230)})
        full = await client.call_tool("instantly_list_leads", {"campaign_id": camp["id"], "limit": 1000})
        data = full.structured_content
        shown = [x["id"] for x in data["items"]]
        assert 0 < len(shown) < 230 and data["has_more"] is True
        assert data["next_starting_after"] == shown[-1]
        assert f"starting_after={shown[-1]}" in full.content[0].text  # the text says how to get the next page
        seen = list(shown)
        cursor = data["next_starting_after"]
        while cursor:
            page = await ok(client, "instantly_list_leads", {"campaign_id": camp["id"], "limit": 1000,
                                                             "starting_after": cursor})
            seen += [x["id"] for x in page["items"]]
            cursor = page["next_starting_after"]
        assert len(seen) == len(set(seen)) == 230  # nothing skipped, nothing twice


async def test_an_import_of_2000_leads_is_summarised_well_under_the_budget(sandbox_env: SandboxHandle) -> None:
    bad = [{"email": f"broken-{i}", "first_name": f"B{i}", "icebreaker": "x" * 80} for i in range(1000)]
    rows = lead_rows(1000) + bad
    async with Client(server()) as client:
        camp = await new_campaign(client, "Big import")
        result = await client.call_tool("instantly_import_leads", {"campaign_id": "Big import", "leads": rows})
    assert not result.is_error
    data = result.structured_content
    assert (data["created"], data["invalid"]) == (1000, 1000)
    assert data["invalid_reasons"] == {"not a valid email address": 1000} and len(data["invalid_items"]) == 10
    text = result.content[0].text
    assert len(text) < 5_000 and len(json.dumps(data)) < 5_000
    assert text.startswith(f"2000 leads into campaign Big import ({camp['id']}): 1000 created")
    assert "None" not in text
