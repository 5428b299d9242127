"""A launch's new leads (`leads`, as opposed to the segment of existing ones): imported into the launch campaign,
never twice, never a suppressed person, and every lead not added is named with why."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from instantly_mcp.client import InstantlyClient
from instantly_mcp.tools.leads_import import LeadIn
from orchestrator_mcp.flows.segments import all_leads
from orchestrator_mcp.flows.suppression import why as suppressed_because

if TYPE_CHECKING:
    from shared.store import Store

PRESENT = "already in this campaign"


class SkippedLead(BaseModel):
    email: str
    reason: str


def _email(lead: LeadIn) -> str:
    return (lead.email or "").strip().lower()


def emails_of(leads: list[Any]) -> set[str]:
    return {(lead.email or "").strip().lower() for lead in leads if lead.email}


async def campaign_emails(instantly: InstantlyClient, campaign_id: str) -> set[str]:
    return emails_of(await all_leads(instantly, campaign_id))


async def sort_new(leads: list[LeadIn], *, store: Store, present: set[str]) -> tuple[list[LeadIn], list[SkippedLead]]:
    """(leads to import, leads skipped with why): people on the suppression list (unsubscribed, complained,
    bounced, erased) are never imported again; leads already in the campaign are not imported twice. Reads only."""
    suppressed = await store.suppressed(sorted({_email(lead) for lead in leads if lead.email}))
    skipped = [SkippedLead(email=e, reason=suppressed_because(r)) for e, r in suppressed.items()]
    skipped += [SkippedLead(email=_email(lead), reason=PRESENT) for lead in leads
                if lead.email and _email(lead) in present and _email(lead) not in suppressed]
    fresh, seen = [], set()
    for lead in leads:
        email = _email(lead)
        if email not in present and email not in suppressed and email not in seen:
            fresh.append(lead)
            seen.add(email)
    return fresh, skipped


async def import_new(
    instantly: InstantlyClient, store: Store, leads: list[LeadIn], campaign_id: str, *, skip_in_other: bool,
    progress: Callable[[int, int, str], Awaitable[None]] | None = None,
) -> tuple[int, list[SkippedLead]]:
    """(leads created, leads not added with why)."""
    present = await campaign_emails(instantly, campaign_id)
    fresh, skipped = await sort_new(leads, store=store, present=present)
    if not fresh:
        return 0, skipped
    summary = await instantly.import_leads([lead.to_payload() for lead in fresh], campaign_id=campaign_id,
                                           skip_if_in_campaign=skip_in_other, progress=progress)
    for problem in [*summary.invalid_items, *summary.failed_items]:
        if problem.email:
            skipped.append(SkippedLead(email=problem.email.strip().lower(), reason=problem.reason))
    named = {s.email for s in skipped}
    now_in = await campaign_emails(instantly, campaign_id)
    reasons = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in summary.skipped_reasons.items())
    for lead in fresh:
        email = _email(lead)
        if email and email not in now_in and email not in named:
            cause = ("in another campaign (skip_leads_in_other_campaigns)" if skip_in_other
                     else "not added by Instantly")
            skipped.append(SkippedLead(email=email, reason=f"{cause}{' - ' + reasons if reasons else ''}"))
    return int(summary.created), skipped


def add_reasons(left_out: dict[str, int], skipped: list[SkippedLead]) -> dict[str, int]:
    """`left_out` (counts by reason) with the skipped new leads counted in, by the reason's first part."""
    out = dict(left_out)
    for s in skipped:
        key = s.reason.split(" - ", 1)[0]
        out[key] = out.get(key, 0) + 1
    return out
