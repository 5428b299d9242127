"""Email (sender) accounts, keyed by email: list (cursor `timestamp_created&email`), get, create, patch,
delete, pause/resume, warmup enable/disable (a background job) and warmup analytics.

Warmup traffic is not simulated message by message: warmup analytics are derived from each account's
warmup state (start date, daily limit) and a hash of the account, so they are stable across calls."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from instantly_mcp.sandbox import schemas
from instantly_mcp.sandbox.core import Sandbox
from instantly_mcp.sandbox.ids import parse_ts
from instantly_mcp.sandbox.jobs import new_job
from instantly_mcp.sandbox.validation import known, validate
from instantly_mcp.sandbox.web import (
    ApiError,
    body,
    not_found,
    ok,
    page,
    q_bool,
    q_enum,
    q_list,
    q_limit,
    q_num,
    q_str,
    sandbox,
)

P = "/api/v2/accounts"
FILTERS = {
    "ACC_FILTER_PAUSED": lambda a: a["status"] == 2,
    "ACC_FILTER_ERROR": lambda a: a["status"] < 0,
    "ACC_FILTER_NO_CTD": lambda a: not a.get("tracking_domain_name"),
    "ACC_FILTER_PW_ACCOUNTS": lambda a: False,
    "ACC_FILTER_DFY": lambda a: False,
    "ACC_FILTER_DFY_SETUP_PENDING": lambda a: False,
    "ACC_FILTER_W_ACTIVE": lambda a: a["warmup_status"] == 1,
    "ACC_FILTER_W_PAUSED": lambda a: a["warmup_status"] == 0,
    "ACC_FILTER_W_ERROR": lambda a: a["warmup_status"] < 0,
}


def get_account(sb: Sandbox, email: str) -> dict[str, Any]:
    account = sb.store.get("account", email.strip().lower())
    if account is None:
        raise not_found("Account")
    return account


def _cursor(account: dict[str, Any]) -> str:
    return f"{account['timestamp_created']}&{account['email']}"


async def list_accounts(request: Request) -> JSONResponse:
    sb = sandbox(request)
    limit = q_limit(request)
    search = (q_str(request, "search") or "").lower()
    status = q_num(request, "status", (1, 2, 3, -1, -2, -3))
    provider = q_num(request, "provider_code", (1, 2, 3, 4, 8, 11))
    flt = q_enum(request, "filter", list(FILTERS))
    sort_by = q_enum(request, "sort_by", ("timestamp_created", "email", "stat_warmup_score", "status"))
    order = q_enum(request, "sort_order", ("asc", "desc")) or ("desc" if sort_by else "asc")
    tag_any, tag_all = set(q_list(request, "tag_ids")), set(q_list(request, "tag_ids_all"))
    mappings = [m for m in sb.store.all("tag_mapping") if m["resource_type"] == 1]
    tags_of: dict[str, set[str]] = {}
    for m in mappings:
        tags_of.setdefault(m["resource_id"], set()).add(m["tag_id"])
    items = [
        a for a in sb.store.all("account")
        if search in a["email"] and (status is None or a["status"] == status)
        and (provider is None or a["provider_code"] == provider) and (flt is None or FILTERS[flt](a))
        and (not tag_any or tags_of.get(a["email"], set()) & tag_any)
        and (not tag_all or tag_all <= tags_of.get(a["email"], set()))
    ]
    include_tags = q_bool(request, "include_tags")
    labels = {t["id"]: t["label"] for t in sb.store.all("tag")} if include_tags else {}

    def render(a: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in a.items() if not k.startswith("_")}
        if include_tags:
            out["tags"] = [{"id": t, "label": labels.get(t, "")} for t in sorted(tags_of.get(a["email"], set()))]
        return out

    if sort_by:
        items.sort(key=lambda a: (a.get(sort_by) is None, a.get(sort_by) or 0, a["email"]), reverse=order == "desc")
        skip = int(q_num(request, "skip") or 0)
        window = items[skip : skip + limit]
        result: dict[str, Any] = {"items": [render(a) for a in window]}
        if len(window) == limit:
            result["next_starting_after"] = _cursor(window[-1])
        return ok(result)
    items.sort(key=_cursor, reverse=order == "desc")
    after = q_str(request, "starting_after")
    if after and "&" not in after:  # legacy ISO cursor: everything created after that time
        after = f"{after}&\uffff" if order == "asc" else f"{after}&"
    return ok(page(items, limit, after=after, key=_cursor, render=render, descending=order == "desc"))


async def get(request: Request) -> JSONResponse:
    account = get_account(sandbox(request), request.path_params["email"])
    return ok({k: v for k, v in account.items() if not k.startswith("_")})


async def create(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    validate(data, schemas.CREATE_ACCOUNT)
    email = data["email"].strip().lower()
    if sb.store.get("account", email) is not None:
        raise ApiError(400, f"Account {email} already exists in this workspace")
    account = sb.new_account(email, data["first_name"], data["last_name"], int(data["provider_code"]), 0)
    account.update({k: v for k, v in known(data, schemas.PATCH_ACCOUNT).items()})
    sb.store.put("account", account, key="email")
    return ok(account)


async def patch(request: Request) -> JSONResponse:
    sb = sandbox(request)
    account = get_account(sb, request.path_params["email"])
    data = await body(request)
    validate(data, schemas.PATCH_ACCOUNT)
    updates = known(data, schemas.PATCH_ACCOUNT)
    if "warmup" in updates:
        updates["warmup"] = {**account.get("warmup", {}), **updates["warmup"]}
    account.update(updates, timestamp_updated=sb.clock.now())
    sb.store.put("account", account, key="email")
    return ok(account)


async def delete(request: Request) -> JSONResponse:
    sb = sandbox(request)
    account = get_account(sb, request.path_params["email"])
    sb.store.delete("account", account["email"])
    return ok(account)


def _set_status(sb: Sandbox, account: dict[str, Any], status: int) -> dict[str, Any]:
    account.update(status=status, timestamp_updated=sb.clock.now())
    sb.store.put("account", account, key="email")
    return account


async def pause(request: Request) -> JSONResponse:
    sb = sandbox(request)
    return ok(_set_status(sb, get_account(sb, request.path_params["email"]), 2))


async def resume(request: Request) -> JSONResponse:
    sb = sandbox(request)
    return ok(_set_status(sb, get_account(sb, request.path_params["email"]), 1))


async def pause_many(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    validate(data, {"type": "object", "required": ["emails"],
                    "properties": {"emails": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 100}}})
    paused, failed = [], []
    for email in data["emails"]:
        account = sb.store.get("account", email.strip().lower())
        if account is None:
            failed.append(email)
        else:
            _set_status(sb, account, 2)
            paused.append(account["email"])
    return ok({"paused_emails": paused, "failed_emails": failed})


def _warmup(enable: bool) -> Any:
    async def handler(request: Request) -> JSONResponse:
        sb = sandbox(request)
        data = await body(request)
        validate(data, schemas.WARMUP_TOGGLE)
        if data.get("include_all_emails"):
            excluded = {e.lower() for e in data.get("excluded_emails") or []}
            search = (data.get("search") or "").lower()
            targets = [a for a in sb.store.all("account") if a["email"] not in excluded and search in a["email"]]
        else:
            targets = [get_account(sb, e) for e in data.get("emails") or []]
        now = sb.clock.now()
        with sb.store.tx():
            for account in targets:
                if enable and account["warmup_status"] != 1:
                    account.update(warmup_status=1, timestamp_warmup_start=now)
                elif not enable:
                    account["warmup_status"] = 0
                account["timestamp_updated"] = now
                sb.store.put("account", account, key="email")
            job = new_job(sb, "update-warmup-accounts", entity_type="workspace", entity_id=sb.workspace_id,
                          data={"success_count": len(targets), "failed_count": 0, "enable": enable,
                                "emails": [a["email"] for a in targets]})
        return ok(job)
    return handler


def _daily(account: dict[str, Any], day: str) -> dict[str, int]:
    digest = hashlib.sha256(f"{account['email']}|{day}".encode()).digest()
    sent = int(account.get("warmup", {}).get("limit") or 20) - digest[0] % 5
    spam = digest[1] % 3 if sent > 0 else 0
    return {"sent": sent, "landed_inbox": sent - spam, "landed_spam": spam, "received": max(0, sent - digest[2] % 4)}


async def warmup_analytics(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    validate(data, schemas.WARMUP_ANALYTICS)
    by_date: dict[str, Any] = {}
    aggregate: dict[str, Any] = {}
    today = datetime.now(UTC).date()
    for email in data["emails"]:
        account = sb.store.get("account", email.strip().lower())
        if account is None:
            continue
        days: dict[str, Any] = {}
        if account.get("timestamp_warmup_start"):
            start = max(parse_ts(account["timestamp_warmup_start"]).date(), today - timedelta(days=29))
            current = start
            while current <= today:
                days[current.isoformat()] = _daily(account, current.isoformat())
                current += timedelta(days=1)
        totals = {k: sum(d[k] for d in days.values()) for k in ("sent", "received", "landed_inbox", "landed_spam")}
        score = round(100 * totals["landed_inbox"] / totals["sent"]) if totals["sent"] else 0
        label = "Excellent" if score >= 95 else "Good" if score >= 85 else "Needs attention" if totals["sent"] else "No data"
        by_date[account["email"]] = days
        aggregate[account["email"]] = {**totals, "health_score_label": label, "health_score": score}
    return ok({"email_date_data": by_date, "aggregate_data": aggregate})


ROUTES = [
    Route(P, list_accounts, methods=["GET"]),
    Route(P, create, methods=["POST"]),
    Route(f"{P}/warmup/enable", _warmup(True), methods=["POST"]),
    Route(f"{P}/warmup/disable", _warmup(False), methods=["POST"]),
    Route(f"{P}/warmup-analytics", warmup_analytics, methods=["POST"]),
    Route(f"{P}/pause", pause_many, methods=["POST"]),
    Route(P + "/{email}", get, methods=["GET"]),
    Route(P + "/{email}", patch, methods=["PATCH"]),
    Route(P + "/{email}", delete, methods=["DELETE"]),
    Route(P + "/{email}/pause", pause, methods=["POST"]),
    Route(P + "/{email}/resume", resume, methods=["POST"]),
]
