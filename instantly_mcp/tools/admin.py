"""Admin tools: custom tags, the block list (listing both: instantly_list; unblocking: instantly_delete), workspace info."""

from __future__ import annotations

import time
import difflib
from typing import Any, Literal

from pydantic import Field

from instantly_mcp.deps import InstantlyDeps
from instantly_mcp.tools.box import TOOLBOX
from instantly_mcp.tools.common import ActionResult, ObjectResult, client_of, obj
from instantly_mcp.tools.resolve import Names, label
from instantly_mcp.tools.unibox import NoInput
from shared.errors import InputError
from shared.render import plural
from shared.secrets import INSTANTLY_API_KEY, lookup
from shared.tooling import Call, ToolInput, ToolResult

# --- custom tags ---


class ManageTags(ToolInput):
    action: Literal["create", "assign", "unassign"] = Field(description="create a tag, or add/remove tags.")
    label: str | None = Field(None, min_length=1, description="create: the label, unique in the workspace.")
    description: str | None = Field(None, description="create: what it is for.")
    tags: list[str] | None = Field(None, description="assign/unassign: tag labels or ids.")
    resource_type: Literal["campaign", "account"] = Field("campaign", description="What resources are.")
    resources: list[str] | None = Field(None, description="Campaign names or ids, or account emails.")


async def _tag_ids(client: Any, refs: list[str]) -> list[str]:
    every = (await client.list_tags(max_items=1000)).items
    by_label = {(t.label or "").casefold(): t.id for t in every}
    ids = {t.id for t in every}
    out = []
    for ref in refs:
        hit = ref if ref in ids else by_label.get(ref.strip().casefold())
        if hit is None:
            close = difflib.get_close_matches(ref.casefold(), list(by_label), n=5, cutoff=0.5)
            shown = ", ".join(repr(next(t.label for t in every if (t.label or "").casefold() == c)) for c in close)
            raise InputError(f"no tag {ref!r}" + (f". Close matches: {shown}" if shown else "") +
                             ". Create it with action=create.", "tags")
        out.append(hit)
    return out


@TOOLBOX.tool(toolset="admin", title="Create or assign custom tags", read_only=False, destructive=False,
              idempotent=False, open_world=True)
async def instantly_manage_tags(call: Call[InstantlyDeps], args: ManageTags) -> ActionResult:
    """Create a custom tag, or add/remove tags on campaigns or sending accounts."""
    client = await client_of(call)
    if args.action == "create":
        if not args.label:
            raise InputError("create needs a label", "label")
        tag = await client.create_tag(args.label.strip(), args.description)
        return ActionResult(executed=True, message=f"Created tag {label(tag.label, tag.id)}.",
                            object=tag.pick("id", "label", "description"))
    if not args.tags or not args.resources:
        raise InputError(f"{args.action} needs tags and resources", "tags" if not args.tags else "resources")
    tag_ids = await _tag_ids(client, args.tags)
    resources = args.resources
    if args.resource_type == "campaign":
        names = Names(client)
        resources = [await names.campaign_id(r, "resources") or r for r in resources]
    await client.toggle_tags(tag_ids, 2 if args.resource_type == "campaign" else 1, resources,
                             args.action == "assign")
    verb = "Removed" if args.action == "unassign" else "Assigned"
    return ActionResult(executed=True, message=f"{verb} {plural(len(tag_ids), 'tag')} on "
                                               f"{plural(len(resources), args.resource_type)}.",
                        object={"tag_ids": tag_ids, "resources": resources})


# --- block list ---


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
    return obj(result, f"Blocked {plural(len(items), 'value')}")


# --- workspace ---


class WorkspaceResult(ToolResult):
    workspace: dict[str, Any]
    api: dict[str, Any]

    def summary(self) -> str:
        w, api = self.workspace, self.api
        name = label(w.get("name") or "(unnamed)", w.get("id")) if w.get("id") else (w.get("name") or "(unnamed)")
        latency = f"{api['latency_ms']} ms" if api.get("latency_ms") is not None else "latency unknown"
        return (f"Connected to workspace {name}, plan {w.get('plan_id') or 'n/a'}; {latency}, key from "
                f"{api.get('key_source') or 'unknown'}.")


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
