"""Webhook endpoints: CRUD, event types, test, resume, and the delivery log (`/webhook-events`).
Deliveries themselves are made by `delivery.Dispatcher`. Webhooks are a Hypergrowth feature: on the
`growth` plan these endpoints answer 402 (see faults.py)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from instantly_mcp.sandbox import schemas
from instantly_mcp.sandbox.core import Sandbox
from instantly_mcp.sandbox.delivery import public
from instantly_mcp.sandbox.validation import known, validate
from instantly_mcp.sandbox.web import bad, body, not_found, ok, page, path_id, q_bool, q_enum, q_limit, q_str, sandbox

P = "/api/v2/webhooks"
EVENT_TYPES = [
    ("all_events", "All Events"), ("email_sent", "Email Sent"), ("email_opened", "Email Opened"),
    ("email_link_clicked", "Link Clicked"), ("reply_received", "Reply Received"), ("email_bounced", "Email Bounced"),
    ("lead_unsubscribed", "Lead Unsubscribed"), ("campaign_completed", "Campaign Completed"),
    ("account_error", "Account Error"), ("lead_neutral", "Lead Neutral"), ("lead_interested", "Lead Interested"),
    ("lead_not_interested", "Lead Not Interested"), ("lead_meeting_booked", "Meeting Booked"),
    ("lead_meeting_completed", "Meeting Completed"), ("lead_closed", "Lead Closed"),
    ("lead_out_of_office", "Out of Office"), ("lead_wrong_person", "Wrong Person"), ("lead_no_show", "No Show"),
    ("supersearch_enrichment_completed", "SuperSearch Enrichment Completed"),
]


def get_webhook(sb: Sandbox, webhook_id: str) -> dict[str, Any]:
    hook = sb.store.get("webhook", webhook_id)
    if hook is None:
        raise not_found("Webhook")
    return hook


def _check(sb: Sandbox, data: dict[str, Any]) -> None:
    if data.get("campaign") and sb.store.get("campaign", data["campaign"]) is None:
        raise not_found("Campaign")
    if data.get("event_type") is None and "event_type" in data and data.get("custom_interest_value") is None:
        raise bad("body/custom_interest_value is required when event_type is null (custom label webhook)")


async def create(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    validate(data, schemas.CREATE_WEBHOOK)
    data.setdefault("event_type", "all_events")
    _check(sb, data)
    hook = {"id": sb.ids.uuid7(), "organization": sb.workspace_id, "campaign": None, "name": None,
            "event_type": "all_events", "custom_interest_value": None, "headers": None,
            "timestamp_created": sb.clock.now(), "status": 1, "timestamp_error": None,
            **known(data, schemas.CREATE_WEBHOOK)}
    sb.store.put("webhook", hook)
    return ok(public(hook))


async def list_webhooks(request: Request) -> JSONResponse:
    sb = sandbox(request)
    limit = q_limit(request)
    campaign = q_str(request, "campaign")
    event_type = q_enum(request, "event_type", schemas.SUBSCRIBABLE_EVENTS[:17])
    items = [h for h in sb.store.all("webhook") if (campaign is None or h.get("campaign") == campaign)
             and (event_type is None or h.get("event_type") == event_type)]
    return ok(page(items, limit, after=q_str(request, "starting_after"), render=public))


async def get(request: Request) -> JSONResponse:
    return ok(public(get_webhook(sandbox(request), path_id(request))))


async def patch(request: Request) -> JSONResponse:
    sb = sandbox(request)
    hook = get_webhook(sb, path_id(request))
    data = await body(request)
    validate(data, schemas.PATCH_WEBHOOK)
    _check(sb, {**hook, **data})
    hook.update(known(data, schemas.PATCH_WEBHOOK))
    sb.store.put("webhook", hook)
    return ok(public(hook))


async def delete(request: Request) -> JSONResponse:
    sb = sandbox(request)
    hook = get_webhook(sb, path_id(request))
    sb.store.delete("webhook", hook["id"])
    return ok(public(hook))


async def event_types(request: Request) -> JSONResponse:
    return ok({"event_types": [{"id": i, "label": label, "type": "standard"} for i, label in EVENT_TYPES]})


async def test(request: Request) -> JSONResponse:
    sb = sandbox(request)
    hook = get_webhook(sb, path_id(request))
    return ok(await sb.webhooks.send_test(hook))


async def resume(request: Request) -> JSONResponse:
    sb = sandbox(request)
    hook = get_webhook(sb, path_id(request))
    hook.update(status=1, timestamp_error=None, _failures=0)
    sb.store.put("webhook", hook)
    return ok(public(hook))


def _events(request: Request) -> list[dict[str, Any]]:
    sb = sandbox(request)
    success = q_bool(request, "success")
    start, end = q_str(request, "from"), q_str(request, "to")
    search = (q_str(request, "search") or "").lower()
    return [
        d for d in sb.store.deliveries()
        if (success is None or d["success"] == success)
        and (start is None or d["timestamp_created_date"] >= start) and (end is None or d["timestamp_created_date"] <= end)
        and (not search or search in (d.get("lead_email") or "").lower() or search in d["webhook_url"].lower())
    ]


async def list_events(request: Request) -> JSONResponse:
    return ok(page(_events(request), q_limit(request), after=q_str(request, "starting_after"), render=public))


async def get_event(request: Request) -> JSONResponse:
    event_id = path_id(request)
    for d in sandbox(request).store.deliveries():
        if d["id"] == event_id:
            return ok(public(d))
    raise not_found("Webhook event")


async def events_summary(request: Request) -> JSONResponse:
    events = [d for d in _events(request) if d["_state"] != "pending"]
    total = len(events)
    good = sum(1 for d in events if d["success"])
    return ok({"total_events": total, "successful_events": good, "failed_events": total - good,
               "success_rate": round(100 * good / total, 2) if total else 0,
               "failure_rate": round(100 * (total - good) / total, 2) if total else 0})


ROUTES = [
    Route(P, create, methods=["POST"]),
    Route(P, list_webhooks, methods=["GET"]),
    Route(f"{P}/event-types", event_types, methods=["GET"]),
    Route(P + "/{id}", get, methods=["GET"]),
    Route(P + "/{id}", patch, methods=["PATCH"]),
    Route(P + "/{id}", delete, methods=["DELETE"]),
    Route(P + "/{id}/test", test, methods=["POST"]),
    Route(P + "/{id}/resume", resume, methods=["POST"]),
    Route("/api/v2/webhook-events", list_events, methods=["GET"]),
    Route("/api/v2/webhook-events/summary", events_summary, methods=["GET"]),
    Route("/api/v2/webhook-events/{id}", get_event, methods=["GET"]),
]
