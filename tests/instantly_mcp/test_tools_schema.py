"""What the model sees: the tool list snapshot and size, titles and annotations, read-only mode, toolsets."""

from __future__ import annotations

import json
from pathlib import Path

from mcp import Client

from instantly_mcp.server import build
from instantly_mcp.tools import TOOLBOX
from shared.schemas import restates_name
from shared.deps import ServerOptions
from tests.support.snapshots import check_snapshot, tool_listing

SNAPSHOT = Path(__file__).parent / "snapshots" / "instantly_tools.json"
MAX_TOOLS_LIST_BYTES = 36_000
TOOLSETS = {"campaigns", "leads", "lists", "analytics", "accounts", "unibox", "webhooks", "admin"}


async def test_tool_schemas_match_the_snapshot() -> None:
    check_snapshot(await tool_listing(build()), SNAPSHOT)


async def test_tools_list_stays_small() -> None:
    async with Client(build()) as client:
        listed = await client.list_tools()
    size = len(json.dumps(listed.model_dump(mode="json", by_alias=True, exclude_none=True), separators=(",", ":")))
    print(f"\ninstantly tools/list: {len(listed.tools)} tools, {size} bytes (compact JSON)")
    assert size <= MAX_TOOLS_LIST_BYTES
    assert 15 <= len(listed.tools) <= 25


async def test_every_tool_is_described_titled_and_fully_annotated() -> None:
    async with Client(build()) as client:
        tools = (await client.list_tools()).tools
    assert {s.toolset for s in TOOLBOX.specs} == TOOLSETS
    for tool in tools:
        assert tool.name.startswith("instantly_") and tool.name == tool.name.lower()
        assert tool.title and tool.description and len(tool.description) < 400, tool.name
        ann = tool.annotations
        assert ann is not None
        flags = (ann.read_only_hint, ann.destructive_hint, ann.idempotent_hint, ann.open_world_hint)
        assert all(isinstance(f, bool) for f in flags), tool.name
        assert tool.output_schema and tool.output_schema.get("type") == "object", tool.name
        # Every field is described; a description that only restated the field's name ("First name." on
        # first_name) is dropped when published (shared.schemas.restates_name), so the source must have one.
        source = next(s for s in TOOLBOX.specs if s.name == tool.name).input_model.model_json_schema()
        for name, prop in tool.input_schema.get("properties", {}).items():
            assert prop.get("description") or restates_name(name, source["properties"][name].get("description")), \
                f"{tool.name}.{name} has no description"
        for def_name, model in tool.input_schema.get("$defs", {}).items():
            for name, prop in model.get("properties", {}).items():
                original = source["$defs"][def_name]["properties"][name].get("description")
                assert prop.get("description") or restates_name(name, original), \
                    f"{tool.name} nested {name} has no description"
        if ann.read_only_hint:
            assert not ann.destructive_hint, tool.name
        if ann.destructive_hint or tool.name in ("instantly_reply_email", "instantly_set_campaign_status",
                                                 "instantly_manage_accounts"):
            assert "confirm" in tool.input_schema["properties"], f"{tool.name} must be gated by confirm"


async def test_read_only_mode_lists_no_write_tools() -> None:
    async with Client(build(ServerOptions(read_only=True))) as client:
        tools = (await client.list_tools()).tools
    names = {t.name for t in tools}
    assert all(t.annotations.read_only_hint for t in tools)
    expected = {s.name for s in TOOLBOX.specs if s.read_only}
    assert names == expected
    for write in ("instantly_import_leads", "instantly_reply_email", "instantly_delete",
                  "instantly_set_campaign_status", "instantly_save_campaign", "instantly_create_webhook"):
        assert write not in names
    assert {"instantly_list_campaigns", "instantly_campaign_analytics", "instantly_workspace"} <= names


async def test_read_only_from_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("INSTANTLY_READ_ONLY", "1")
    async with Client(build(ServerOptions.from_env("INSTANTLY"))) as client:
        tools = (await client.list_tools()).tools
    assert tools and all(t.annotations.read_only_hint for t in tools)


async def test_toolsets_select_tools() -> None:
    async with Client(build(ServerOptions(toolsets=["analytics", "webhooks"]))) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    # instantly_list is listed under admin, lists and webhooks: it lists webhooks among other things
    assert names == {"instantly_campaign_analytics", "instantly_list", "instantly_create_webhook"}
