"""Simulation controls for many leads at once (used by the orchestrator's simulation tools in sandbox mode):

POST /_sandbox/simulate/engage {events: [...], campaign?: id or name, emails?: [...], count?, share?, text?}
    -> {campaign_id, campaign_name, leads: [{email, lead_id, applied: [...], skipped?}], payloads: [...]}
POST /_sandbox/simulate/time   {seconds, campaign?: id or name}
    -> {seconds, sent, campaigns: [{campaign_id, campaign_name, sent, by_step, recipients, waiting, skipped}],
        payloads: [...]}

Each event goes through the same engine as `/_sandbox/engagement` and `/_sandbox/tick` (events table,
unibox, webhook deliveries to every subscribed webhook). `payloads` are the webhook bodies the sandbox emitted,
whether or not a webhook is registered, so a caller without a public URL sees exactly what a receiver would.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from instantly_mcp.sandbox import schedule
from instantly_mcp.sandbox.engagement import ALL_EVENTS, INTEREST_EVENTS, record
from instantly_mcp.sandbox.models import norm_email
from instantly_mcp.sandbox.web import ApiError, bad, body, ok, sandbox

if TYPE_CHECKING:
    from instantly_mcp.sandbox.core import Sandbox

P = "/_sandbox/simulate"
NEEDS_SENT = {"opened", "clicked", "replied", "auto_replied", "bounced"}


@contextmanager
def captured(sb: Sandbox) -> Iterator[list[dict[str, Any]]]:
    """Every webhook body emitted inside the block (the deliveries are queued as usual)."""
    out: list[dict[str, Any]] = []
    dispatcher = sb.webhooks
    original = dispatcher.emit

    def emit(event_type: str, payload: dict[str, Any], campaign_id: str | None) -> int:
        out.append(dict(payload))
        return original(event_type, payload, campaign_id)

    dispatcher.emit = emit  # type: ignore[method-assign]
    try:
        yield out
    finally:
        del dispatcher.emit  # back to the class's method


def find_campaign(sb: Sandbox, ref: str) -> dict[str, Any]:
    campaign = sb.store.get("campaign", ref)
    if campaign is not None:
        return campaign
    named = [c for c in sb.store.all("campaign") if c["name"].strip().lower() == ref.strip().lower()]
    if len(named) == 1:
        return named[0]
    names = sorted(c["name"] for c in sb.store.all("campaign"))
    if named:
        raise bad(f"{len(named)} campaigns are named {ref!r}; use the id")
    raise ApiError(404, f"No campaign {ref!r}; campaigns: {', '.join(names) or 'none'}")


def _eligible(lead: dict[str, Any], first: str) -> bool:
    if lead.get("status") in (-1, -2) or not lead.get("email"):
        return False
    return not (first in NEEDS_SENT and not lead.get("_last_email"))


def _had(lead: dict[str, Any], event: str) -> bool:
    counters = {"opened": "email_open_count", "clicked": "email_click_count", "replied": "email_reply_count"}
    if event in counters:
        return int(lead.get(counters[event]) or 0) > 0
    if event in INTEREST_EVENTS:
        return lead.get("lt_interest_status") == INTEREST_EVENTS[event][0]
    return False


def select_leads(sb: Sandbox, data: dict[str, Any], first: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]],
                                                                         list[dict[str, Any]]]:
    """(campaign, chosen leads, [{email, skipped}] for named leads that cannot take the event)."""
    campaign = find_campaign(sb, str(data["campaign"])) if data.get("campaign") else None
    cid = campaign["id"] if campaign else None
    skipped: list[dict[str, Any]] = []
    if data.get("emails"):
        chosen = []
        for raw in data["emails"]:
            email = norm_email(raw)
            leads = [x for x in sb.store.leads_by_email([email]) if cid in (None, x.get("campaign"))]
            lead = ([x for x in leads if x.get("campaign")] or leads or [None])[-1]
            if lead is None:
                skipped.append({"email": email, "skipped": "no such lead" + (" in this campaign" if cid else "")})
            elif not _eligible(lead, first):
                skipped.append({"email": email, "skipped": _why_not(lead, first)})
            else:
                chosen.append(lead)
        return campaign, chosen, skipped
    if campaign is None:
        raise bad("give campaign (id or name), or emails")
    pool = [x for x in sb.store.iter_leads(campaign=campaign["id"]) if _eligible(x, first)]
    pool.sort(key=lambda x: _had(x, first))  # stable: leads without this event yet come first, in order
    count = data.get("count")
    share = data.get("share")
    if count is not None:
        n = int(count)
    elif share is not None:
        if not 0 < float(share) <= 1:
            raise bad("share must be more than 0 and at most 1")
        n = max(1, round(float(share) * len(pool))) if pool else 0
    else:
        n = len(pool)
    return campaign, pool[:max(0, n)], skipped


def _why_not(lead: dict[str, Any], first: str) -> str:
    if lead.get("status") == -1:
        return "bounced"
    if lead.get("status") == -2:
        return "unsubscribed"
    if first in NEEDS_SENT:
        return "has not been sent an email yet (let time pass first)"
    return "cannot take this event"


def engage_many(sb: Sandbox, data: dict[str, Any]) -> dict[str, Any]:
    events = data.get("events") or ([data["event"]] if data.get("event") else [])
    if not events:
        raise bad("give events, e.g. [\"opened\", \"clicked\"]")
    unknown = [e for e in events if e not in ALL_EVENTS or e == "sent"]
    if unknown:
        raise bad(f"unknown events {unknown}; use {[e for e in ALL_EVENTS if e != 'sent']}")
    campaign, leads, skipped = select_leads(sb, data, events[0])
    out: list[dict[str, Any]] = []
    with captured(sb) as payloads:
        for lead in leads:
            applied: list[str] = []
            entry: dict[str, Any] = {"email": lead["email"], "lead_id": lead["id"], "campaign_id": lead.get("campaign"),
                                     "applied": applied}
            for event in events:
                fresh = sb.store.lead(lead["id"]) or lead
                try:
                    record(sb, fresh, event, {"text": data.get("text"), "subject": data.get("subject")})
                except ApiError as exc:
                    entry["skipped"] = f"{event}: {exc.message}"
                    break
                applied.append(event)
            out.append(entry)
    return {"campaign_id": campaign["id"] if campaign else None, "campaign_name": campaign["name"] if campaign else None,
            "leads": out + skipped, "payloads": payloads}


async def engage(request: Request) -> JSONResponse:
    return ok(engage_many(sandbox(request), await body(request)))


async def pass_time(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    try:
        seconds = float(data.get("seconds", 0))
    except (TypeError, ValueError):
        raise bad("seconds must be a number") from None
    if seconds < 0:
        raise bad("seconds must be >= 0 (time only moves forward)")
    campaign = find_campaign(sb, str(data["campaign"])) if data.get("campaign") else None
    with captured(sb) as payloads:
        result = schedule.advance(sb, seconds, campaign["id"] if campaign else None)
    return ok({**result, "payloads": payloads})


ROUTES = [
    Route(f"{P}/engage", engage, methods=["POST"]),
    Route(f"{P}/time", pass_time, methods=["POST"]),
]
