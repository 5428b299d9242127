"""Emails / Unibox: list (GET /emails, newest first by default), get, patch, delete, unread count,
mark a thread as read, and reply (POST /emails/reply creates the sent email in the thread)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from instantly_mcp.sandbox import schemas
from instantly_mcp.sandbox.core import Sandbox
from instantly_mcp.sandbox.ids import parse_ts
from instantly_mcp.sandbox.models import new_email, norm_email, public
from instantly_mcp.sandbox.validation import validate
from instantly_mcp.sandbox.web import bad, body, not_found, ok, page, path_id, q_bool, q_enum, q_list, q_limit, q_num, q_str, sandbox

P = "/api/v2/emails"
EMAIL_TYPES = {"received": (2,), "sent": (1, 3), "manual": (3,)}


def get_email(sb: Sandbox, email_id: str) -> dict[str, Any]:
    email = sb.store.get("email", email_id)
    if email is None:
        raise not_found("Email")
    return email


def _ts_param(request: Request, name: str) -> str | None:
    value = q_str(request, name)
    if value is None:
        return None
    try:
        return parse_ts(value).isoformat()
    except ValueError:
        raise bad(f'querystring/{name} must match format "date-time"') from None


async def list_emails(request: Request) -> JSONResponse:
    sb = sandbox(request)
    limit = q_limit(request)
    search = (q_str(request, "search") or "").strip()
    thread = search[len("thread:"):] if search.startswith("thread:") else None
    lead_search = norm_email(search) if search and thread is None else None
    campaign_id, list_id = q_str(request, "campaign_id"), q_str(request, "list_id")
    lead = norm_email(q_str(request, "lead"))
    eaccounts = {e.lower() for e in q_list(request, "eaccount")}
    unread = q_bool(request, "is_unread")
    i_status = q_num(request, "i_status")
    email_type = q_enum(request, "email_type", list(EMAIL_TYPES))
    mode = q_enum(request, "mode", ("emode_focused", "emode_others", "emode_all"))
    desc = (q_enum(request, "sort_order", ("asc", "desc")) or "desc") == "desc"
    min_ts, max_ts = _ts_param(request, "min_timestamp_created"), _ts_param(request, "max_timestamp_created")
    company = (q_str(request, "company_domain") or "").lower()

    def wanted(e: dict[str, Any]) -> bool:
        created = parse_ts(e["timestamp_created"]).isoformat()
        return (
            (thread is None or e["thread_id"] == thread)
            and (lead_search is None or lead_search in (e.get("lead") or ""))
            and (campaign_id is None or e.get("campaign_id") == campaign_id)
            and (list_id is None or e.get("list_id") == list_id)
            and (lead is None or e.get("lead") == lead)
            and (not eaccounts or e["eaccount"].lower() in eaccounts)
            and (unread is None or bool(e.get("is_unread")) == unread)
            and (i_status is None or e.get("i_status") == i_status)
            and (email_type is None or e.get("ue_type") in EMAIL_TYPES[email_type])
            and (mode != "emode_others" or not e.get("is_focused"))
            and (mode != "emode_focused" or e.get("is_focused"))
            and (min_ts is None or created >= min_ts) and (max_ts is None or created <= max_ts)
            and (not company or (e.get("lead") or "").endswith("@" + company))
        )

    items = [e for e in sb.store.all("email") if wanted(e)]
    if q_bool(request, "latest_of_thread"):
        latest: dict[str, dict[str, Any]] = {}
        for e in items:
            latest[e["thread_id"]] = e  # ids are time ordered: the last one wins
        items = sorted(latest.values(), key=lambda e: e["id"])
    if desc:
        items.reverse()
    return ok(page(items, limit, after=q_str(request, "starting_after"), render=public, descending=desc))


async def get(request: Request) -> JSONResponse:
    return ok(public(get_email(sandbox(request), path_id(request))))


async def patch(request: Request) -> JSONResponse:
    sb = sandbox(request)
    email = get_email(sb, path_id(request))
    data = await body(request)
    validate(data, schemas.PATCH_EMAIL)
    email.update({k: data[k] for k in ("is_unread", "reminder_ts") if k in data})
    sb.store.put("email", email)
    return ok(public(email))


async def delete(request: Request) -> JSONResponse:
    sb = sandbox(request)
    email = get_email(sb, path_id(request))
    sb.store.delete("email", email["id"])
    return ok(public(email))


async def unread_count(request: Request) -> JSONResponse:
    sb = sandbox(request)
    return ok({"count": sum(1 for e in sb.store.all("email") if e.get("is_unread") and e.get("ue_type") == 2)})


async def mark_thread_read(request: Request) -> JSONResponse:
    sb = sandbox(request)
    thread = str(request.path_params["thread_id"])
    with sb.store.tx():
        for e in sb.store.all("email"):
            if e["thread_id"] == thread and e.get("is_unread"):
                e["is_unread"] = 0
                sb.store.put("email", e)
    return ok({"success": True})


async def reply(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    validate(data, schemas.EMAIL_REPLY)
    original = get_email(sb, data["reply_to_uuid"])
    sender = data["eaccount"].strip().lower()
    account = sb.store.get("account", sender)
    if account is None:
        raise not_found("Account")
    if account.get("status") != 1:
        raise bad(f"Account {sender} is not active and cannot send")
    html_body, text_body = data["body"].get("html"), data["body"].get("text")
    if not html_body and not text_body:
        raise bad("body/body must have property 'html' or 'text'")
    lead = sb.store.lead(original["lead_id"]) if original.get("lead_id") else None
    to_address = original["from_address_email"] if original.get("ue_type") == 2 else original["to_address_email_list"]
    recipients = ",".join([to_address, *data.get("additional_recipients", [])])
    sent = new_email(
        sb, subject=data["subject"], html_body=html_body or f"<div>{text_body}</div>", text_body=text_body,
        sender=sender, to=recipients, ue_type=3, lead=lead, campaign_id=original.get("campaign_id"),
        thread_id=original["thread_id"], cc=data.get("cc_address_email_list"), bcc=data.get("bcc_address_email_list"),
    )
    sent["reminder_ts"] = data.get("reminder_ts")
    with sb.store.tx():
        sb.store.put("email", sent)
        if original.get("is_unread"):
            original["is_unread"] = 0
            sb.store.put("email", original)
        if lead is not None:
            lead.update(timestamp_last_contact=sent["timestamp_created"], timestamp_last_touch=sent["timestamp_created"])
            sb.store.put_lead(lead)
    return ok(public(sent))


ROUTES = [
    Route(P, list_emails, methods=["GET"]),
    Route(f"{P}/reply", reply, methods=["POST"]),
    Route(f"{P}/unread/count", unread_count, methods=["GET"]),
    Route(P + "/threads/{thread_id}/mark-as-read", mark_thread_read, methods=["POST"]),
    Route(P + "/{id}", get, methods=["GET"]),
    Route(P + "/{id}", patch, methods=["PATCH"]),
    Route(P + "/{id}", delete, methods=["DELETE"]),
]
