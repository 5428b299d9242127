"""Issue 15: a lifecycle sequence for a group (listed emails, or every contact in a conversion status), previewed
first and safe to retry, against both sandboxes through the orchestrator's tools."""

from __future__ import annotations

from tests.orchestrator_mcp.conftest import Pipeline, call, client
from tests.orchestrator_mcp.test_scenario_payment import wait_until


async def test_group_lifecycle_previews_then_moves_each_once(pipeline: Pipeline) -> None:
    outreach, onboarding = pipeline.new_campaign("Q4 outreach"), pipeline.new_campaign("Onboarding")
    emails = ["ada@acme.io", "bob@bolt.io", "cy@corp.io"]
    with pipeline.instantly.client() as http:
        for email in emails:
            http.post("/leads", json={"email": email, "campaign": outreach}).raise_for_status()
    pipeline.engage("ada@acme.io", "sent", outreach)
    pipeline.engage("ada@acme.io", "opened", outreach)
    pipeline.engage("bob@bolt.io", "sent", outreach)
    pipeline.engage("bob@bolt.io", "opened", outreach)
    async with client() as c:
        await call(c, "sync_now", {"source": "none", "contacts": True})
        no_role = await c.call_tool("start_lifecycle_sequence", {"status": "engaged", "role": "upsell"})
        assert no_role.is_error and "configure_pipeline" in no_role.content[0].text
        await call(c, "configure_pipeline", {"campaign_roles": {"upsell": "Onboarding"}})

        preview = await c.call_tool("start_lifecycle_sequence", {"status": "engaged", "role": "upsell"})
        assert preview.structured_content["executed"] is False
        assert sorted(m["email"] for m in preview.structured_content["group"]) == ["ada@acme.io", "bob@bolt.io"]
        assert "PREVIEW" in preview.content[0].text and "2 contacts" in preview.content[0].text
        assert pipeline.leads_in(onboarding) == []  # a preview writes nothing

        done = await call(c, "start_lifecycle_sequence", {"status": "engaged", "role": "upsell", "confirm": True,
                                                          "variables": {"offer": "Pro"}})
        assert done["executed"] is True and sorted(m["action"] for m in done["group"]) == ["moved", "moved"]
        wait_until(lambda: {x["email"] for x in pipeline.leads_in(onboarding)} == {"ada@acme.io", "bob@bolt.io"})

        # a listed group; a retry does not add a second lead for those already in the campaign
        listed = await call(c, "start_lifecycle_sequence", {"emails": ["ADA@acme.io", "cy@corp.io"],
                                                            "role": "upsell", "confirm": True})
        assert {m["email"]: m["action"] for m in listed["group"]}["cy@corp.io"] == "moved"
        wait_until(lambda: len(pipeline.leads_in(onboarding)) == 3)
        again = await call(c, "start_lifecycle_sequence", {"emails": emails, "role": "upsell", "confirm": True})
        assert all(m["action"] != "failed" for m in again["group"])
        assert sorted(x["email"] for x in pipeline.leads_in(onboarding)) == sorted(emails)
