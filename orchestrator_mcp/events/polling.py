"""Polling, for laptops with no public URL and to catch missed deliveries.

Both sources feed the same `events` table with the same ids as their webhooks, so a webhook and a poll
of the same thing are stored once:
- Stripe: GET /v1/events since the stored cursor (event ids are the ids).
- Instantly: unibox replies since the cursor, and lead status and interest changes, turned into the
  webhook payload shape (ids from `instantly_event_id`); campaign analytics refresh campaign_performance.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from instantly_mcp.client import InstantlyClient
from orchestrator_mcp.events.ids import instantly_event_id, instantly_event_type

if TYPE_CHECKING:
    from shared.store import Store
    from stripe_mcp.client.api import StripeApi

STRIPE_CURSOR = "poll:stripe:events"
INSTANTLY_CURSOR = "poll:instantly"
Progress = Callable[[float, float | None, str | None], Awaitable[None]]

INTEREST_EVENT = {
    1: "lead_interested", 2: "lead_meeting_booked", 3: "lead_meeting_completed", 4: "lead_closed",
    0: "lead_out_of_office", -1: "lead_not_interested", -2: "lead_wrong_person", -4: "lead_no_show",
}
STATUS_EVENT = {-1: "email_bounced", -2: "lead_unsubscribed"}


class PollReport(BaseModel):
    stripe_seen: int = 0
    stripe_new: int = 0
    instantly_seen: int = 0
    instantly_new: int = 0
    campaigns_refreshed: int = 0


def _ts(value: Any) -> float:
    if not value:
        return 0.0
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


async def poll_stripe(stripe_api: StripeApi, store: Store, report: PollReport, *, max_events: int = 10_000) -> None:
    since = await store.get_cursor(STRIPE_CURSOR)
    events = await stripe_api.list_events(since=int(since) if since else None, limit=max_events)
    newest = int(since or 0)
    for event in reversed(events):  # oldest first, so the queue keeps Stripe's order
        report.stripe_seen += 1
        if await store.record_event("stripe", str(event["id"]), str(event["type"]), event, via="poll"):
            report.stripe_new += 1
        newest = max(newest, int(event.get("created") or 0))
    if events:
        # created[gte] on the next poll re-reads this second; ids dedupe what was already stored
        await store.set_cursor(STRIPE_CURSOR, str(newest))


async def _record(store: Store, payload: dict[str, Any], report: PollReport) -> None:
    report.instantly_seen += 1
    if await store.record_event("instantly", instantly_event_id(payload), instantly_event_type(payload), payload,
                                via="poll"):
        report.instantly_new += 1


async def poll_instantly(instantly: InstantlyClient, store: Store, report: PollReport, *,
                         max_items: int = 5000) -> None:
    since = float(await store.get_cursor(INSTANTLY_CURSOR) or 0)
    started = time.time()
    # replies in the unibox (ue_type 2 = received)
    filters: dict[str, Any] = {"email_type": "received"}
    if since:
        filters["min_timestamp_created"] = datetime.fromtimestamp(since, tz=UTC).isoformat()
    emails = await instantly.list_emails(filters, max_items=min(max_items, 500))
    for mail in emails.items:
        data = mail.as_dict()
        when = _ts(data.get("timestamp_email") or data.get("timestamp_created"))
        if mail.ue_type not in (None, 2) or when < since:
            continue
        # An auto-reply is delivered by webhook as auto_reply_received: the same kind (and id) here, not a reply.
        await _record(store, {
            "event_type": "auto_reply_received" if data.get("is_auto_reply") else "reply_received", "lead_email": data.get("lead") or data.get("from_address_email"),
            "campaign_id": mail.campaign_id, "email_id": mail.id, "timestamp": data.get("timestamp_email"),
            "reply_subject": mail.subject, "source": "poll",
        }, report)
    # lead interest and status changes
    cursor: str | None = None
    seen = 0
    while seen < max_items:
        page = await instantly.list_leads({}, max_items=min(500, max_items - seen), starting_after=cursor)
        for lead in page.items:
            seen += 1
            data = lead.as_dict()
            base = {"lead_email": lead.email, "campaign_id": lead.campaign, "source": "poll"}
            changed = _ts(data.get("timestamp_last_interest_change")) or _ts(data.get("timestamp_updated"))
            if lead.lt_interest_status in INTEREST_EVENT and changed >= since:
                await _record(store, {**base, "event_type": INTEREST_EVENT[lead.lt_interest_status],
                                      "timestamp": data.get("timestamp_last_interest_change")}, report)
            if lead.status in STATUS_EVENT and _ts(data.get("timestamp_updated")) >= since:
                await _record(store, {**base, "event_type": STATUS_EVENT[lead.status],
                                      "timestamp": data.get("timestamp_updated")}, report)
        cursor = page.next_starting_after
        if not page.has_more or not cursor:
            break
    await store.set_cursor(INSTANTLY_CURSOR, str(started - 1))


async def refresh_campaign_performance(instantly: InstantlyClient, store: Store) -> int:
    """Pull per-campaign analytics from Instantly into campaign_performance."""
    rows = await instantly.campaign_analytics()
    out = []
    for row in rows:
        data = row if isinstance(row, dict) else row.as_dict()
        cid = data.get("campaign_id") or data.get("id")
        if not cid:
            continue
        out.append({
            "campaign_id": cid, "campaign_name": data.get("campaign_name"),
            "emails_sent": int(data.get("emails_sent_count") or 0),
            "contacted": int(data.get("contacted_count") or data.get("leads_count") or 0),
            "opened": int(data.get("open_count_unique") or data.get("open_count") or 0),
            "clicked": int(data.get("link_click_count_unique") or data.get("link_click_count") or 0),
            "replied": int(data.get("reply_count_unique") or data.get("reply_count") or 0),
            "bounced": int(data.get("bounced_count") or 0),
        })
    if out:
        await store.upsert_campaign_performance(out)
    return len(out)
