"""Which leads of a campaign qualify for a payment link, and why (score and reasons from engagement)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from instantly_mcp.client import InstantlyClient, Lead
from orchestrator_mcp.config import PipelineConfig
from orchestrator_mcp.flows.suppression import why
from orchestrator_mcp.flows.sync import apply_lead, lead_fields
from orchestrator_mcp.scoring import INTEREST_NAMES

if TYPE_CHECKING:
    from shared.store import Store


MAX_SCAN = 20_000


class Candidate(BaseModel):
    lead_id: str
    lead: Lead | None = Field(None, exclude=True)  # as listed, so the flow need not fetch it again
    email: str
    score: float
    reasons: str
    skip_reason: str | None = None


def describe_engagement(fields: dict[str, Any]) -> str:
    parts = [f"{n} {one if n == 1 else many}"
             for key, one, many in (("opens", "open", "opens"), ("clicks", "click", "clicks"),
                                    ("replies", "reply", "replies"))
             if (n := int(fields.get(key) or 0))]
    interest = fields.get("interest_status")
    if interest in INTEREST_NAMES:
        parts.append(INTEREST_NAMES[interest].replace("_", " "))
    return ", ".join(parts) or "no engagement"


async def qualify_leads(
    instantly: InstantlyClient, store: Store, cfg: PipelineConfig, *, campaign_id: str, min_score: float,
    record: bool = True,
) -> tuple[list[Candidate], list[Candidate]]:
    """(qualified best first, skipped with reasons). With record=True the scores are stored on the contacts;
    with record=False (a preview) the store is only read."""
    qualified: list[Candidate] = []
    skipped: list[Candidate] = []
    cursor: str | None = None
    seen = 0
    while seen < MAX_SCAN:
        page = await instantly.list_leads({"campaign": campaign_id}, max_items=min(1000, MAX_SCAN - seen),
                                          starting_after=cursor)
        suppressed = await store.suppressed([lead.email for lead in page.items if lead.email])
        for lead in page.items:
            seen += 1
            if not lead.email:
                continue
            existing = await store.get_contact(email=lead.email)
            fields = lead_fields(lead, cfg, existing)
            if record:
                contact = await apply_lead(store, lead, cfg)
                email, dnc, status = contact.email, contact.do_not_contact, contact.conversion_status
            else:
                email, dnc, status = lead.email.strip().lower(), fields["do_not_contact"], fields["conversion_status"]
            cand = Candidate(lead_id=lead.id, lead=lead, email=email, score=fields["email_engagement_score"],
                             reasons=f"{describe_engagement(fields)}; score {fields['email_engagement_score']:g}")
            if lead.email in suppressed:
                cand.skip_reason = why(suppressed[lead.email])
            elif dnc:
                cand.skip_reason = "bounced or unsubscribed"
            elif status in ("payment_link_sent", "customer"):
                cand.skip_reason = f"already {status.replace('_', ' ')}"
            elif cand.score < min_score:
                cand.skip_reason = f"score {cand.score:g} below {min_score:g}"
            (skipped if cand.skip_reason else qualified).append(cand)
        cursor = page.next_starting_after
        if not page.has_more or not cursor:
            break
    qualified.sort(key=lambda c: c.score, reverse=True)
    return qualified, skipped
