"""Campaign endpoints: create (schedule + sequences), list, get, patch, delete, activate, pause, plus
search-by-contact and count-launched. Status codes are the spec's: 0 draft, 1 active, 2 paused, 3 completed."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from instantly_mcp.sandbox import schemas
from instantly_mcp.sandbox.core import Sandbox
from instantly_mcp.sandbox.models import CAMPAIGN_DEFAULTS, norm_email, normalize_sequences, public, steps_of
from instantly_mcp.sandbox.validation import known, validate
from instantly_mcp.sandbox.web import bad, body, not_found, ok, page, path_id, q_enum, q_list, q_limit, q_num, q_str, sandbox

P = "/api/v2/campaigns"


def get_campaign(sb: Sandbox, cid: str) -> dict[str, Any]:
    campaign = sb.store.get("campaign", cid)
    if campaign is None:
        raise not_found("Campaign")
    return campaign


def _check_accounts(sb: Sandbox, emails: list[str]) -> None:
    missing = [e for e in emails if sb.store.get("account", e) is None]
    if missing:
        raise bad(f"Email account(s) not found in this workspace: {', '.join(missing)}")


def _apply(sb: Sandbox, campaign: dict[str, Any], data: dict[str, Any]) -> None:
    if "email_list" in data:
        _check_accounts(sb, data["email_list"])
    if "sequences" in data:
        data["sequences"] = normalize_sequences(data["sequences"])
    if "campaign_schedule" in data:
        sched = data["campaign_schedule"]
        data["campaign_schedule"] = {"start_date": sched.get("start_date"), "end_date": sched.get("end_date"),
                                     "schedules": sched["schedules"]}
    campaign.update(data)


def campaign_out(campaign: dict[str, Any]) -> dict[str, Any]:
    out = public(campaign)
    if out.get("not_sending_status") is None:  # the spec's enum has no null: omit rather than send null
        out.pop("not_sending_status", None)
    return out


async def create(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    validate(data, schemas.CREATE_CAMPAIGN)
    now = sb.clock.stamp()
    campaign: dict[str, Any] = {
        "id": sb.ids.uuid7(), "name": data["name"], "status": 0, "timestamp_created": now, "timestamp_updated": now,
        "organization": sb.workspace_id, "core_variables": {}, "custom_variables": {}, **CAMPAIGN_DEFAULTS,
    }
    _apply(sb, campaign, known(data, schemas.CREATE_CAMPAIGN))
    sb.store.put("campaign", campaign)
    return ok(campaign_out(campaign))


def _tagged(sb: Sandbox, tag_ids: list[str], resource_type: int) -> set[str]:
    return {m["resource_id"] for m in sb.store.all("tag_mapping")
            if m["tag_id"] in tag_ids and m["resource_type"] == resource_type}


async def list_campaigns(request: Request) -> JSONResponse:
    sb = sandbox(request)
    limit = q_limit(request)
    search = (q_str(request, "search") or "").lower()
    status = q_num(request, "status", schemas.CAMPAIGN_STATUSES)
    exclude = q_num(request, "exclude_status", schemas.CAMPAIGN_STATUSES)
    tag_ids = q_list(request, "tag_ids")
    tagged = _tagged(sb, tag_ids, 2) if tag_ids else None
    items = [
        c for c in sb.store.all("campaign")
        if search in c["name"].lower() and (status is None or c["status"] == status)
        and (exclude is None or c["status"] != exclude) and (tagged is None or c["id"] in tagged)
    ]
    return ok(page(items, limit, after=q_str(request, "starting_after"), render=campaign_out))


async def get(request: Request) -> JSONResponse:
    return ok(campaign_out(get_campaign(sandbox(request), path_id(request))))


async def patch(request: Request) -> JSONResponse:
    sb = sandbox(request)
    campaign = get_campaign(sb, path_id(request))
    data = await body(request)
    validate(data, schemas.PATCH_CAMPAIGN)
    _apply(sb, campaign, known(data, schemas.PATCH_CAMPAIGN))
    campaign["timestamp_updated"] = sb.clock.now()
    sb.store.put("campaign", campaign)
    return ok(campaign_out(campaign))


async def delete(request: Request) -> JSONResponse:
    sb = sandbox(request)
    campaign = get_campaign(sb, path_id(request))
    with sb.store.tx():
        for lead in list(sb.store.iter_leads(campaign=campaign["id"])):
            sb.store.delete_lead(lead["id"])
        for mapping in sb.store.all("tag_mapping"):
            if mapping["resource_id"] == campaign["id"]:
                sb.store.delete("tag_mapping", mapping["id"])
        sb.store.delete("campaign", campaign["id"])
    return ok(campaign_out(campaign))


async def activate(request: Request) -> JSONResponse:
    sb = sandbox(request)
    campaign = get_campaign(sb, path_id(request))
    if campaign["status"] != 1:
        if not steps_of(campaign):
            raise bad("Campaign cannot be activated: it has no sequence steps")
        if not campaign.get("email_list"):
            raise bad("Campaign cannot be activated: it has no sending accounts (email_list)")
        campaign.update(status=1, timestamp_updated=sb.clock.now())
        sb.store.put("campaign", campaign)
    return ok(campaign_out(campaign))


async def pause(request: Request) -> JSONResponse:
    sb = sandbox(request)
    campaign = get_campaign(sb, path_id(request))
    if campaign["status"] != 2:
        campaign.update(status=2, timestamp_updated=sb.clock.now())
        sb.store.put("campaign", campaign)
    return ok(campaign_out(campaign))


async def search_by_contact(request: Request) -> JSONResponse:
    sb = sandbox(request)
    email = norm_email(q_str(request, "search"))
    column = q_str(request, "sort_column") or "timestamp_created"
    order = q_enum(request, "sort_order", ("asc", "desc")) or "asc"
    ids = {lead["campaign"] for lead in sb.store.leads_by_email([email] if email else []) if lead.get("campaign")}
    items = [c for c in sb.store.all("campaign") if c["id"] in ids]
    items.sort(key=lambda c: str(c.get(column, "")), reverse=order == "desc")
    return ok({"items": [campaign_out(c) for c in items]})


async def count_launched(request: Request) -> JSONResponse:
    sb = sandbox(request)
    return ok({"count": sum(1 for c in sb.store.all("campaign") if c["status"] in (1, 2, 3, 4))})


ROUTES = [
    Route(P, create, methods=["POST"]),
    Route(P, list_campaigns, methods=["GET"]),
    Route(f"{P}/search-by-contact", search_by_contact, methods=["GET"]),
    Route(f"{P}/count-launched", count_launched, methods=["GET"]),
    Route(P + "/{id}", get, methods=["GET"]),
    Route(P + "/{id}", patch, methods=["PATCH"]),
    Route(P + "/{id}", delete, methods=["DELETE"]),
    Route(P + "/{id}/activate", activate, methods=["POST"]),
    Route(P + "/{id}/pause", pause, methods=["POST"]),
]
