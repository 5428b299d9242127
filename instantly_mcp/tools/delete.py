"""One tool deletes anything: a campaign, lead, lead list or webhook, or unblocks a block-list entry (gated)."""

from __future__ import annotations

import functools
from typing import Literal

from pydantic import Field

from instantly_mcp.client.enums import CAMPAIGN_STATUS, name_of
from instantly_mcp.deps import InstantlyDeps
from instantly_mcp.tools.box import TOOLBOX
from instantly_mcp.tools.common import ActionResult, client_of, preview
from instantly_mcp.tools.resolve import Names, is_id, label
from shared.errors import InputError
from shared.safety import ConfirmInput
from shared.tooling import Call

Kind = Literal["campaign", "lead", "lead_list", "webhook", "blocked"]


class Delete(ConfirmInput):
    kind: Kind = Field(description="What to delete; blocked = take an email or domain off the block list.")
    target: str = Field(min_length=1, description="Campaign or list: name or id. Lead: email or id. Webhook: id. "
                                                  "Blocked: the email, domain or entry id.")
    campaign_id: str | None = Field(None, description="Lead by email: its campaign (name or id).")


@TOOLBOX.tool(toolset="admin", title="Delete or unblock", read_only=False, destructive=True, idempotent=True,
              open_world=True)
async def instantly_delete(call: Call[InstantlyDeps], args: Delete) -> ActionResult:
    """Delete a campaign, lead, lead list or webhook for good, or unblock an email or domain."""
    names = Names(await client_of(call))
    client = names.client
    if args.kind == "campaign":
        c = await names.campaign(args.target, "target")
        what, effect = f"campaign {label(c.name, c.id)} ({name_of(CAMPAIGN_STATUS, c.status)})", "permanently delete"
        action = functools.partial(client.delete_campaign, c.id)
    elif args.kind == "lead":
        lead = await names.lead(args.target, campaign_id=await names.campaign_id(args.campaign_id), field="target")
        what, effect = f"lead {label(lead.email, lead.id)} and its history", "permanently delete"
        action = functools.partial(client.delete_lead, lead.id)
    elif args.kind == "lead_list":
        found = await names.lead_list(args.target, "target")
        what, effect = f"lead list {label(found.name, found.id)}", "permanently delete"
        action = functools.partial(client.delete_lead_list, found.id)
    elif args.kind == "webhook":
        hook = await client.get_webhook(args.target.strip())
        what = " ".join(f"webhook {hook.name or ''} {hook.id} ({hook.event_type or 'custom'} -> "
                        f"{hook.target_hook_url}); its events stop being delivered".split())
        effect, action = "delete", functools.partial(client.delete_webhook, hook.id)
    else:
        wanted = args.target.strip().lower()
        if is_id(wanted):
            entry = await client.get_block_list_entry(wanted)
        else:
            page = await client.list_block_list(search=wanted, max_items=100)
            match = [e for e in page.items if (e.bl_value or "").lower() == wanted]
            if not match:
                raise InputError(f"{wanted!r} is not on the block list", "target")
            entry = match[0]
        what = f"{entry.bl_value} ({entry.id}) from the block list; campaigns may email it again"
        effect, action = "remove", functools.partial(client.delete_block_list_entry, entry.id)
    if not args.confirm:
        return preview(f"Would {effect} {what}.")
    await action()
    return ActionResult(executed=True, message=f"Done: {effect} {what}.")
