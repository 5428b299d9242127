"""What the flows share: operation keys, step reports, lead lookups and custom-variable merging."""

from __future__ import annotations

import hashlib
import json
import time
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from instantly_mcp.client import InstantlyClient, Lead
from shared.errors import AppError, InputError, NotFound
from shared.store import Contact

if TYPE_CHECKING:
    from shared.store import Store

Interval = Literal["day", "week", "month", "year"]  # a recurring price's billing interval

# Copies of core lead fields that Instantly mixes into `payload`; they are not custom variables.
CORE_PAYLOAD_KEYS = {
    "email", "firstName", "lastName", "companyName", "jobTitle", "website", "phone", "personalization",
    "first_name", "last_name", "company_name", "job_title",
}


def op_key(kind: str, *parts: Any) -> str:
    """A stable key for one composite operation: the same inputs give the same key on every retry."""
    digest = hashlib.sha256(json.dumps([kind, *parts], sort_keys=True, default=str).encode()).hexdigest()
    return f"{kind}:{digest[:32]}"


def params_key(op: str, step: str, params: Any) -> str:
    """Idempotency key for one write of an operation; includes the params so a changed request never collides."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:12]
    return f"{op}:{step}:{digest}"


class Step(BaseModel):
    step: str = Field(description="What this step does.")
    outcome: Literal["done", "reused", "skipped", "failed", "planned"] = Field(
        description="done, reused (already there), skipped, failed, or planned (a preview: would be done).")
    detail: str | None = Field(None, description="Ids or the reason.")


class StepFailed(AppError):
    """A composite operation stopped at a step; the message lists what was done and says it is safe to retry."""

    def __init__(self, steps: list[Step], cause: BaseException) -> None:
        from shared.errors import describe

        done = "; ".join(f"{s.step}: {s.outcome}" for s in steps[:-1]) or "nothing"
        super().__init__(
            f"Stopped at step '{steps[-1].step}': {describe(cause)} Completed before it: {done}. "
            "Every step checks state first, so calling the same tool again with the same arguments is safe."
        )
        self.steps = steps


def custom_variables(lead: Lead) -> dict[str, Any]:
    """The lead's own custom variables (Instantly returns them merged into payload)."""
    payload = lead.payload or {}
    return {k: v for k, v in payload.items()
            if k not in CORE_PAYLOAD_KEYS and (v is None or isinstance(v, str | int | float | bool))}


def move_body(lead: Lead, to_campaign_id: str) -> dict[str, Any]:
    """POST /leads/move for one lead: `ids` must be scoped by the campaign or list the lead is in."""
    body: dict[str, Any] = {"ids": [lead.id], "to_campaign_id": to_campaign_id}
    if lead.campaign:
        body["campaign"] = lead.campaign
    elif lead.list_id:
        body["list_id"] = lead.list_id
    return body


async def resolve_lead(
    instantly: InstantlyClient, *, email: str | None = None, lead_id: str | None = None,
    campaign_id: str | None = None,
) -> Lead:
    if lead_id:
        return await instantly.get_lead(lead_id)
    if not email:
        raise InputError("give the lead's email or its Instantly lead id", "lead_email")
    # Within a campaign only: the same email in another campaign is another lead, never written to here.
    lead = await instantly.find_lead(email, campaign_id=campaign_id)
    if lead is not None and campaign_id and lead.campaign not in (None, campaign_id):
        lead = None
    if lead is None:
        where = f" in campaign {campaign_id}" if campaign_id else ""
        raise NotFound("Instantly", f"No lead with email {email}{where}. Import the lead first.", status=404)
    return lead


async def contact_for_lead(store: Store, lead: Lead) -> Contact:
    if not lead.email:
        raise InputError(f"lead {lead.id} has no email address", "lead_id")
    contact = await store.upsert_contact(
        lead.email, first_name=lead.first_name, last_name=lead.last_name, company=lead.company_name,
        instantly_lead_id=lead.id,
    )
    if lead.campaign and lead.campaign not in contact.instantly_campaign_ids:
        contact = await store.update_contact(
            contact.id, instantly_campaign_ids=[*contact.instantly_campaign_ids, lead.campaign],
            source_campaign=contact.source_campaign or lead.campaign,
        ) or contact
    return contact


def now() -> float:
    return time.time()
