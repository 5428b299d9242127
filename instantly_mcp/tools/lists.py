"""Lead list tools: create or rename (listing: instantly_list; deleting: instantly_delete)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from instantly_mcp.deps import InstantlyDeps
from instantly_mcp.tools.box import TOOLBOX
from instantly_mcp.tools.common import ObjectResult, client_of, obj
from instantly_mcp.tools.resolve import Names
from shared.errors import InputError
from shared.tooling import Call, ToolInput


class SaveList(ToolInput):
    list_id: str | None = Field(None, description="List to change (name or id); omit to create one.")
    name: str | None = Field(None, min_length=1, description="List name (required to create).")
    has_enrichment_task: bool | None = Field(None, description="Enrich every lead added to the list.")


@TOOLBOX.tool(toolset="lists", title="Create or update lead list", read_only=False, destructive=False,
              idempotent=False, open_world=True)
async def instantly_save_lead_list(call: Call[InstantlyDeps], args: SaveList) -> ObjectResult:
    """Create a lead list, or rename/change one when list_id is given."""
    client = await client_of(call)
    if args.list_id is None:
        if not args.name:
            raise InputError("a new list needs a name", "name")
        return obj(await client.create_lead_list(args.name, has_enrichment_task=args.has_enrichment_task),
                   "Created lead list")
    body: dict[str, Any] = args.model_dump(include={"name", "has_enrichment_task"}, exclude_none=True)
    if not body:
        raise InputError("nothing to change: give name or has_enrichment_task", "name")
    found = await Names(client).lead_list(args.list_id)
    return obj(await client.update_lead_list(found.id, body), "Updated lead list")
