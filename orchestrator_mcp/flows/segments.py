"""Segments: existing leads chosen by their fields and custom variables and by recent engagement, and the
campaign look-ups (by name or id) the flows share. Reads only; moving a segment is `move_segment`."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from instantly_mcp.client import InstantlyClient, Lead
from instantly_mcp.client.models import Campaign
from orchestrator_mcp.flows.suppression import why
from orchestrator_mcp.flows.common import custom_variables
from shared.errors import InputError
from shared.tooling import ToolInput

if TYPE_CHECKING:
    from shared.store import Store

DAY = 86_400


class Segment(ToolInput):
    """Existing leads to take (a tool input too: an unknown key is an error naming the valid ones)."""

    campaigns: list[str] = Field(default_factory=list, description="Campaign names or ids to take leads from "
                                                                   "(default: every campaign except the target "
                                                                   "and lifecycle ones).")
    where: dict[str, str] = Field(default_factory=dict, description="Lead field or custom variable = value "
                                                                    "(case-insensitive).")
    engaged_days: int | None = Field(None, ge=1, description="Only leads that opened, clicked or replied in the "
                                                             "last N days.")


class Member(BaseModel):
    email: str
    lead: Any = Field(exclude=True)  # the Instantly lead
    campaign_id: str | None


async def campaigns_by_name(instantly: InstantlyClient) -> dict[str, Campaign]:
    page = await instantly.list_campaigns(max_items=1000)
    return {c.name or c.id: c for c in page.items}


def find_campaign(campaigns: dict[str, Campaign], ref: str) -> Campaign | None:
    """By id, exact name, or case-insensitive name; None when unknown."""
    for c in campaigns.values():
        if c.id == ref:
            return c
    if ref in campaigns:
        return campaigns[ref]
    folded = [c for n, c in campaigns.items() if n.casefold() == ref.strip().casefold()]
    return folded[0] if len(folded) == 1 else None


def resolve_campaign(campaigns: dict[str, Campaign], ref: str, field: str) -> Campaign:
    found = find_campaign(campaigns, ref)
    if found is None:
        close = [n for n in campaigns if ref.strip().casefold()[:4] in n.casefold()] or list(campaigns)
        raise InputError(f"no campaign named {ref!r}; campaigns: {', '.join(sorted(close)[:10])}", field)
    return found


def _value(lead: Lead, key: str) -> Any:
    variables = {k.casefold(): v for k, v in custom_variables(lead).items()}
    if key.casefold() in variables:
        return variables[key.casefold()]
    return lead.as_dict().get(key)


def matches(lead: Lead, where: dict[str, str]) -> bool:
    return all(str(_value(lead, k) or "").strip().casefold() == str(v).strip().casefold() for k, v in where.items())


async def all_leads(instantly: InstantlyClient, campaign_id: str) -> list[Lead]:
    leads: list[Lead] = []
    cursor: str | None = None
    while True:
        page = await instantly.list_leads({"campaign": campaign_id}, max_items=1000, starting_after=cursor)
        leads += page.items
        cursor = page.next_starting_after
        if not page.has_more or not cursor:
            return leads


async def select(
    segment: Segment, *, instantly: InstantlyClient, store: Store, campaigns: dict[str, Campaign],
    exclude: set[str],
) -> tuple[list[Member], dict[str, int]]:
    """The segment's leads (one per email, never a customer, bounced or unsubscribed lead) and why others were
    left out (counts by reason). `exclude`: campaign ids never taken from (the target, lifecycle campaigns)."""
    if segment.campaigns:
        sources = [resolve_campaign(campaigns, ref, "segment.campaigns") for ref in segment.campaigns]
    else:
        sources = [c for c in campaigns.values() if c.id not in exclude]
    sources = [c for c in sources if c.id not in exclude]
    per_campaign = await asyncio.gather(*(all_leads(instantly, c.id) for c in sources))
    since = time.time() - segment.engaged_days * DAY if segment.engaged_days else None
    chosen: dict[str, Member] = {}
    left_out: dict[str, int] = defaultdict(int)
    suppressed = await store.suppressed(sorted({(lead.email or "").strip().lower() for leads in per_campaign
                                                for lead in leads if lead.email}))
    for leads in per_campaign:
        for lead in leads:
            email = (lead.email or "").strip().lower()
            if not email or email in chosen:
                continue
            if email in suppressed:
                left_out[why(suppressed[email])] += 1
                continue
            if not matches(lead, segment.where):
                left_out["does not match"] += 1
                continue
            contact = await store.get_contact(email=email)
            if contact and contact.do_not_contact:
                left_out["bounced or unsubscribed"] += 1
                continue
            if contact and contact.conversion_status == "customer":
                left_out["already a customer"] += 1
                continue
            if since is not None:
                last = max((t for t in ((contact.last_opened_at, contact.last_clicked_at, contact.last_replied_at)
                                        if contact else ()) if t), default=None)
                if last is None or last < since:
                    left_out[f"not engaged in {segment.engaged_days} days"] += 1
                    continue
            chosen[email] = Member(email=email, lead=lead, campaign_id=lead.campaign)
    return sorted(chosen.values(), key=lambda m: m.email), dict(left_out)


async def move_segment(instantly: InstantlyClient, members: list[Member], to_campaign_id: str) -> int:
    """POST /leads/move per source campaign (ids must be scoped by campaign); leads already there stay."""
    groups: dict[str, list[str]] = defaultdict(list)
    for m in members:
        if m.campaign_id != to_campaign_id and m.campaign_id:
            groups[m.campaign_id].append(m.lead.id)
    for source, ids in groups.items():
        await instantly.move_leads({"ids": ids, "campaign": source, "to_campaign_id": to_campaign_id})
    return sum(len(ids) for ids in groups.values())


async def wait_until_in(instantly: InstantlyClient, campaign_id: str, emails: set[str], tries: int = 50) -> list[Lead]:
    """A move is a background job in Instantly: the campaign's leads once the moved emails are there."""
    leads: list[Lead] = []
    for _ in range(tries):
        leads = await all_leads(instantly, campaign_id)
        if emails <= {(x.email or "").lower() for x in leads}:
            return leads
        await asyncio.sleep(0.2)
    return leads
