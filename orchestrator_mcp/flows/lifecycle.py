"""Lifecycle sequences: put a contact's lead into the campaign configured for a role
(post-purchase, dunning, renewal, win-back, upsell), with personalization variables.

The lead is moved when it exists (one lead, its history kept), or created in the campaign otherwise.
Re-running is harmless: a lead already in the campaign is only given the new variables.
When the caller names where the contact came from (the campaign that sold it, or the lead itself, as a payment's
metadata does), that lead is the one moved: never another campaign's lead with the same email.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from instantly_mcp.client import InstantlyClient, Lead
from orchestrator_mcp.flows.suppression import why
from orchestrator_mcp.config import PipelineConfig, Role
from orchestrator_mcp.flows.common import Step, custom_variables, move_body
from shared.errors import InputError, NotFound
from shared.store import Contact

if TYPE_CHECKING:
    from shared.store import Store


class LifecycleResult(BaseModel):
    role: str
    campaign_id: str
    email: str
    lead_id: str | None
    action: str  # moved | created | updated | skipped
    steps: list[Step]


def campaign_for(cfg: PipelineConfig, role: Role) -> str:
    campaign = cfg.campaign_roles.get(role)
    if not campaign:
        raise InputError(
            f"no campaign is configured for the {role} role; set it with the configure_pipeline tool "
            f"(campaign_roles: {{\"{role}\": \"<instantly campaign id>\"}})", "role")
    return campaign


async def _source_lead(instantly: InstantlyClient, contact: Contact, target: str, from_campaign: str | None,
                       from_lead: str | None) -> Lead | None:
    """The lead of the named source (or the one already in the target campaign); None: create a new one."""
    if from_lead:
        try:
            lead = await instantly.get_lead(from_lead)
            if lead.campaign in (from_campaign, target) or from_campaign is None:
                return lead
        except NotFound:
            pass
    for campaign in dict.fromkeys(c for c in (from_campaign, target) if c):
        lead = await instantly.find_lead(contact.email, campaign_id=campaign)
        if lead is not None:
            return lead
    return None


async def _current_lead(instantly: InstantlyClient, contact: Contact) -> Lead | None:
    if contact.instantly_lead_id:
        try:
            return await instantly.get_lead(contact.instantly_lead_id)
        except NotFound:
            pass
    return await instantly.find_lead(contact.email)


async def start_lifecycle(
    role: Role, contact: Contact, variables: dict[str, Any], *, cfg: PipelineConfig, instantly: InstantlyClient,
    store: Store, from_campaign: str | None = None, from_lead: str | None = None,
) -> LifecycleResult:
    campaign_id = campaign_for(cfg, role)
    steps: list[Step] = []
    reason = await store.suppression_reason(contact.email)
    if contact.do_not_contact or reason:
        detail = why(reason) if reason else "bounced or unsubscribed"
        steps.append(Step(step="check contact", outcome="skipped", detail=f"{detail}: automation stopped"))
        return LifecycleResult(role=role, campaign_id=campaign_id, email=contact.email,
                               lead_id=contact.instantly_lead_id, action="skipped", steps=steps)
    clean = {k: v for k, v in variables.items() if v is None or isinstance(v, str | int | float | bool)}
    if from_campaign or from_lead:
        lead = await _source_lead(instantly, contact, campaign_id, from_campaign, from_lead)
    else:
        lead = await _current_lead(instantly, contact)
    if lead is None:
        summary = await instantly.import_leads(
            [{"email": contact.email, "first_name": contact.first_name, "last_name": contact.last_name,
              "company_name": contact.company, "custom_variables": clean}],
            campaign_id=campaign_id, skip_if_in_campaign=True,
        )
        lead = await instantly.find_lead(contact.email, campaign_id=campaign_id)
        steps.append(Step(step=f"add lead to {role} campaign", outcome="done",
                          detail=f"created={summary.created}"))
        action = "created"
    elif lead.campaign == campaign_id:
        steps.append(Step(step=f"add lead to {role} campaign", outcome="reused", detail=lead.id))
        action = "updated"
    else:
        await instantly.move_leads(move_body(lead, campaign_id))
        steps.append(Step(step=f"move lead to {role} campaign", outcome="done", detail=lead.id))
        action = "moved"
    if lead is not None and clean and action != "created":
        merged = {**custom_variables(lead), **clean}
        await instantly.update_lead(lead.id, {"custom_variables": merged})
        steps.append(Step(step="write personalization variables", outcome="done", detail=", ".join(sorted(clean))))
    lead_id = lead.id if lead is not None else None
    await store.link_ids(contact.email, lead_id=lead_id, campaign_id=campaign_id)
    return LifecycleResult(role=role, campaign_id=campaign_id, email=contact.email, lead_id=lead_id, action=action,
                           steps=steps)
