"""Campaign tools over MCP against the sandbox: create (simple and full), list, get, update, delete and
activate/pause behind confirm, and the errors a model can act on."""

from __future__ import annotations

from mcp import Client

from tests.instantly_mcp.conftest import SandboxHandle
from tests.instantly_mcp.fixtures_tools import fails, new_campaign, ok, sandbox_env, server, writes

__all__ = ["sandbox_env"]

STEPS = [
    {"variants": [{"subject": "Quick question, {{firstName}}", "body": "Hi {{firstName}},\nhow are things?"},
                  {"subject": "Idea for {{companyName}}", "body": "<p>Hello {{firstName}}</p>"}],
     "delay": 2},
    {"subject": "Following up", "body": "Any thoughts?", "delay": 12, "delay_unit": "hours"},
]


async def test_create_simple_campaign_and_get_it(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        created = await new_campaign(client, "Simple")
        assert created["status"] == "draft"
        got = (await ok(client, "instantly_list_campaigns", {"campaign_id": created["id"]}))["items"][0]
    schedule = got["campaign_schedule"]["schedules"][0]
    assert schedule["timezone"] == "America/Chicago"
    assert schedule["timing"] == {"from": "09:00", "to": "17:00"}
    assert [k for k, on in sorted(schedule["days"].items()) if on] == ["1", "2", "3", "4", "5"]
    assert got["sending_days"] == ["mon", "tue", "wed", "thu", "fri"]  # "0" is Sunday, named for the model
    step = got["sequences"][0]["steps"][0]
    assert step["variants"] == [{"subject": "Hi {{firstName}}", "body": "Hello<br/>there"}]
    assert got["email_list"] == ["alex.rivera@sandbox-outreach.com"]


async def test_create_with_steps_variants_and_schedule_then_update(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        created = await ok(client, "instantly_save_campaign", {
            "name": "Full", "steps": STEPS, "schedule": {"timezone": "Europe/Belgrade", "days": ["mon", "wed"],
            "send_from": "08:30", "send_to": "11:00", "start_date": "2030-01-06"},
            "settings": {"daily_limit": 40, "stop_on_reply": True, "text_only": True},
        })
        camp = created["object"]
        steps = camp["sequences"][0]["steps"]
        assert [len(s["variants"]) for s in steps] == [2, 1]
        assert steps[0]["variants"][0]["body"] == "Hi {{firstName}},<br/>how are things?"
        assert steps[0]["variants"][1]["body"] == "<p>Hello {{firstName}}</p>"
        assert (steps[1]["delay"], steps[1]["delay_unit"]) == (12, "hours")
        sched = camp["campaign_schedule"]
        assert sched["start_date"] == "2030-01-06"
        assert sched["schedules"][0]["days"] == {"0": False, "1": True, "2": False, "3": True, "4": False,
                                                 "5": False, "6": False}
        assert camp["sending_days"] == ["mon", "wed"]
        assert camp["daily_limit"] == 40 and camp["text_only"] is True

        # update: only the timezone of the schedule changes; steps are replaced by a single one
        updated = (await ok(client, "instantly_save_campaign", {
            "campaign_id": camp["id"], "name": "Full v2", "schedule": {"timezone": "America/Detroit"},
            "subject": "New", "body": "Only step",
        }))["object"]
    assert updated["name"] == "Full v2"
    entry = updated["campaign_schedule"]["schedules"][0]
    assert entry["timezone"] == "America/Detroit"
    assert entry["timing"] == {"from": "08:30", "to": "11:00"} and entry["days"]["3"] is True
    assert len(updated["sequences"][0]["steps"]) == 1


async def test_bad_timezone_is_refused_before_any_call(sandbox_env: SandboxHandle) -> None:
    before = writes(sandbox_env)
    async with Client(server()) as client:
        text = await fails(client, "instantly_save_campaign", {"name": "X", "subject": "s", "body": "b",
                                                               "schedule": {"timezone": "America/New_York"}})
        assert "timezone" in text and "America/New_York" in text and "America/Detroit" in text
        text = await fails(client, "instantly_save_campaign", {"name": "X", "schedule": {"send_from": "25:00"}})
        assert "send_from" in text
        text = await fails(client, "instantly_save_campaign", {"name": "X", "schedule": {"hours": "9-5"}})
        assert "hours" in text and "send_from" in text  # an unknown schedule key names the valid ones
        text = await fails(client, "instantly_save_campaign", {"name": "X", "subject": "only subject"})
        assert "subject and body" in text
        text = await fails(client, "instantly_save_campaign", {"subject": "s", "body": "b"})
        assert "name" in text
    assert writes(sandbox_env) == before


async def test_list_filters_and_pages(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        for i in range(3):
            await new_campaign(client, f"Spring {i}")
        other = await new_campaign(client, "Autumn")
        page = await ok(client, "instantly_list_campaigns", {"search": "Spring", "limit": 2})
        assert page["count"] == 2 and page["has_more"] is True and page["next_starting_after"]
        rest = await ok(client, "instantly_list_campaigns", {"search": "Spring", "limit": 10,
                                                            "starting_after": page["next_starting_after"]})
        assert rest["count"] == 1 and rest["has_more"] is False
        names = {c["name"] for c in page["items"] + rest["items"]}
        assert names == {"Spring 0", "Spring 1", "Spring 2"}
        await ok(client, "instantly_set_campaign_status", {"campaign_id": other["id"], "action": "activate",
                                                           "confirm": True})
        active = await ok(client, "instantly_list_campaigns", {"status": "active"})
        assert [c["name"] for c in active["items"]] == ["Autumn"]
        assert active["items"][0]["status"] == "active"


async def test_unknown_campaign_says_what_to_do(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        text = await fails(client, "instantly_list_campaigns", {"campaign_id": "01a00000-0000-7000-8000-000000000000"})
    assert "404" in text and "not found" in text.lower() and "Check the id" in text


async def test_delete_needs_confirm(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        camp = await new_campaign(client, "Doomed")
        before = writes(sandbox_env)
        result = await client.call_tool("instantly_delete", {"kind": "campaign", "target": camp["id"]})
        assert not result.is_error
        assert result.structured_content["executed"] is False
        assert "PREVIEW" in result.content[0].text and "Doomed" in result.content[0].text
        assert writes(sandbox_env) == before
        await ok(client, "instantly_list_campaigns", {"campaign_id": camp["id"]})
        done = await ok(client, "instantly_delete", {"kind": "campaign", "target": camp["id"], "confirm": True})
        assert done["executed"] is True
        assert writes(sandbox_env) == before + 1
        assert "404" in await fails(client, "instantly_list_campaigns", {"campaign_id": camp["id"]})


async def test_activate_and_pause_need_confirm(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        camp = await new_campaign(client, "Launch")
        before = writes(sandbox_env)
        for action in ("activate", "pause"):
            preview = await ok(client, "instantly_set_campaign_status", {"campaign_id": camp["id"], "action": action})
            assert preview["executed"] is False and action in preview["preview"]
        assert writes(sandbox_env) == before
        assert (await ok(client, "instantly_list_campaigns", {"campaign_id": camp["id"]}))["items"][0]["status"] == "draft"
        on = await ok(client, "instantly_set_campaign_status", {"campaign_id": camp["id"], "action": "activate",
                                                                "confirm": True})
        assert on["executed"] and on["object"]["status"] == "active"
        off = await ok(client, "instantly_set_campaign_status", {"campaign_id": camp["id"], "action": "pause",
                                                                 "confirm": True})
        assert off["object"]["status"] == "paused"
    assert writes(sandbox_env) == before + 2


async def test_follow_ups_with_an_empty_subject_reply_in_the_same_thread(sandbox_env: SandboxHandle) -> None:
    steps = [{"subject": "Hi {{firstName}}", "body": "First", "delay": 1},
             {"body": "Bumping this up", "delay": 1},
             {"variants": [{"body": "Last try A"}, {"subject": "", "body": "Last try B"}]}]
    async with Client(server()) as client:
        camp = await new_campaign(client, "Threaded", steps=steps)
        got = (await ok(client, "instantly_list_campaigns", {"campaign_id": camp["id"]}))["items"][0]
        subjects = [[v["subject"] for v in s["variants"]] for s in got["sequences"][0]["steps"]]
        assert subjects == [["Hi {{firstName}}"], [""], ["", ""]]
        await ok(client, "instantly_import_leads", {"campaign_id": camp["id"],
                                                    "leads": [{"email": "ann@example.com", "first_name": "Ann"}]})
        await ok(client, "instantly_set_campaign_status", {"campaign_id": camp["id"], "action": "activate",
                                                           "confirm": True})
        text = await fails(client, "instantly_save_campaign", {"name": "No subject", "steps": steps[1:]})
        assert "first step needs a subject" in text
    assert sandbox_env.control("tick", {"rounds": 3})["sent"] == 3
    with sandbox_env.client() as http:
        sent = http.get("/emails", params={"campaign_id": camp["id"], "limit": 10}).json()["items"]
    sent.sort(key=lambda e: e["step"])
    assert [e["subject"] for e in sent] == ["Hi Ann", "Re: Hi Ann", "Re: Hi Ann"]
    assert len({e["thread_id"] for e in sent}) == 1
