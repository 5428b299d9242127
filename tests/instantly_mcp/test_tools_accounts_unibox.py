"""Sending-account tools and Unibox tools over MCP against the sandbox; reply sends only with confirm."""

from __future__ import annotations

from mcp import Client

from tests.instantly_mcp.conftest import SandboxHandle
from tests.instantly_mcp.fixtures_tools import (
    SENDER, fails, lead_rows, new_campaign, ok, sandbox_env, server, writes,
)

__all__ = ["sandbox_env"]


async def test_accounts_list_get_warmup_and_state(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        listed = await ok(client, "instantly_list_accounts", {})
        assert listed["count"] == 3
        first = next(a for a in listed["items"] if a["email"] == SENDER)
        assert first["status"] == "active" and first["warmup_status"] == "active"
        acct = (await ok(client, "instantly_list_accounts", {"emails": [SENDER]}))["items"][0]
        assert acct["email"] == SENDER and acct["warmup_status"] == "active" and "warmup" in acct
        assert "404" in await fails(client, "instantly_list_accounts", {"emails": ["ghost@nowhere.example"]})

        warm = await ok(client, "instantly_list_accounts", {"emails": [SENDER, "sam.patel@sandbox-mail.io"],
                                                            "daily": True})
        accounts = {a["email"]: a for a in warm["items"]}
        assert set(accounts) == {SENDER, "sam.patel@sandbox-mail.io"}
        assert accounts["sam.patel@sandbox-mail.io"]["warmup_status"] == "paused"
        assert "health_score" in accounts[SENDER]["warmup_analytics"]

        paused = await ok(client, "instantly_manage_accounts", {"emails": [SENDER], "action": "pause",
                                                                "confirm": True})
        assert paused["done"] == [SENDER]
        only_paused = await ok(client, "instantly_list_accounts", {"status": "paused"})
        assert [a["email"] for a in only_paused["items"]] == [SENDER]
        await ok(client, "instantly_manage_accounts", {"emails": [SENDER], "action": "resume", "confirm": True})
        assert (await ok(client, "instantly_list_accounts", {"emails": [SENDER]}))["items"][0]["status"] == "active"
        mixed = await ok(client, "instantly_manage_accounts", {"emails": [SENDER, "ghost@nowhere.example"],
                                                               "action": "pause", "confirm": True})
        assert mixed["done"] == [SENDER] and "ghost@nowhere.example" in mixed["failed"]

        job = await ok(client, "instantly_manage_accounts", {"emails": ["sam.patel@sandbox-mail.io"],
                                                             "action": "enable_warmup", "confirm": True})
        assert job["job_id"]
        status = (await ok(client, "instantly_list", {"kind": "job", "job_id": job["job_id"]}))["items"][0]
        assert status["type"] == "update-warmup-accounts"
        assert "404" in await fails(client, "instantly_list", {"kind": "job", "job_id": "no-such-job"})


async def test_account_state_changes_ask_first(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        before = writes(sandbox_env)
        for action in ("pause", "resume", "enable_warmup", "disable_warmup"):
            result = await client.call_tool("instantly_manage_accounts", {"emails": [SENDER, "ghost@nowhere.example"],
                                                                         "action": action})
            assert not result.is_error
            data = result.structured_content
            assert data["executed"] is False and data["done"] == []
            assert f"{SENDER} (active, warmup active)" in data["preview"] and "ghost@nowhere.example" in data["preview"]
            assert "PREVIEW" in result.content[0].text and "confirm=true" in result.content[0].text
        assert writes(sandbox_env) == before  # no write of any kind
        assert (await ok(client, "instantly_list_accounts", {"emails": [SENDER]}))["items"][0]["status"] == "active"
        done = await ok(client, "instantly_manage_accounts", {"emails": [SENDER], "action": "pause", "confirm": True})
        assert done["executed"] is True and done["done"] == [SENDER]
        assert (await ok(client, "instantly_list_accounts", {"emails": [SENDER]}))["items"][0]["status"] == "paused"


async def test_unibox_list_read_count_and_gated_reply(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        camp = await new_campaign(client)
        await ok(client, "instantly_import_leads", {"campaign_id": camp["id"], "leads": lead_rows(2)})
        await ok(client, "instantly_set_campaign_status", {"campaign_id": camp["id"], "action": "activate",
                                                           "confirm": True})
        sandbox_env.control("tick", {"campaign_id": camp["id"]})
        sandbox_env.control("engagement", {"event": "replied", "email": "person1@example.com",
                                           "text": "Sounds good, call me Tuesday."})
        unread = await ok(client, "instantly_list_emails", {"unread_only": True})
        assert unread["unread_total"] == 1 and unread["count"] == 1
        replies = await ok(client, "instantly_list_emails", {"email_type": "received", "campaign_id": camp["id"]})
        assert replies["count"] == 1
        reply = replies["items"][0]
        assert reply["type"] == "received" and reply["unread"] is True and reply["lead"] == "person1@example.com"
        full = (await ok(client, "instantly_list_emails", {"email_id": reply["id"]}))["items"][0]
        assert "Tuesday" in full["body"]["text"]

        preview = await client.call_tool("instantly_reply_email", {"email_id": reply["id"],
                                                                   "body": "Great,\ntalk Tuesday."})
        assert not preview.is_error and preview.structured_content["executed"] is False
        assert "person1@example.com" in preview.content[0].text and "Re:" in preview.content[0].text
        assert "POST /api/v2/emails/reply" not in sandbox_env.stats()["requests"]

        sent = await ok(client, "instantly_reply_email", {"email_id": reply["id"], "body": "Great,\ntalk Tuesday.",
                                                          "confirm": True})
        assert sent["executed"] is True and sent["object"]["eaccount"] == SENDER
        assert sandbox_env.stats()["requests"]["POST /api/v2/emails/reply"] == 1
        assert (await ok(client, "instantly_list_emails", {"unread_only": True}))["unread_total"] == 0
        assert "404" in await fails(client, "instantly_list_emails", {"email_id": "01a00000-0000-7000-8000-000000000000"})
