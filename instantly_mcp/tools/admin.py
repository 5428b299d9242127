"""Admin tools: custom tags, the block list, background jobs, workspace info and connection test."""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import Field, model_validator

from instantly_mcp.deps import InstantlyDeps
from instantly_mcp.tools import TOOLBOX
from instantly_mcp.tools.common import (
    ActionResult, ItemsResult, ListInput, ObjectResult, client_of, obj, page_result, preview,
)
from instantly_mcp.tools.unibox import NoInput
from shared.errors import InputError
from shared.safety import ConfirmInput
from shared.secrets import INSTANTLY_API_KEY, lookup
from shared.tooling import Call, ToolInput, ToolResult

# --- custom tags ---


class ListTags(ListInput):
    search: str | None = Field(None, description="Match on label.")


@TOOLBOX.tool(toolset="admin", title="List custom tags", read_only=True, destructive=False, idempotent=True,
              open_world=True)
async def instantly_list_tags(call: Call[InstantlyDeps], args: ListTags) -> ItemsResult:
    """List custom tags (used to group campaigns and accounts)."""
    page = await (await client_of(call)).list_tags(search=args.search, max_items=args.limit,
                                                   starting_after=args.starting_after)
    return page_result(page, [t.pick("id", "label", "description") for t in page.items], "tags")


class CreateTag(ToolInput):
    label: str = Field(min_length=1, description="Tag label, unique in the workspace.")
    description: str | None = Field(None, description="What it is for.")


@TOOLBOX.tool(toolset="admin", title="Create custom tag", read_only=False, destructive=False, idempotent=False,
              open_world=True)
async def instantly_create_tag(call: Call[InstantlyDeps], args: CreateTag) -> ObjectResult:
    """Create a custom tag."""
    return obj(await (await client_of(call)).create_tag(args.label.strip(), args.description), "Tag")


class AssignTags(ToolInput):
    tag_ids: list[str] = Field(min_length=1, description="Tag ids.")
    resource_type: Literal["campaign", "account"] = Field(description="What the ids below are.")
    resource_ids: list[str] = Field(min_length=1, description="Campaign ids or account emails.")
    unassign: bool = Field(False, description="Remove the tags instead of adding them.")


@TOOLBOX.tool(toolset="admin", title="Assign custom tags", read_only=False, destructive=False, idempotent=True,
              open_world=True)
async def instantly_assign_tags(call: Call[InstantlyDeps], args: AssignTags) -> ActionResult:
    """Add tags to (or remove them from) campaigns or sending accounts."""
    kind = 2 if args.resource_type == "campaign" else 1
    await (await client_of(call)).toggle_tags(args.tag_ids, kind, args.resource_ids, not args.unassign)
    verb = "Removed" if args.unassign else "Assigned"
    return ActionResult(executed=True, message=f"{verb} {len(args.tag_ids)} tags on {len(args.resource_ids)} "
                                               f"{args.resource_type}s.")


# --- block list ---


class ListBlocks(ListInput):
    search: str | None = Field(None, description="Match on email or domain.")
    domains_only: bool = Field(False, description="Only blocked domains.")


@TOOLBOX.tool(toolset="admin", title="List block list", read_only=True, destructive=False, idempotent=True,
              open_world=True)
async def instantly_list_block_list(call: Call[InstantlyDeps], args: ListBlocks) -> ItemsResult:
    """List blocked emails and domains (never emailed by any campaign)."""
    page = await (await client_of(call)).list_block_list(
        search=args.search, domains_only=args.domains_only or None, max_items=args.limit,
        starting_after=args.starting_after)
    return page_result(page, [b.pick("id", "bl_value", "is_domain") for b in page.items], "entries")


class AddBlocks(ToolInput):
    values: list[str] = Field(min_length=1, max_length=1000, description="Emails or domains to block.")


@TOOLBOX.tool(toolset="admin", title="Add to block list", read_only=False, destructive=False, idempotent=False,
              open_world=True)
async def instantly_add_to_block_list(call: Call[InstantlyDeps], args: AddBlocks) -> ObjectResult:
    """Block emails or whole domains from all campaigns."""
    client = await client_of(call)
    values = list(dict.fromkeys(v.strip().lower() for v in args.values if v.strip()))
    if len(values) == 1:
        return obj(await client.add_block_list_entry(values[0]), "Blocked")
    answer = await client.bulk_add_block_list(values)
    items = answer.get("items") or []
    result = {"added": len(items), "valid_count": answer.get("valid_count"),
              "invalid_count": answer.get("invalid_count"),
              "items": [{k: i.get(k) for k in ("id", "bl_value", "is_domain")} for i in items[:100]]}
    return obj(result, f"Blocked {len(items)} values")


class RemoveBlock(ConfirmInput):
    entry_id: str | None = Field(None, description="Block list entry id (or give value).")
    value: str | None = Field(None, description="The blocked email or domain.")

    @model_validator(mode="after")
    def _one(self) -> RemoveBlock:
        if not (self.entry_id or self.value):
            raise ValueError("give entry_id or value")
        return self


@TOOLBOX.tool(toolset="admin", title="Remove from block list", read_only=False, destructive=True, idempotent=True,
              open_world=True)
async def instantly_remove_from_block_list(call: Call[InstantlyDeps], args: RemoveBlock) -> ActionResult:
    """Unblock an email or domain (campaigns may email it again). Needs confirm=true; otherwise a preview."""
    client = await client_of(call)
    if args.entry_id:
        entry = await client.get_block_list_entry(args.entry_id)
    else:
        wanted = (args.value or "").strip().lower()
        page = await client.list_block_list(search=wanted, max_items=100)
        match = [e for e in page.items if (e.bl_value or "").lower() == wanted]
        if not match:
            raise InputError(f"{wanted!r} is not on the block list", "value")
        entry = match[0]
    if not args.confirm:
        return preview(f"Would remove {entry.bl_value} ({entry.id}) from the block list.")
    await client.delete_block_list_entry(entry.id)
    return ActionResult(executed=True, message=f"Removed {entry.bl_value} from the block list.")


# --- jobs and workspace ---


class JobId(ToolInput):
    job_id: str = Field(description="Background job id.")


@TOOLBOX.tool(toolset="admin", title="Background job status", read_only=True, destructive=False, idempotent=True,
              open_world=True)
async def instantly_get_job(call: Call[InstantlyDeps], args: JobId) -> ObjectResult:
    """Status and progress (0-100) of a background job (lead move, warmup change, verification)."""
    job = await (await client_of(call)).get_job(args.job_id)
    return obj(job, f"Job {job.status} {job.progress or 0}%")


class WorkspaceResult(ToolResult):
    workspace: dict[str, Any]
    api: dict[str, Any]

    def summary(self) -> str:
        w = self.workspace
        return (f"Connected to workspace '{w.get('name')}' ({w.get('id')}), plan {w.get('plan_id') or 'n/a'}; "
                f"{self.api.get('latency_ms')} ms, key from {self.api.get('key_source')}.")


@TOOLBOX.tool(toolset="admin", title="Workspace info and connection test", read_only=True, destructive=False,
              idempotent=True, open_world=True)
async def instantly_workspace(call: Call[InstantlyDeps], args: NoInput) -> WorkspaceResult:
    """Check the API key and connection: the workspace (name, plan) and round-trip time."""
    client = await client_of(call)
    started = time.monotonic()
    workspace = await client.current_workspace()
    found = lookup(INSTANTLY_API_KEY)
    api: dict[str, Any] = {
        "base_url": client.base_url, "latency_ms": round((time.monotonic() - started) * 1000, 1),
        "key_source": found.source if found else "unknown", **client.health(),
    }
    return WorkspaceResult(workspace=workspace.pick("id", "name", "owner", "plan_id", "timestamp_created"), api=api)
