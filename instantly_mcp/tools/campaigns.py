"""Campaign tools: list, get, create or update, delete, activate/pause."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from instantly_mcp.client import Campaign
from instantly_mcp.client.enums import CAMPAIGN_STATUS, CAMPAIGN_STATUS_CODE, CampaignStatusName, name_of
from instantly_mcp.deps import InstantlyDeps
from instantly_mcp.tools import TOOLBOX
from instantly_mcp.tools.campaign_spec import DAY_KEYS, CampaignFields, create_body, update_body
from instantly_mcp.tools.common import (
    ActionResult, ItemsResult, ListInput, ObjectResult, client_of, obj, page_result, preview,
)
from shared.errors import InputError
from shared.safety import ConfirmInput
from shared.tooling import Call, ToolInput

CAMPAIGN_ID = "Campaign id (uuid)."


def _brief(c: Campaign) -> dict[str, Any]:
    out = c.pick("id", "name", "daily_limit", "timestamp_created")
    out["status"] = name_of(CAMPAIGN_STATUS, c.status)
    return out


def _sending_days(c: Campaign) -> list[str] | None:
    """The first schedule's days by name ("0" is Sunday: see campaign_spec.DAY_KEYS), so no one guesses."""
    schedules = (c.campaign_schedule or {}).get("schedules") or []
    days = (schedules[0] or {}).get("days") if schedules else None
    if not isinstance(days, dict):
        return None
    return [name for name, key in DAY_KEYS.items() if days.get(key) is True]


def _full(c: Campaign) -> ObjectResult:
    return obj(c, "Campaign", status=name_of(CAMPAIGN_STATUS, c.status), sending_days=_sending_days(c))


class ListCampaigns(ListInput):
    status: CampaignStatusName | None = Field(None, description="Only campaigns in this status.")
    search: str | None = Field(None, description="Match on campaign name.")
    tag_ids: list[str] | None = Field(None, description="Only campaigns with any of these tags.")


@TOOLBOX.tool(toolset="campaigns", title="List campaigns", read_only=True, destructive=False, idempotent=True,
              open_world=True)
async def instantly_list_campaigns(call: Call[InstantlyDeps], args: ListCampaigns) -> ItemsResult:
    """List campaigns (id, name, status), optionally by status or name."""
    client = await client_of(call)
    page = await client.list_campaigns(
        search=args.search, status=CAMPAIGN_STATUS_CODE[args.status] if args.status else None,
        tag_ids=args.tag_ids, max_items=args.limit, starting_after=args.starting_after,
    )
    return page_result(page, [_brief(c) for c in page.items], "campaigns")


class CampaignId(ToolInput):
    campaign_id: str = Field(description=CAMPAIGN_ID)


@TOOLBOX.tool(toolset="campaigns", title="Get campaign", read_only=True, destructive=False, idempotent=True,
              open_world=True)
async def instantly_get_campaign(call: Call[InstantlyDeps], args: CampaignId) -> ObjectResult:
    """One campaign with its schedule, sequence steps and settings."""
    return _full(await (await client_of(call)).get_campaign(args.campaign_id))


class SaveCampaign(CampaignFields):
    campaign_id: str | None = Field(None, description="Campaign to change; omit to create one.")
    name: str | None = Field(None, min_length=1, description="Campaign name (required to create).")


@TOOLBOX.tool(toolset="campaigns", title="Create or update campaign", read_only=False, destructive=False,
              idempotent=False, open_world=True)
async def instantly_save_campaign(call: Call[InstantlyDeps], args: SaveCampaign) -> ObjectResult:
    """Create a draft campaign (nothing sent until activated) from subject/body or steps with A/B variants,
    or update one by campaign_id: only given fields change; steps replace the sequence."""
    client = await client_of(call)
    if args.campaign_id is None:
        if not args.name:
            raise InputError("a new campaign needs a name", "name")
        return _full(await client.create_campaign(create_body(args.name, args)))
    current = (await client.get_campaign(args.campaign_id)).campaign_schedule if args.schedule_given() else None
    body = update_body(args, args.name, current)
    if not body:
        raise InputError("nothing to change: give at least one field to update", "campaign_id")
    return _full(await client.update_campaign(args.campaign_id, body))


class DeleteCampaign(ConfirmInput):
    campaign_id: str = Field(description=CAMPAIGN_ID)


@TOOLBOX.tool(toolset="campaigns", title="Delete campaign", read_only=False, destructive=True, idempotent=True,
              open_world=True)
async def instantly_delete_campaign(call: Call[InstantlyDeps], args: DeleteCampaign) -> ActionResult:
    """Delete a campaign for good. Needs confirm=true; otherwise a preview."""
    client = await client_of(call)
    campaign = await client.get_campaign(args.campaign_id)
    label = f"campaign '{campaign.name}' ({campaign.id}, {name_of(CAMPAIGN_STATUS, campaign.status)})"
    if not args.confirm:
        return preview(f"Would permanently delete {label}.")
    await client.delete_campaign(args.campaign_id)
    return ActionResult(executed=True, message=f"Deleted {label}.")


class CampaignState(ConfirmInput):
    campaign_id: str = Field(description=CAMPAIGN_ID)
    action: Literal["activate", "pause"] = Field(description="activate starts or resumes sending; pause stops it.")


@TOOLBOX.tool(toolset="campaigns", title="Activate or pause campaign", read_only=False, destructive=False,
              idempotent=True, open_world=True)
async def instantly_set_campaign_status(call: Call[InstantlyDeps], args: CampaignState) -> ActionResult:
    """Activate (start sending) or pause a campaign. Needs confirm=true; otherwise a preview."""
    client = await client_of(call)
    campaign = await client.get_campaign(args.campaign_id)
    status = name_of(CAMPAIGN_STATUS, campaign.status)
    label = f"campaign '{campaign.name}' ({campaign.id})"
    if not args.confirm:
        verb = "start sending emails for" if args.action == "activate" else "stop sending for"
        return preview(f"Would {args.action} {label}, now {status}: this will {verb} its leads.")
    fn = client.activate_campaign if args.action == "activate" else client.pause_campaign
    after = await fn(args.campaign_id)
    new = name_of(CAMPAIGN_STATUS, after.status)
    return ActionResult(executed=True, message=f"{label}: {status} -> {new}.",
                        object={"id": after.id, "status": new})
