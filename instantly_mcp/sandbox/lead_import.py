"""Lead writes that add or move many leads: POST /leads/add (≤1,000, exactly one of campaign_id/list_id,
skip_if_* flags, the spec's result summary), POST /leads (one lead), POST /leads/move (a background job)
and POST /leads/update-interest-status (202, applied later: see interest.py).

The same email is never stored twice in the same campaign or list: a re-add counts as `duplicated_leads`
(bulk) or returns the existing lead (single create), so client retries are safe."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from instantly_mcp.sandbox import schemas
from instantly_mcp.sandbox.core import Sandbox
from instantly_mcp.sandbox.jobs import new_job
from instantly_mcp.sandbox.leads import note_variables, select
from instantly_mcp.sandbox.misc import blocked
from instantly_mcp.sandbox.models import lead_out, new_lead, norm_email, valid_email
from instantly_mcp.sandbox.validation import known, validate
from instantly_mcp.sandbox.web import bad, body, not_found, ok, sandbox

P = "/api/v2/leads"
PLAN_LEAD_LIMIT = 100_000


def _target(sb: Sandbox, campaign_id: str | None, list_id: str | None) -> None:
    if campaign_id and list_id:
        raise bad("Provide either campaign_id or list_id, not both")
    if not campaign_id and not list_id:
        raise bad("body must have required property 'campaign_id' or 'list_id'")
    if campaign_id and sb.store.get("campaign", campaign_id) is None:
        raise not_found("Campaign")
    if list_id and sb.store.get("lead_list", list_id) is None:
        raise not_found("Lead list")


def _skip(existing: list[dict[str, Any]], flags: dict[str, Any]) -> bool:
    if flags.get("skip_if_in_workspace"):
        return bool(existing)
    if flags.get("skip_if_in_campaign") and any(lead.get("campaign") for lead in existing):
        return True
    return bool(flags.get("skip_if_in_list") and any(lead.get("list_id") for lead in existing))


def _same_target(existing: list[dict[str, Any]], campaign_id: str | None, list_id: str | None) -> list[dict[str, Any]]:
    if campaign_id:
        return [lead for lead in existing if lead.get("campaign") == campaign_id]
    return [lead for lead in existing if lead.get("list_id") == list_id and not lead.get("campaign")]


async def bulk_add(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    validate(data, schemas.BULK_ADD)
    campaign_id, list_id = data.get("campaign_id"), data.get("list_id")
    _target(sb, campaign_id, list_id)
    leads_in: list[dict[str, Any]] = data["leads"]
    by_email: dict[str, list[dict[str, Any]]] = {}
    for lead in sb.store.leads_by_email(norm_email(i.get("email")) or "" for i in leads_in):
        by_email.setdefault(lead["email"], []).append(lead)
    counts = dict.fromkeys(("leads_uploaded", "in_blocklist", "duplicated_leads", "skipped_count",
                            "invalid_email_count", "incomplete_count", "duplicate_email_count"), 0)
    created: list[dict[str, Any]] = []
    seen: set[str] = set()
    variables: dict[str, Any] = {}
    now = sb.clock.now()
    with sb.store.tx():
        for index, item in enumerate(leads_in):
            email = norm_email(item.get("email"))
            named = email or item.get("first_name") or item.get("last_name")
            if (campaign_id and not email) or (list_id and not named):
                counts["incomplete_count"] += 1
                continue
            if email and not valid_email(email):
                counts["invalid_email_count"] += 1
                continue
            if email and email in seen:
                counts["duplicate_email_count"] += 1
                continue
            if email:
                seen.add(email)
                if blocked(sb, email):
                    counts["in_blocklist"] += 1
                    continue
                existing = by_email.get(email, [])
                if _skip(existing, data):
                    counts["skipped_count"] += 1
                    continue
                if _same_target(existing, campaign_id, list_id):
                    counts["duplicated_leads"] += 1
                    continue
            lead = new_lead(sb, item, campaign=campaign_id, list_id=None if campaign_id else list_id, now=now,
                            verify=bool(data.get("verify_leads_on_import")), assigned_to=data.get("assigned_to"))
            sb.store.put_lead(lead)
            variables.update(lead["_cv"])
            counts["leads_uploaded"] += 1
            created.append({"index": index, "id": lead["id"], "email": lead["email"],
                            "first_name": lead["first_name"], "last_name": lead["last_name"], "phone": lead["phone"]})
        note_variables(sb, campaign_id, variables)
    remaining = max(0, PLAN_LEAD_LIMIT - sb.store.count_leads()) if campaign_id else None
    return ok({
        "status": "success", "total_sent": len(leads_in), **counts,
        "blocklist_used": data.get("blocklist_id") or sb.store.meta("blocklist_id"),
        "remaining_in_plan": remaining, "created_leads": created,
    })


async def create(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    validate(data, schemas.CREATE_LEAD)
    campaign_id, list_id = data.get("campaign"), data.get("list_id")
    if campaign_id and sb.store.get("campaign", campaign_id) is None:
        raise not_found("Campaign")
    if list_id and sb.store.get("lead_list", list_id) is None:
        raise not_found("Lead list")
    email = norm_email(data.get("email"))
    if email and not valid_email(email):
        raise bad("body/email must be a valid email address")
    if not (email or data.get("first_name") or data.get("last_name")):
        raise bad("body must have at least one of the properties 'email', 'first_name', 'last_name'")
    if email:
        existing = sb.store.leads_by_email([email])
        same = _same_target(existing, campaign_id, None if campaign_id else list_id) if (campaign_id or list_id) else [
            lead for lead in existing if not lead.get("campaign") and not lead.get("list_id")]
        if same:
            return ok(lead_out(same[0]))
        if _skip(existing, data):
            return ok(lead_out(existing[0]))
        if blocked(sb, email):
            raise bad("Lead email is in the workspace block list")
    lead = new_lead(sb, known(data, schemas.CREATE_LEAD), campaign=campaign_id,
                    list_id=None if campaign_id else list_id, now=sb.clock.now(),
                    verify=bool(data.get("verify_leads_on_import")))
    with sb.store.tx():
        sb.store.put_lead(lead)
        note_variables(sb, campaign_id, lead["_cv"])
    return ok(lead_out(lead))


async def move(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    validate(data, schemas.MOVE_LEADS)
    to_campaign, to_list = data.get("to_campaign_id"), data.get("to_list_id")
    if bool(to_campaign) == bool(to_list):
        raise bad("Provide exactly one of to_campaign_id or to_list_id")
    if to_campaign and sb.store.get("campaign", to_campaign) is None:
        raise not_found("Campaign")
    if to_list and sb.store.get("lead_list", to_list) is None:
        raise not_found("Lead list")
    if data.get("ids") and not (data.get("campaign") or data.get("list_id")):
        raise bad("When using ids, provide campaign or list_id to scope the selection")
    limit = int(data["limit"]) if data.get("limit") else None
    chosen = []
    for lead in select(sb, data):
        chosen.append(lead)
        if limit and len(chosen) >= limit:
            break
    moved, skipped = [], 0
    now = sb.clock.now()
    with sb.store.tx():
        for lead in chosen:
            at_destination = _same_target(sb.store.leads_by_email([lead["email"]]) if lead.get("email") else [],
                                          to_campaign, to_list)
            if at_destination:
                skipped += 1  # never two copies of one email in one campaign/list
                continue
            target = dict(lead) if data.get("copy_leads") else lead
            if data.get("copy_leads"):
                target.update(id=sb.ids.uuid7(), timestamp_created=now, _firsts=[])
            target.update(campaign=to_campaign, list_id=None if to_campaign else to_list, timestamp_updated=now,
                          status=1, _next_step=0, _thread=None, _last_email=None)
            if data.get("reset_interest_status"):
                target.pop("lt_interest_status", None)
            if data.get("assigned_to"):
                target["assigned_to"] = data["assigned_to"]
            sb.store.put_lead(target)
            moved.append(target)
        job = new_job(sb, "move-leads", entity_type="campaign" if to_campaign else "list",
                      entity_id=to_campaign or to_list,
                      data={"moved_leads": len(moved), "moved_lead_emails": [m["email"] for m in moved if m.get("email")][:10_000],
                            "success_count": len(moved), "failed_count": 0, "skipped_count": skipped,
                            "copy_leads": bool(data.get("copy_leads"))})
    return ok(job)


async def update_interest(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    validate(data, schemas.INTEREST_UPDATE)
    value = data["interest_value"]
    if value is not None and value not in schemas.INTEREST_VALUES:
        raise bad("body/interest_value must be one of the lead interest status values or null")
    email = norm_email(data["lead_email"])
    leads = [lead for lead in sb.store.leads_by_email([email] if email else [])
             if data.get("campaign_id") in (None, lead.get("campaign"))
             and data.get("list_id") in (None, lead.get("list_id"))]
    if not leads:
        raise not_found("Lead")
    sb.interest.submit(email or "", int(value) if value is not None else None, data.get("campaign_id"),
                       data.get("list_id"))
    return ok({"message": "Lead interest status update background job submitted"}, status=202)


ROUTES = [
    Route(f"{P}/add", bulk_add, methods=["POST"]),
    Route(f"{P}/move", move, methods=["POST"]),
    Route(f"{P}/update-interest-status", update_interest, methods=["POST"]),
    Route(P, create, methods=["POST"]),
]
