"""Lead reads and single-lead writes: POST /leads/list (filters, cursor in the body), get, patch, delete,
bulk delete, and the lead selection shared with POST /leads/move."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from instantly_mcp.sandbox import schemas
from instantly_mcp.sandbox.core import Sandbox
from instantly_mcp.sandbox.engagement import set_interest
from instantly_mcp.sandbox.models import lead_out, norm_email
from instantly_mcp.sandbox.validation import validate
from instantly_mcp.sandbox.web import bad, body, check_limit, not_found, ok, path_id, sandbox

P = "/api/v2/leads"

Pred = Callable[[dict[str, Any]], bool]


def _interest(value: int) -> Pred:
    return lambda lead: lead.get("lt_interest_status") == value


FILTERS: dict[str, Pred] = {
    "FILTER_VAL_CONTACTED": lambda lead: lead.get("timestamp_last_contact") is not None,
    "FILTER_VAL_NOT_CONTACTED": lambda lead: lead.get("timestamp_last_contact") is None,
    "FILTER_VAL_COMPLETED": lambda lead: lead["status"] == 3,
    "FILTER_VAL_UNSUBSCRIBED": lambda lead: lead["status"] == -2,
    "FILTER_VAL_ACTIVE": lambda lead: lead["status"] == 1,
    "FILTER_LEAD_INTERESTED": _interest(1),
    "FILTER_LEAD_NOT_INTERESTED": _interest(-1),
    "FILTER_LEAD_MEETING_BOOKED": _interest(2),
    "FILTER_LEAD_MEETING_COMPLETED": _interest(3),
    "FILTER_LEAD_CLOSED": _interest(4),
    "FILTER_LEAD_OUT_OF_OFFICE": _interest(0),
    "FILTER_LEAD_WRONG_PERSON": _interest(-2),
    "FILTER_LEAD_LOST": _interest(-3),
    "FILTER_LEAD_NO_SHOW": _interest(-4),
    "FILTER_LEAD_CUSTOM_LABEL_POSITIVE": lambda lead: False,  # no custom labels in the sandbox
    "FILTER_LEAD_CUSTOM_LABEL_NEGATIVE": lambda lead: False,
    "FILTER_VAL_BOUNCED": lambda lead: lead["status"] == -1,
    "FILTER_VAL_SKIPPED": lambda lead: lead["status"] == -3,
    "FILTER_VAL_RISKY": lambda lead: lead.get("verification_status") == -2,
    "FILTER_VAL_INVALID": lambda lead: lead.get("verification_status") == -1,
    "FILTER_VAL_VALID": lambda lead: lead.get("verification_status") == 1,
    "FILTER_VAL_IN_SUBSEQUENCE": lambda lead: lead.get("subsequence_id") is not None,
    "FILTER_VAL_OPENED_NO_REPLY": lambda lead: lead["email_open_count"] > 0 and lead["email_reply_count"] == 0,
    "FILTER_VAL_COMPLETED_NO_REPLY": lambda lead: lead["status"] == 3 and lead["email_reply_count"] == 0,
    "FILTER_VAL_NO_OPENS": lambda lead: lead["email_open_count"] == 0,
    "FILTER_VAL_REPLIED": lambda lead: lead["email_reply_count"] > 0,
    "FILTER_VAL_LINK_CLICKED": lambda lead: lead["email_click_count"] > 0,
}


def get_lead(sb: Sandbox, lead_id: str) -> dict[str, Any]:
    lead = sb.store.lead(lead_id)
    if lead is None:
        raise not_found("Lead")
    return lead


def select(sb: Sandbox, data: dict[str, Any], *, after: str | None = None) -> Iterator[dict[str, Any]]:
    """Leads matching a leads/list-style selection, in id order."""
    campaign, list_id = data.get("campaign"), data.get("list_id")
    for key, kind in (("campaign", "campaign"), ("list_id", "lead_list")):
        if data.get(key) and sb.store.get(kind, data[key]) is None:
            raise not_found("Campaign" if kind == "campaign" else "Lead list")
    flt = data.get("filter")
    if flt is not None and flt not in FILTERS:
        raise bad("body/filter must be equal to one of the allowed values")
    search = (data.get("search") or "").strip().lower()
    contacts = {e for e in (norm_email(c) for c in data.get("contacts") or []) if e}
    excluded = set(data.get("excluded_ids") or [])
    in_campaign, in_list = data.get("in_campaign"), data.get("in_list")

    def wanted(lead: dict[str, Any]) -> bool:
        if lead["id"] in excluded or (contacts and lead.get("email") not in contacts):
            return False
        if in_campaign is not None and bool(lead.get("campaign")) != in_campaign:
            return False
        if in_list is not None and bool(lead.get("list_id")) != in_list:
            return False
        if search and not any(search in (lead.get(f) or "").lower() for f in ("email", "first_name", "last_name")):
            return False
        return flt is None or FILTERS[flt](lead)

    if contacts:  # use the email index rather than scanning the scope
        ids = set(data.get("ids") or []) or None
        source: Iterator[dict[str, Any]] = iter(sorted((
            lead for lead in sb.store.leads_by_email(contacts)
            if (campaign is None or lead.get("campaign") == campaign) and (list_id is None or lead.get("list_id") == list_id)
            and (after is None or lead["id"] > after) and (ids is None or lead["id"] in ids)
        ), key=lambda lead: str(lead["id"])))
    else:
        source = sb.store.iter_leads(campaign=campaign, list_id=list_id, after=after, ids=data.get("ids"))
    return (lead for lead in source if wanted(lead))


async def list_leads(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request, required=False)
    validate(data, schemas.LIST_LEADS)
    limit = check_limit(data.get("limit"), "body")
    after = data.get("starting_after")
    items: list[dict[str, Any]] = []
    if data.get("distinct_contacts"):
        by_email: dict[str, dict[str, Any]] = {}
        for lead in select(sb, data):
            if lead.get("email"):
                by_email.setdefault(lead["email"], lead)
        items = [by_email[e] for e in sorted(by_email) if after is None or e > after][:limit]
        cursor = (lambda lead: lead["email"])
    else:
        for lead in select(sb, data, after=after):
            items.append(lead)
            if len(items) == limit:
                break
        cursor = (lambda lead: lead["id"])
    result: dict[str, Any] = {"items": [lead_out(lead) for lead in items]}
    if len(items) == limit:
        result["next_starting_after"] = cursor(items[-1])
    return ok(result)


async def get(request: Request) -> JSONResponse:
    return ok(lead_out(get_lead(sandbox(request), path_id(request))))


def note_variables(sb: Sandbox, campaign_id: str | None, variables: dict[str, Any]) -> None:
    """A lead's custom variables become allowed variables of its campaign."""
    if not campaign_id or not variables:
        return
    campaign = sb.store.get("campaign", campaign_id)
    if campaign is None:
        return
    known_vars = campaign.get("custom_variables") or {}
    if all(k in known_vars for k in variables):
        return
    known_vars.update({k: "" for k in variables if k not in known_vars})
    campaign["custom_variables"] = known_vars
    sb.store.put("campaign", campaign)


async def patch(request: Request) -> JSONResponse:
    sb = sandbox(request)
    lead = get_lead(sb, path_id(request))
    data = await body(request)
    validate(data, schemas.PATCH_LEAD)
    new_interest = data.pop("lt_interest_status", None) if "lt_interest_status" in data else "unchanged"
    for key in schemas.PATCH_LEAD["properties"]:
        if key == "custom_variables" and key in data:
            lead["_cv"] = dict(data[key])  # replaces the whole object, as the real API does
        elif key in data:
            lead[key] = data[key]
    lead["timestamp_updated"] = sb.clock.now()
    with sb.store.tx():
        sb.store.put_lead(lead)
        note_variables(sb, lead.get("campaign"), data.get("custom_variables") or {})
        if new_interest != "unchanged" and new_interest != lead.get("lt_interest_status"):
            set_interest(sb, lead, new_interest)  # type: ignore[arg-type]
    return ok(lead_out(lead))


async def delete(request: Request) -> JSONResponse:
    sb = sandbox(request)
    lead = get_lead(sb, path_id(request))
    sb.store.delete_lead(lead["id"])
    return ok(lead_out(lead))


async def bulk_delete(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    validate(data, schemas.BULK_DELETE_LEADS)
    if not data.get("campaign_id") and not data.get("list_id"):
        raise bad("body must have required property 'campaign_id' or 'list_id'")
    ids = set(data.get("ids") or [])
    limit = data.get("limit")
    victims = []
    for lead in sb.store.iter_leads(campaign=data.get("campaign_id"), list_id=data.get("list_id")):
        if (not ids or lead["id"] in ids) and (data.get("status") is None or lead["status"] == data["status"]):
            victims.append(lead["id"])
            if limit and len(victims) >= limit:
                break
    with sb.store.tx():
        for lead_id in victims:
            sb.store.delete_lead(lead_id)
    return ok({"count": len(victims)})


ROUTES = [
    Route(f"{P}/list", list_leads, methods=["POST"]),
    Route(P, bulk_delete, methods=["DELETE"]),
    Route(P + "/{id}", get, methods=["GET"]),
    Route(P + "/{id}", patch, methods=["PATCH"]),
    Route(P + "/{id}", delete, methods=["DELETE"]),
]
