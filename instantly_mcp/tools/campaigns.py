"""Campaign tools: list or get, create or update, activate/pause (deleting: instantly_delete)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from instantly_mcp.client import Campaign, Page
from instantly_mcp.client.enums import CAMPAIGN_STATUS, CAMPAIGN_STATUS_CODE, CampaignStatusName, name_of
from instantly_mcp.deps import InstantlyDeps
from instantly_mcp.tools.box import TOOLBOX
from instantly_mcp.tools.campaign_spec import DAY_KEYS, CampaignFields, create_body, update_body
from instantly_mcp.tools.common import (
    CAMPAIGN_REF, ActionResult, ItemsResult, ListInput, ObjectResult, client_of, obj, page_result, preview,
)
from instantly_mcp.tools.resolve import Names, label
from shared.errors import InputError
from shared.safety import ConfirmInput
from shared.tooling import Call


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
    campaign_id: str | None = Field(None, description="Name or id: this campaign in full (schedule, steps, "
                                                      "settings).")
    status: CampaignStatusName | None = Field(None, description="Only this status.")
    search: str | None = Field(None, description="Match on name.")
    tag_ids: list[str] | None = Field(None, description="Only campaigns with any of these tags.")


@TOOLBOX.tool(toolset="campaigns", title="List or get campaigns", read_only=True, destructive=False,
              idempotent=True, open_world=True)
async def instantly_list_campaigns(call: Call[InstantlyDeps], args: ListCampaigns) -> ItemsResult:
    """List campaigns (id, name, status), or one in full with campaign_id."""
    client = await client_of(call)
    if args.campaign_id:
        c = await Names(client).campaign(args.campaign_id)
        full = {**c.as_dict(), "status": name_of(CAMPAIGN_STATUS, c.status), "sending_days": _sending_days(c)}
        out = page_result(Page(items=[c]), [{k: v for k, v in full.items() if v is not None}], "campaign")
        out._headline = f"Campaign {label(c.name, c.id)}, {full['status']}."
        return out
    page = await client.list_campaigns(
        search=args.search, status=CAMPAIGN_STATUS_CODE[args.status] if args.status else None,
        tag_ids=args.tag_ids, max_items=args.limit, starting_after=args.starting_after,
    )
    return page_result(page, [_brief(c) for c in page.items], "campaign")


class SaveCampaign(CampaignFields):
    campaign_id: str | None = Field(None, description="Campaign to change (name or id); omit to create one.")
    name: str | None = Field(None, min_length=1, description="Campaign name (required to create).")


@TOOLBOX.tool(toolset="campaigns", title="Create or update campaign", read_only=False, destructive=False,
              idempotent=False, open_world=True)
async def instantly_save_campaign(call: Call[InstantlyDeps], args: SaveCampaign) -> ObjectResult:
    """Create a draft campaign (sends nothing until activated), or update one: only given fields change, steps
    replace the sequence. Use {{payment_link}} in a step for payment links to reach leads."""
    client = await client_of(call)
    if args.campaign_id is None:
        if not args.name:
            raise InputError("a new campaign needs a name", "name")
        return _full(await client.create_campaign(create_body(args.name, args)))
    current = await Names(client).campaign(args.campaign_id)
    body = update_body(args, args.name, current.campaign_schedule if args.schedule_given() else None)
    if not body:
        raise InputError("nothing to change: give at least one field to update", "campaign_id")
    return _full(await client.update_campaign(current.id, body))


class CampaignState(ConfirmInput):
    campaign_id: str = Field(description=CAMPAIGN_REF)
    action: Literal["activate", "pause"] = Field(description="activate starts or resumes sending; pause stops it.")


@TOOLBOX.tool(toolset="campaigns", title="Activate or pause campaign", read_only=False, destructive=False,
              idempotent=True, open_world=True)
async def instantly_set_campaign_status(call: Call[InstantlyDeps], args: CampaignState) -> ActionResult:
    """Activate (start sending) or pause a campaign. Sending needs a sending account and leads."""
    client = await client_of(call)
    campaign = await Names(client).campaign(args.campaign_id)
    status = name_of(CAMPAIGN_STATUS, campaign.status)
    name = f"campaign {label(campaign.name, campaign.id)}"
    if not args.confirm:
        verb = "start sending emails for" if args.action == "activate" else "stop sending for"
        warning = (" Warning: it has no sending account yet (instantly_save_campaign sender_accounts), so nothing "
                   "will be sent." if args.action == "activate" and not campaign.email_list else "")
        return preview(f"Would {args.action} {name}, now {status}: this will {verb} its leads.{warning}")
    fn = client.activate_campaign if args.action == "activate" else client.pause_campaign
    after = await fn(campaign.id)
    new = name_of(CAMPAIGN_STATUS, after.status)
    return ActionResult(executed=True, message=f"{name}: {status} -> {new}.",
                        object={"id": after.id, "name": campaign.name, "status": new})
