"""Test controls under `/_sandbox/` (not part of Instantly's API; no auth, never faulted or delayed):

GET  /_sandbox/health                -> {"ok": true, "service", "sandbox", "pid"}  (the signature auto-start checks;
                                        POST too: a 200 sink for webhook smoke tests)
GET  /_sandbox/config                -> current knobs (+ plan)
POST /_sandbox/config   {latency_ms?, fault_rate?, fault_kinds?, retry_after?, hang_seconds?, rate_limits?
                         (default true), job_delay_ms?, interest_delay_ms?, webhook_retry_delays?,
                         webhook_timeout?, webhook_disable_after?, emails_limit?, emails_window?
                         (GET /api/v2/emails limit, default 20 per 60 s), plan?}
POST /_sandbox/faults   {fail_next?: ["429"|"500"|"timeout"|"reset", ...], after_commit_next?: N,
                         match?: "/api/v2/leads/add" (path prefix), method?: "POST", clear?: bool,
                         + any /config key}
POST /_sandbox/engagement {event, lead_id? | email? (+ campaign_id?), text?, subject?, link?, auto_reply?}
POST /_sandbox/lead-payload {lead_id? | email? (+ campaign_id?), payload: {...}}  (payload data that is not a
                         custom variable, e.g. enrichment; Lead.payload allows object values)
POST /_sandbox/tick     {campaign_id?, rounds?: 1}
POST /_sandbox/accounts {email, first_name?, last_name?, provider_code?, warmup_status?}
POST /_sandbox/account-status {email, status: 1|2|3|-1|-2|-3, message?}  (negative -> account_error webhook)
POST /_sandbox/webhooks/drain {timeout?: 5}   -> {"idle": bool, "deliveries": {...}} (waits for queued
                                                 interest changes too)
GET  /_sandbox/webhook-deliveries            -> {"items": [WebhookEvent + request_headers + event_type]}
GET  /_sandbox/stats                         -> request counts, leads per campaign, deliveries ...
POST /_sandbox/reset                         -> wipe the database and knobs, reseed
POST /_sandbox/simulate/engage|time          -> many leads engage; time passes (see simulate.py)
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from instantly_mcp.sandbox.engagement import record, tick
from instantly_mcp.sandbox import simulate
from shared.sandbox_mode import signature
from instantly_mcp.sandbox.models import lead_out, norm_email, public
from instantly_mcp.sandbox.web import bad, body, not_found, ok, sandbox

P = "/_sandbox"
CONFIG_KEYS = {"latency_ms", "fault_rate", "fault_kinds", "retry_after", "hang_seconds", "rate_limits",
               "job_delay_ms", "interest_delay_ms", "webhook_retry_delays", "webhook_timeout", "webhook_disable_after",
               "emails_limit", "emails_window"}


def _apply_config(request: Request, data: dict[str, Any]) -> None:
    sb = sandbox(request)
    values = {k: v for k, v in data.items() if k in CONFIG_KEYS}
    try:
        if values:
            sb.config.update(values)
        if "plan" in data:
            sb.set_plan(str(data["plan"]))
    except (ValueError, TypeError) as exc:
        raise bad(str(exc)) from None


def _config_view(request: Request) -> dict[str, Any]:
    sb = sandbox(request)
    return {**sb.config.as_dict(), "plan": sb.plan}


async def health(request: Request) -> JSONResponse:
    return ok({"ok": True, **signature("instantly")})


async def get_config(request: Request) -> JSONResponse:
    return ok(_config_view(request))


async def set_config(request: Request) -> JSONResponse:
    data = await body(request)
    unknown = set(data) - CONFIG_KEYS - {"plan"}
    if unknown:
        raise bad(f"unknown settings {sorted(unknown)}")
    _apply_config(request, data)
    return ok(_config_view(request))


async def faults(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    _apply_config(request, data)
    if data.get("clear"):
        sb.faults.queue.clear()
        sb.faults.after_commit = 0
        sb.faults.after_commit_match = None
    match, method = data.get("match"), data.get("method")
    for kind in data.get("fail_next") or []:
        if kind not in ("429", "500", "timeout", "reset"):
            raise bad(f"unknown fault kind {kind!r}")
        sb.faults.queue.append({"kind": kind, "match": match, "method": method.upper() if method else None})
    if "after_commit_next" in data:
        sb.faults.after_commit = int(data["after_commit_next"])
        sb.faults.after_commit_match = match
    return ok({"queued": [dict(e) for e in sb.faults.queue], "after_commit_next": sb.faults.after_commit,
               "match": sb.faults.after_commit_match, **_config_view(request)})


def _find_lead(request: Request, data: dict[str, Any]) -> dict[str, Any]:
    sb = sandbox(request)
    if data.get("lead_id"):
        lead = sb.store.lead(str(data["lead_id"]))
        if lead is None:
            raise not_found("Lead")
        return lead
    email = norm_email(data.get("email"))
    if not email:
        raise bad("give lead_id or email")
    leads = [x for x in sb.store.leads_by_email([email]) if data.get("campaign_id") in (None, x.get("campaign"))]
    if not leads:
        raise not_found("Lead")
    in_campaign = [x for x in leads if x.get("campaign")]
    return (in_campaign or leads)[-1]


async def engagement(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    if not data.get("event"):
        raise bad("body must have required property 'event'")
    lead = _find_lead(request, data)
    result = record(sb, lead, str(data["event"]), data)
    result["lead"] = lead_out(sb.store.lead(lead["id"]) or lead)
    return ok(result)


async def lead_payload(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    extra = data.get("payload")
    if not isinstance(extra, dict) or not extra:
        raise bad("body must have an object property 'payload'")
    lead = _find_lead(request, data)
    lead["_px"] = {**(lead.get("_px") or {}), **extra}
    sb.store.put_lead(lead)
    return ok(lead_out(lead))


async def run_tick(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request, required=False)
    total: dict[str, Any] = {"sent": 0, "email_ids": [], "completed_campaigns": []}
    for _ in range(max(1, int(data.get("rounds") or 1))):
        result = tick(sb, data.get("campaign_id"))
        total["sent"] += result["sent"]
        total["email_ids"] += result["email_ids"]
        total["completed_campaigns"] += result["completed_campaigns"]
    return ok(total)


async def add_account(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    email = norm_email(data.get("email"))
    if not email:
        raise bad("body must have required property 'email'")
    account = sb.new_account(email, str(data.get("first_name") or "Sandbox"), str(data.get("last_name") or "Sender"),
                             int(data.get("provider_code") or 1), int(data.get("warmup_status") or 0))
    sb.store.put("account", account, key="email")
    return ok(account)


async def account_status(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    account = sb.store.get("account", norm_email(data.get("email")) or "")
    if account is None:
        raise not_found("Account")
    status = data.get("status")
    if status not in (1, 2, 3, -1, -2, -3):
        raise bad("status must be one of 1, 2, 3, -1, -2, -3")
    now = sb.clock.now()
    message = str(data.get("message") or "Simulated sending error")
    account.update(status=status, timestamp_updated=now,
                   status_message={"e_message": message} if status < 0 else {})
    with sb.store.tx():
        sb.store.put("account", account, key="email")
        queued = 0
        if status < 0:
            payload = {"timestamp": now, "event_type": "account_error", "workspace": sb.workspace_id,
                       "campaign_id": None, "campaign_name": None, "email_account": account["email"],
                       "error_message": message, "account_status": status}
            queued = sb.webhooks.emit("account_error", payload, None)
    return ok({"account": public(account), "webhooks_queued": queued})


async def drain(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request, required=False)
    deadline = time.monotonic() + float(data.get("timeout") or 5.0)
    while sb.interest.pending() and time.monotonic() < deadline:  # queued interest changes emit webhooks too
        sb.interest.apply_due()
        await asyncio.sleep(0.02)
    idle = await sb.webhooks.drain(max(0.0, deadline - time.monotonic())) and not sb.interest.pending()
    return ok({"idle": idle, "deliveries": sb.webhooks.counts()})


async def deliveries(request: Request) -> JSONResponse:
    sb = sandbox(request)
    items = [{**public(d), "event_type": d["_event_type"], "request_headers": d["_headers"], "state": d["_state"],
              "attempts": d["_attempts"]} for d in sb.store.deliveries()]
    return ok({"items": items})


async def stats(request: Request) -> JSONResponse:
    return ok(sandbox(request).snapshot())


async def reset(request: Request) -> JSONResponse:
    sb = sandbox(request)
    sb.reset()
    gate = getattr(request.app, "gate", None)
    if gate is not None:
        gate.reset()
    return ok({"ok": True})


ROUTES = [
    Route(f"{P}/health", health, methods=["GET", "POST"]),  # POST: a webhook sink for smoke tests
    Route(f"{P}/config", get_config, methods=["GET"]),
    Route(f"{P}/config", set_config, methods=["POST"]),
    Route(f"{P}/faults", faults, methods=["POST"]),
    Route(f"{P}/engagement", engagement, methods=["POST"]),
    Route(f"{P}/lead-payload", lead_payload, methods=["POST"]),
    Route(f"{P}/tick", run_tick, methods=["POST"]),
    Route(f"{P}/accounts", add_account, methods=["POST"]),
    Route(f"{P}/account-status", account_status, methods=["POST"]),
    Route(f"{P}/webhooks/drain", drain, methods=["POST"]),
    Route(f"{P}/webhook-deliveries", deliveries, methods=["GET"]),
    Route(f"{P}/stats", stats, methods=["GET"]),
    Route(f"{P}/reset", reset, methods=["POST"]),
    *simulate.ROUTES,
]
