"""Campaign analytics, computed from the events table (simulated sends, opens, clicks, replies, bounces,
unsubscribes and interest changes) and the current leads. Nothing is hard-coded.

Steps and variants are 0-based strings here ("0" = first step / variant A), as in Instantly's analytics."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from instantly_mcp.sandbox import schemas
from instantly_mcp.sandbox.core import Sandbox
from instantly_mcp.sandbox.ids import is_uuid, parse_ts
from instantly_mcp.sandbox.models import POSITIVE_INTEREST
from instantly_mcp.sandbox.web import bad, not_found, ok, q_bool, q_list, q_num, q_str, sandbox

P = "/api/v2/campaigns/analytics"


def _window(request: Request) -> tuple[str | None, str | None]:
    """start/end as ISO strings comparable with event timestamps; a bare end date covers that whole day."""
    out: list[str | None] = []
    for name in ("start_date", "end_date"):
        value = q_str(request, name)
        if value is None:
            out.append(None)
            continue
        try:
            ts = parse_ts(value)
        except ValueError:
            raise bad(f"querystring/{name} must be a date (YYYY-MM-DD) or an ISO timestamp") from None
        if name == "end_date" and len(value.strip()) == 10:
            ts += timedelta(days=1) - timedelta(milliseconds=1)
        out.append(ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z")
    start, end = out
    if start and end and start > end:
        raise bad("start_date must be before end_date")
    return start, end


def _campaigns(request: Request, sb: Sandbox, id_param: str, *, status_param: str | None) -> list[dict[str, Any]]:
    ids = q_list(request, id_param) + (q_list(request, "ids") if id_param == "id" else [])
    for cid in ids:
        if not is_uuid(cid):
            raise bad(f'querystring/{id_param} must match format "uuid"')
    status = q_num(request, status_param, schemas.CAMPAIGN_STATUSES) if status_param else None
    campaigns = sb.store.all("campaign")
    if ids:
        by_id = {c["id"]: c for c in campaigns}
        if id_param == "campaign_id" and ids[0] not in by_id:
            raise not_found("Campaign")
        campaigns = [by_id[i] for i in dict.fromkeys(ids) if i in by_id]
    return [c for c in campaigns if status is None or c["status"] == status]


def _in(events: Iterable[dict[str, Any]], start: str | None, end: str | None) -> list[dict[str, Any]]:
    return [e for e in events if (start is None or e["ts"] >= start) and (end is None or e["ts"] <= end)]


def _distinct(events: Iterable[dict[str, Any]], *fields: str) -> int:
    return len({tuple(e[f] for f in fields) for e in events})


def _counters(sb: Sandbox, events: list[dict[str, Any]], *, expand: bool = False) -> dict[str, Any]:
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        by_type[e["type"]].append(e)
    sent = by_type["sent"]
    replies = [e for e in by_type["replied"] if not e["auto"]]
    autos = [e for e in by_type["replied"] if e["auto"]]
    interest = by_type["interest"]
    positive = [e for e in interest if e["value"] is not None and int(e["value"]) in POSITIVE_INTEREST]
    opp_leads = {e["lead_id"] for e in positive}
    value = 0.0
    default_value = float(sb.workspace.get("default_opportunity_value") or 0)
    for lead_id in opp_leads:
        lead = sb.store.lead(lead_id) if lead_id else None
        try:
            value += float((lead or {}).get("pl_value_lead") or default_value)
        except ValueError:
            value += default_value

    def interest_total(code: int) -> int:
        hits = [e for e in interest if e["value"] is not None and int(e["value"]) == code]
        return len(hits) if expand else _distinct(hits, "lead_id")

    return {
        "contacted_count": _distinct(sent, "lead_id"),
        "emails_sent_count": len(sent),
        "new_leads_contacted_count": _distinct([e for e in sent if e["step"] == 0], "lead_id"),
        "open_count": len(by_type["opened"]),
        "open_count_unique": _distinct(by_type["opened"], "lead_id"),
        "open_count_unique_by_step": _distinct(by_type["opened"], "lead_id", "step"),
        "reply_count": len(replies),
        "reply_count_unique": _distinct(replies, "lead_id"),
        "reply_count_unique_by_step": _distinct(replies, "lead_id", "step"),
        "reply_count_automatic": len(autos),
        "reply_count_automatic_unique": _distinct(autos, "lead_id"),
        "reply_count_automatic_unique_by_step": _distinct(autos, "lead_id", "step"),
        "link_click_count": len(by_type["clicked"]),
        "link_click_count_unique": _distinct(by_type["clicked"], "lead_id"),
        "link_click_count_unique_by_step": _distinct(by_type["clicked"], "lead_id", "step"),
        "bounced_count": _distinct(by_type["bounced"], "lead_id"),
        "unsubscribed_count": _distinct(by_type["unsubscribed"], "lead_id"),
        "total_opportunities": len(positive) if expand else len(opp_leads),
        "total_opportunity_value": value,
        "_interest_total": interest_total,
    }


def _completed(sb: Sandbox, campaign_ids: Iterable[str]) -> int:
    return sum(1 for cid in campaign_ids for lead in sb.store.iter_leads(campaign=cid) if lead["status"] == 3)


async def campaign_analytics(request: Request) -> JSONResponse:
    sb = sandbox(request)
    start, end = _window(request)
    campaigns = _campaigns(request, sb, "id", status_param=None)
    skip_total = q_bool(request, "exclude_total_leads_count")
    out = []
    for c in campaigns:
        counters = _counters(sb, _in(sb.store.events([c["id"]]), start, end))
        counters.pop("_interest_total")
        out.append({
            "campaign_name": c["name"], "campaign_id": c["id"], "campaign_status": c["status"],
            "campaign_is_evergreen": bool(c.get("is_evergreen")),
            "leads_count": 0 if skip_total else sb.store.count_leads(campaign=c["id"]),
            **counters, "completed_count": _completed(sb, [c["id"]]),
        })
    return ok(out)


async def overview(request: Request) -> JSONResponse:
    sb = sandbox(request)
    start, end = _window(request)
    campaigns = _campaigns(request, sb, "id", status_param="campaign_status")
    ids = [c["id"] for c in campaigns]
    counters = _counters(sb, _in(sb.store.events(ids), start, end), expand=bool(q_bool(request, "expand_crm_events")))
    total = counters.pop("_interest_total")
    return ok({**counters, "completed_count": _completed(sb, ids), "total_interested": total(1),
               "total_meeting_booked": total(2), "total_meeting_completed": total(3), "total_closed": total(4)})


async def daily(request: Request) -> JSONResponse:
    sb = sandbox(request)
    start, end = _window(request)
    campaigns = _campaigns(request, sb, "campaign_id", status_param="campaign_status")
    events = _in(sb.store.events([c["id"] for c in campaigns]), start, end)
    first_sent: dict[str, str] = {}
    for e in sb.store.events([c["id"] for c in campaigns]):
        if e["type"] == "sent":
            first_sent.setdefault(e["lead_id"], e["day"])
    days: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        days[e["day"]].append(e)
    out = []
    for day in sorted(days):
        c = _counters(sb, days[day])
        sent_today = [e for e in days[day] if e["type"] == "sent"]
        positive = [e for e in days[day] if e["type"] == "interest" and e["value"] is not None
                    and int(e["value"]) in POSITIVE_INTEREST]
        out.append({
            "date": day, "sent": c["emails_sent_count"], "contacted": c["contacted_count"],
            "new_leads_contacted": len({e["lead_id"] for e in sent_today if first_sent.get(e["lead_id"]) == day}),
            "opened": c["open_count"], "unique_opened": c["open_count_unique"], "replies": c["reply_count"],
            "unique_replies": c["reply_count_unique"], "replies_automatic": c["reply_count_automatic"],
            "unique_replies_automatic": c["reply_count_automatic_unique"], "clicks": c["link_click_count"],
            "unique_clicks": c["link_click_count_unique"], "opportunities": len(positive),
            "unique_opportunities": _distinct(positive, "lead_id"),
        })
    return ok(out)


async def steps(request: Request) -> JSONResponse:
    sb = sandbox(request)
    start, end = _window(request)
    campaigns = _campaigns(request, sb, "campaign_id", status_param=None)
    events = _in(sb.store.events([c["id"] for c in campaigns]), start, end)
    groups: dict[tuple[int | None, int | None], list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        if e["type"] in ("sent", "opened", "clicked", "replied", "interest"):
            groups[(e["step"], e["variant"])].append(e)
    with_opps = bool(q_bool(request, "include_opportunities_count"))
    out = []
    for (step, variant), group in sorted(groups.items(), key=lambda kv: (kv[0][0] is None, kv[0][0] or 0, kv[0][1] or 0)):
        c = _counters(sb, group)
        row: dict[str, Any] = {
            "step": None if step is None else str(step), "variant": None if variant is None else str(variant),
            "sent": c["emails_sent_count"], "opened": c["open_count"], "unique_opened": c["open_count_unique"],
            "replies": c["reply_count"], "unique_replies": c["reply_count_unique"],
            "replies_automatic": c["reply_count_automatic"], "unique_replies_automatic": c["reply_count_automatic_unique"],
            "clicks": c["link_click_count"], "unique_clicks": c["link_click_count_unique"],
        }
        if with_opps:
            positive = [e for e in group if e["type"] == "interest" and e["value"] is not None
                        and int(e["value"]) in POSITIVE_INTEREST]
            row.update(opportunities=len(positive), unique_opportunities=_distinct(positive, "lead_id"),
                       meetings_booked=c["_interest_total"](2), won=c["_interest_total"](4))
        out.append(row)
    return ok(out)


ROUTES = [
    Route(P, campaign_analytics, methods=["GET"]),
    Route(f"{P}/overview", overview, methods=["GET"]),
    Route(f"{P}/daily", daily, methods=["GET"]),
    Route(f"{P}/steps", steps, methods=["GET"]),
]
