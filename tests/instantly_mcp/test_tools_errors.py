"""Errors a model can act on: a missing or wrong key, an unpaid plan, bad arguments, rate limiting; plus the
server over a real stdio subprocess, pointed at the sandbox."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from tests.conftest import subprocess_env
from tests.instantly_mcp.conftest import SandboxHandle
from tests.instantly_mcp.fixtures_tools import WEBHOOK_SECRET, fails, ok, sandbox_env, server

__all__ = ["sandbox_env"]


async def test_missing_key_fails_the_call_not_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSTANTLY_BASE_URL", "http://127.0.0.1:9")  # never reached
    async with Client(server()) as client:
        assert len((await client.list_tools()).tools) > 15
        text = await fails(client, "instantly_list_campaigns", {})
    assert "Instantly API key is not configured" in text
    assert "instantly-mcp auth set api-key" in text and "INSTANTLY_API_KEY" in text


async def test_wrong_key_and_unpaid_plan(sandbox_env: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSTANTLY_API_KEY", "wrong-key-123456")
    async with Client(server()) as client:
        text = await fails(client, "instantly_workspace", {})
    assert "401" in text and "Invalid API key" in text and "auth set" in text
    assert "wrong-key-123456" not in text
    monkeypatch.setenv("INSTANTLY_API_KEY", sandbox_env.api_key)
    sandbox_env.control("config", {"plan": "none"})
    async with Client(server()) as client:
        text = await fails(client, "instantly_list_campaigns", {})
    assert "402" in text and "paid plan" in text


async def test_bad_arguments_are_rejected_with_the_field(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        assert "limit" in await fails(client, "instantly_list_campaigns", {"limit": 5000})
        assert "status" in await fails(client, "instantly_list_campaigns", {"status": "running"})
        assert "leads" in await fails(client, "instantly_import_leads", {"campaign_id": "x", "leads": []})
        text = await fails(client, "instantly_list_campaigns", {"campaign_id": "not-a-uuid"})
        assert "no campaign named 'not-a-uuid'" in text  # not an id, so a name: unknown names are errors
        text = await fails(client, "instantly_save_campaign", {"name": "X", "steps": [{"delay": 1}]})
        assert "give body (and subject), or variants" in text


async def test_rate_limited_calls_are_retried(sandbox_env: SandboxHandle) -> None:
    sandbox_env.control("faults", {"fail_next": ["429", "429"], "match": "/api/v2/campaigns", "retry_after": 0.01})
    async with Client(server()) as client:
        listed = await ok(client, "instantly_list_campaigns", {})
    assert listed["count"] == 0
    stats = sandbox_env.stats()
    assert stats["requests"]["GET /api/v2/campaigns"] == 3 and stats["faults_injected"] == {"429": 2}


async def test_stdio_subprocess_against_the_sandbox(sandbox_env: SandboxHandle, tmp_path: Path) -> None:
    env = subprocess_env(INSTANTLY_BASE_URL=sandbox_env.url, INSTANTLY_API_KEY=sandbox_env.api_key,
                         INSTANTLY_WEBHOOK_SECRET=WEBHOOK_SECRET, ISMCP_NO_AUDIT="1")
    params = StdioServerParameters(command=sys.executable, args=["-m", "instantly_mcp"], env=env)
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert "instantly_import_leads" in names
        made = await client.call_tool("instantly_save_campaign", {"name": "Over stdio", "subject": "s", "body": "b"})
        assert not made.is_error, made.content
        workspace = await client.call_tool("instantly_workspace", {})
        assert not workspace.is_error and "Sandbox Workspace" in workspace.content[0].text
        listed = await client.call_tool("instantly_list_campaigns", {})
        assert [c["name"] for c in listed.structured_content["items"]] == ["Over stdio"]
    params = StdioServerParameters(command=sys.executable, args=["-m", "instantly_mcp", "--read-only"], env=env)
    async with Client(params) as client:
        tools = (await client.list_tools()).tools
        assert tools and all(t.annotations.read_only_hint for t in tools)
