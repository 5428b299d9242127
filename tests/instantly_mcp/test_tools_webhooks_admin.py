"""Webhook tools (our receiver's secret header, never echoed), custom tags, block list, workspace info."""

from __future__ import annotations

import json

import pytest
from mcp import Client

from tests.instantly_mcp.conftest import SandboxHandle
from tests.instantly_mcp.fixtures_tools import (
    WEBHOOK_SECRET, fails, new_campaign, ok, sandbox_env, server, writes,
)

__all__ = ["sandbox_env"]
HOOK_URL = "https://hooks.example.test/instantly"


async def test_webhook_carries_the_secret_header_but_never_shows_it(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        camp = await new_campaign(client)
        result = await client.call_tool("instantly_create_webhook", {
            "url": HOOK_URL, "event_type": "reply_received", "campaign_id": camp["id"], "name": "Replies"})
        assert not result.is_error
        hook = result.structured_content["object"]
        assert hook["headers"] == ["X-Webhook-Secret"] and hook["event_type"] == "reply_received"
        listed = await client.call_tool("instantly_list", {"kind": "webhooks"})
        event_types = await ok(client, "instantly_list", {"kind": "event_types"})
        for shown in (result, listed):
            assert WEBHOOK_SECRET not in json.dumps(shown.structured_content)
            assert WEBHOOK_SECRET not in shown.content[0].text
        types = {t["id"] for t in event_types["items"]}
        assert {"reply_received", "email_sent", "lead_interested"} <= types
        assert listed.structured_content["items"][0]["id"] == hook["id"]
        assert "url" in await fails(client, "instantly_create_webhook", {"url": "ftp://x"})
        assert "event_type" in await fails(client, "instantly_create_webhook", {"url": HOOK_URL,
                                                                                "event_type": "opened"})
    with sandbox_env.client() as http:
        stored = http.get(f"/webhooks/{hook['id']}").json()
    assert stored["headers"] == {"X-Webhook-Secret": WEBHOOK_SECRET}
    assert stored["campaign"] == camp["id"] and stored["target_hook_url"] == HOOK_URL


async def test_webhook_needs_the_secret_configured(sandbox_env: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INSTANTLY_WEBHOOK_SECRET")
    before = writes(sandbox_env)
    async with Client(server()) as client:
        text = await fails(client, "instantly_create_webhook", {"url": HOOK_URL})
    assert "INSTANTLY_WEBHOOK_SECRET" in text and "auth set webhook-secret" in text
    assert writes(sandbox_env) == before


async def test_delete_webhook_needs_confirm(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        hook = (await ok(client, "instantly_create_webhook", {"url": HOOK_URL}))["object"]
        before = writes(sandbox_env)
        preview = await ok(client, "instantly_delete", {"kind": "webhook", "target": hook["id"]})
        assert preview["executed"] is False and HOOK_URL in preview["preview"]
        assert writes(sandbox_env) == before
        await ok(client, "instantly_delete", {"kind": "webhook", "target": hook["id"], "confirm": True})
        assert (await ok(client, "instantly_list", {"kind": "webhooks"}))["count"] == 0
        assert "404" in await fails(client, "instantly_delete", {"kind": "webhook", "target": hook["id"]})


async def test_tags_create_list_assign(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        camp = await new_campaign(client, "Tagged")
        await new_campaign(client, "Untagged")
        tag = (await ok(client, "instantly_manage_tags", {"action": "create", "label": " VIP ",
                                                          "description": "Top accounts"}))["object"]
        assert tag["label"] == "VIP"
        assert "409" in await fails(client, "instantly_manage_tags", {"action": "create", "label": "VIP"})
        tags = await ok(client, "instantly_list", {"kind": "tags", "search": "vi"})
        assert [t["label"] for t in tags["items"]] == ["VIP"]
        # tags by label, campaigns by name: names work wherever ids do
        await ok(client, "instantly_manage_tags", {"action": "assign", "tags": ["vip"], "resources": ["Tagged"]})
        tagged = await ok(client, "instantly_list_campaigns", {"tag_ids": [tag["id"]]})
        assert [c["name"] for c in tagged["items"]] == ["Tagged"]
        await ok(client, "instantly_manage_tags", {"action": "unassign", "tags": [tag["id"]], "resource_type": "campaign",
                                                   "resources": [camp["id"]]})
        assert (await ok(client, "instantly_list_campaigns", {"tag_ids": [tag["id"]]}))["count"] == 0
        text = await fails(client, "instantly_manage_tags", {"action": "assign", "tags": ["VIPP"], "resources": ["Tagged"]})
        assert "no tag 'VIPP'" in text and "'VIP'" in text


async def test_block_list_add_list_remove(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        one = (await ok(client, "instantly_add_to_block_list", {"values": ["Spam.Example"]}))["object"]
        assert one["bl_value"] == "spam.example" and one["is_domain"] is True
        many = (await ok(client, "instantly_add_to_block_list", {
            "values": ["a@b.example", "c@d.example", "a@b.example"]}))["object"]
        assert many["added"] == 2
        listed = await ok(client, "instantly_list", {"kind": "block_list"})
        assert {e["bl_value"] for e in listed["items"]} == {"spam.example", "a@b.example", "c@d.example"}
        domains = await ok(client, "instantly_list", {"kind": "block_list", "domains_only": True})
        assert [e["bl_value"] for e in domains["items"]] == ["spam.example"]
        before = writes(sandbox_env)
        preview = await ok(client, "instantly_delete", {"kind": "blocked", "target": "a@b.example"})
        assert preview["executed"] is False and "a@b.example" in preview["preview"]
        assert writes(sandbox_env) == before
        await ok(client, "instantly_delete", {"kind": "blocked", "target": "a@b.example", "confirm": True})
        await ok(client, "instantly_delete", {"kind": "blocked", "target": one["id"], "confirm": True})
        left = await ok(client, "instantly_list", {"kind": "block_list"})
        assert [e["bl_value"] for e in left["items"]] == ["c@d.example"]
        assert "not on the block list" in await fails(client, "instantly_delete",
                                                      {"kind": "blocked", "target": "nobody@x.example"})


async def test_workspace_info_is_a_connection_test(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        result = await client.call_tool("instantly_workspace", {})
    assert not result.is_error
    data = result.structured_content
    assert data["workspace"]["name"] == "Sandbox Workspace"
    assert data["api"]["base_url"] == sandbox_env.url and data["api"]["key_source"] == "environment"
    assert "Connected to workspace Sandbox Workspace (" in result.content[0].text
    assert sandbox_env.api_key not in json.dumps(data)
