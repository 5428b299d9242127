"""Contact sync: Instantly leads and Stripe customers matched by email (case-insensitively) into
unified_contacts, with engagement and score. The bulk pass is incremental after the first run:
only leads updated since the last pass and customers created since it are written."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from instantly_mcp.client import InstantlyClient, Lead
from orchestrator_mcp.config import PipelineConfig
from orchestrator_mcp.scoring import score
from shared.store import Contact

if TYPE_CHECKING:
    from shared.store import Store
    from stripe_mcp.client.api import StripeApi

ORDER = ["prospect", "contacted", "engaged", "payment_link_sent", "customer", "churned"]
LEADS_CURSOR = "sync:instantly:leads"
CUSTOMERS_CURSOR = "sync:stripe:customers"
Progress = Callable[[float, float | None, str | None], Awaitable[None]]


def ts(value: Any) -> float | None:
    if not value:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def advance(current: str, candidate: str) -> str:
    """Statuses only move forward (a customer never becomes 'engaged' again)."""
    if current not in ORDER or candidate not in ORDER:
        return current
    return candidate if ORDER.index(candidate) > ORDER.index(current) else current


def lead_fields(lead: Lead, cfg: PipelineConfig, contact: Contact | None) -> dict[str, Any]:
    data = lead.as_dict()
    opens = int(data.get("email_open_count") or 0)
    clicks = int(data.get("email_click_count") or 0)
    replies = int(data.get("email_reply_count") or 0)
    opened, clicked, replied = (ts(data.get("timestamp_last_open")), ts(data.get("timestamp_last_click")),
                                ts(data.get("timestamp_last_reply")))
    sent = ts(data.get("timestamp_last_contact"))
    last = max((t for t in (opened, clicked, replied) if t), default=None)
    status = contact.conversion_status if contact else "prospect"
    if sent or data.get("status") in (1, 3):
        status = advance(status, "contacted")
    if opens or clicks or replies or (lead.lt_interest_status or 0) > 0:
        status = advance(status, "engaged")
    # Engagement the store learned from events may be newer than the lead's counters: keep the larger.
    keep = contact or None
    fields: dict[str, Any] = {
        "first_name": lead.first_name, "last_name": lead.last_name, "company": lead.company_name,
        "instantly_lead_id": lead.id,
        "opens": max(opens, keep.opens if keep else 0), "clicks": max(clicks, keep.clicks if keep else 0),
        "replies": max(replies, keep.replies if keep else 0),
        "last_opened_at": opened, "last_clicked_at": clicked, "last_replied_at": replied, "last_sent_at": sent,
        "interest_status": lead.lt_interest_status, "conversion_status": status,
        "do_not_contact": bool(lead.status in (-1, -2)) or (keep.do_not_contact if keep else False),
    }
    fields["email_engagement_score"] = score(
        opens=fields["opens"], clicks=fields["clicks"], replies=fields["replies"],
        interest_status=lead.lt_interest_status, last_engaged_at=last, weights=cfg.scoring,
    )
    if lead.campaign:
        fields["source_campaign"] = (keep.source_campaign if keep and keep.source_campaign else lead.campaign)
    return fields


async def apply_lead(store: Store, lead: Lead, cfg: PipelineConfig) -> Contact:
    existing = await store.get_contact(email=lead.email) if lead.email else None
    contact = await store.upsert_contact(lead.email or "", **lead_fields(lead, cfg, existing))
    if lead.campaign and lead.campaign not in contact.instantly_campaign_ids:
        contact = await store.update_contact(
            contact.id, instantly_campaign_ids=[*contact.instantly_campaign_ids, lead.campaign]) or contact
    return contact


async def apply_customer(store: Store, customer: dict[str, Any]) -> Contact | None:
    email = customer.get("email")
    if not email:
        return None
    existing = await store.get_contact(email=email)
    first, _, last = (customer.get("name") or "").partition(" ")
    return await store.upsert_contact(
        email, stripe_customer_id=customer["id"],
        first_name=None if existing and existing.first_name else (first or None),
        last_name=None if existing and existing.last_name else (last or None),
    )


class SyncReport(BaseModel):
    leads_seen: int = 0
    leads_written: int = 0
    customers_seen: int = 0
    customers_written: int = 0
    incremental: bool = False
    has_more: bool = False


async def sync_contact(email: str, *, instantly: InstantlyClient, stripe_api: StripeApi, store: Store,
                       cfg: PipelineConfig) -> Contact:
    page = await instantly.list_leads({"contacts": [email.strip().lower()]}, max_items=20)
    leads = sorted(page.items, key=lambda lead: str(lead.as_dict().get("timestamp_updated") or ""))
    contact = None
    for lead in leads:
        contact = await apply_lead(store, lead, cfg)
    customer = await stripe_api.find_customer_by_email(email.strip().lower())
    if customer:
        contact = await apply_customer(store, customer) or contact
        subs = await stripe_api.list_page("subscriptions", {"customer": customer["id"], "status": "all"}, limit=1)
        if subs.items and contact is not None:
            contact = await store.update_contact(contact.id, subscription_status=subs.items[0].get("status")) or contact
    if contact is None:
        contact = await store.upsert_contact(email)
    return contact


async def sync_contacts(*, instantly: InstantlyClient, stripe_api: StripeApi, store: Store, cfg: PipelineConfig,
                        max_leads: int = 50_000, progress: Progress | None = None) -> SyncReport:
    """Cursors are the newest server timestamps seen (the APIs' clocks, not ours), so skew cannot hide a change."""
    report = SyncReport()
    since_leads = float(await store.get_cursor(LEADS_CURSOR) or 0)
    since_customers = int(float(await store.get_cursor(CUSTOMERS_CURSOR) or 0))
    report.incremental = since_leads > 0
    newest_lead, newest_customer = since_leads, since_customers
    cursor: str | None = None
    while True:
        page = await instantly.list_leads({}, max_items=min(1000, max_leads - report.leads_seen),
                                          starting_after=cursor)
        for lead in page.items:
            report.leads_seen += 1
            updated = ts(lead.as_dict().get("timestamp_updated")) or ts(lead.timestamp_created) or 0.0
            newest_lead = max(newest_lead, updated)
            if lead.email and (updated > since_leads or not since_leads):
                await apply_lead(store, lead, cfg)
                report.leads_written += 1
        if progress is not None:
            await progress(report.leads_seen, None, f"{report.leads_seen} leads checked")
        cursor = page.next_starting_after
        if not page.has_more or not cursor:
            break
        if report.leads_seen >= max_leads:
            report.has_more = True
            break
    # created is in whole seconds: gte re-reads the cursor's second, and linked customers are skipped
    created = {"gte": since_customers} if since_customers else None
    async for customer in stripe_api.iterate("customers", {"created": created} if created else None):
        report.customers_seen += 1
        newest_customer = max(newest_customer, int(customer.get("created") or 0))
        if since_customers and await store.get_contact(customer_id=customer["id"]) is not None:
            continue
        if await apply_customer(store, customer) is not None:
            report.customers_written += 1
    if not report.has_more:
        await store.set_cursor(LEADS_CURSOR, str(newest_lead or time.time()))
        await store.set_cursor(CUSTOMERS_CURSOR, str(newest_customer))
    return report
