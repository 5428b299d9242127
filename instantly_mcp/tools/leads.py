"""Lead tools: list/export, get, update, delete, move or copy, interest status."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from instantly_mcp.client import Lead
from instantly_mcp.client.bulk import email_problem
from instantly_mcp.client.enums import (
    INTEREST_CODE, INTEREST_STATUS, LEAD_FILTER, LEAD_STATUS, VERIFICATION_STATUS, InterestName, LeadFilterName,
    name_of,
)
from instantly_mcp.client.models import check_custom_variables, payload_variables
from instantly_mcp.deps import InstantlyDeps
from instantly_mcp.tools import TOOLBOX
from instantly_mcp.tools.common import (
    CURSOR_DESCRIPTION, ActionResult, ItemsResult, ObjectResult, client_of, obj, page_result, preview,
)
from instantly_mcp.tools.leads_import import VARIABLES_SCHEMA, LeadFields
from shared.errors import InputError
from shared.safety import ConfirmInput
from shared.tooling import Call, ToolInput

def _variables(lead: Lead) -> dict[str, Any]:
    return payload_variables(lead.payload)  # scalar custom variables only: what PATCH accepts back


def _brief(lead: Lead) -> dict[str, Any]:
    out = lead.pick("id", "email", "first_name", "last_name", "company_name", "campaign", "list_id")
    out["status"] = name_of(LEAD_STATUS, lead.status)
    if lead.lt_interest_status is not None:
        out["interest"] = name_of(INTEREST_STATUS, lead.lt_interest_status)
    if variables := _variables(lead):
        out["custom_variables"] = variables
    return out


def _full(lead: Lead) -> ObjectResult:
    return obj(lead, "Lead", status=name_of(LEAD_STATUS, lead.status),
               lt_interest_status=name_of(INTEREST_STATUS, lead.lt_interest_status),
               verification_status=name_of(VERIFICATION_STATUS, lead.verification_status))


class ListLeads(ToolInput):
    campaign_id: str | None = Field(None, description="Only leads of this campaign.")
    list_id: str | None = Field(None, description="Only leads of this list.")
    search: str | None = Field(None, description="Match on name or email.")
    filter: LeadFilterName | None = Field(None, description="Status filter.")
    emails: list[str] | None = Field(None, description="Only these emails.")
    limit: int = Field(25, ge=1, le=10000, description="Max leads; up to 10,000 to export all pages.")
    starting_after: str | None = Field(None, description=CURSOR_DESCRIPTION)


@TOOLBOX.tool(toolset="leads", title="List or export leads", read_only=True, destructive=False, idempotent=True,
              open_world=True)
async def instantly_list_leads(call: Call[InstantlyDeps], args: ListLeads) -> ItemsResult:
    """List or export leads with filters (walks pages up to limit; has_more says if more remain)."""
    client = await client_of(call)
    filters = {"campaign": args.campaign_id, "list_id": args.list_id, "search": args.search,
               "filter": LEAD_FILTER[args.filter] if args.filter else None, "contacts": args.emails}
    page = await client.list_leads(filters, max_items=args.limit, starting_after=args.starting_after)
    return page_result(page, [_brief(lead) for lead in page.items], "leads")


class LeadRef(ToolInput):
    lead_id: str | None = Field(None, description="Lead id (or give email).")
    email: str | None = Field(None, description="Lead email (or give lead_id).")
    campaign_id: str | None = Field(None, description="With email: the lead's campaign.")

    @model_validator(mode="after")
    def _one(self) -> LeadRef:
        if not (self.lead_id or self.email):
            raise ValueError("give lead_id or email")
        return self


async def _resolve(call: Call[InstantlyDeps], ref: LeadRef) -> Lead:
    client = await client_of(call)
    if ref.lead_id:
        return await client.get_lead(ref.lead_id)
    lead = await client.find_lead(ref.email or "", campaign_id=ref.campaign_id)
    if lead is None:
        raise InputError(f"no lead with email {ref.email} (check the spelling or the campaign)", "email")
    return lead


@TOOLBOX.tool(toolset="leads", title="Get lead", read_only=True, destructive=False, idempotent=True, open_world=True)
async def instantly_get_lead(call: Call[InstantlyDeps], args: LeadRef) -> ObjectResult:
    """One lead by id or email, with status, interest, engagement counts and custom variables."""
    return _full(await _resolve(call, args))


class UpdateLead(LeadFields, LeadRef):
    custom_variables: dict[str, Any] | None = Field(
        None, description="Variables to set (merged into the existing ones; null value = empty).",
        json_schema_extra=VARIABLES_SCHEMA)
    replace_variables: bool = Field(False, description="Replace all custom variables instead of merging.")

    @field_validator("custom_variables")
    @classmethod
    def _flat(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return check_custom_variables(value) if value else value


@TOOLBOX.tool(toolset="leads", title="Update lead", read_only=False, destructive=False, idempotent=True,
              open_world=True)
async def instantly_update_lead(call: Call[InstantlyDeps], args: UpdateLead) -> ObjectResult:
    """Change a lead's fields and custom variables (merged unless replace_variables)."""
    lead = await _resolve(call, args)
    body = args.model_dump(include={"first_name", "last_name", "company_name", "job_title", "phone", "website",
                                    "personalization"}, exclude_none=True)
    if args.custom_variables is not None:
        merged = {} if args.replace_variables else _variables(lead)
        body["custom_variables"] = {**merged, **args.custom_variables}
    if not body:
        raise InputError("nothing to change: give at least one field", "custom_variables")
    return _full(await (await client_of(call)).update_lead(lead.id, body))


class DeleteLead(ConfirmInput):
    lead_id: str = Field(description="Lead id.")


@TOOLBOX.tool(toolset="leads", title="Delete lead", read_only=False, destructive=True, idempotent=True,
              open_world=True)
async def instantly_delete_lead(call: Call[InstantlyDeps], args: DeleteLead) -> ActionResult:
    """Delete a lead for good. Needs confirm=true; otherwise a preview."""
    client = await client_of(call)
    lead = await client.get_lead(args.lead_id)
    label = f"lead {lead.email or lead.id} ({lead.id})"
    if not args.confirm:
        return preview(f"Would permanently delete {label} and its history.")
    await client.delete_lead(args.lead_id)
    return ActionResult(executed=True, message=f"Deleted {label}.")


class MoveLeads(ToolInput):
    lead_ids: list[str] | None = Field(None, description="Leads to move (with from_campaign_id or from_list_id).")
    emails: list[str] | None = Field(None, description="Or: leads with these emails.")
    from_campaign_id: str | None = Field(None, description="Source campaign (all its leads if no ids/emails).")
    from_list_id: str | None = Field(None, description="Source list (all its leads if no ids/emails).")
    to_campaign_id: str | None = Field(None, description="Destination campaign.")
    to_list_id: str | None = Field(None, description="Destination list.")
    mode: Literal["move", "copy"] = Field("move", description="copy keeps them in the source too.")

    @model_validator(mode="after")
    def _shape(self) -> MoveLeads:
        if bool(self.to_campaign_id) == bool(self.to_list_id):
            raise ValueError("give exactly one of to_campaign_id or to_list_id")
        if not (self.lead_ids or self.emails or self.from_campaign_id or self.from_list_id):
            raise ValueError("say which leads: lead_ids, emails, from_campaign_id or from_list_id")
        if self.lead_ids and not (self.from_campaign_id or self.from_list_id):
            raise ValueError("lead_ids need from_campaign_id or from_list_id as their scope")
        for email in self.emails or []:
            if problem := email_problem(email):
                raise ValueError(f"emails: {email!r} is {problem}")
        return self


@TOOLBOX.tool(toolset="leads", title="Move or copy leads", read_only=False, destructive=False, idempotent=False,
              open_world=True)
async def instantly_move_leads(call: Call[InstantlyDeps], args: MoveLeads) -> ObjectResult:
    """Move or copy leads into a campaign or list (a background job: see instantly_get_job)."""
    body: dict[str, Any] = {
        "ids": args.lead_ids, "contacts": args.emails, "campaign": args.from_campaign_id,
        "list_id": args.from_list_id, "to_campaign_id": args.to_campaign_id, "to_list_id": args.to_list_id,
        "copy_leads": args.mode == "copy" or None, "check_duplicates": True,
    }
    job = await (await client_of(call)).move_leads({k: v for k, v in body.items() if v is not None})
    return obj(job, "Background job")


class SetInterest(ToolInput):
    email: str = Field(description="Lead email.")
    status: InterestName = Field(description="New interest status; lead = reset.")
    campaign_id: str | None = Field(None, description="Campaign of the lead.")
    list_id: str | None = Field(None, description="List of the lead.")


@TOOLBOX.tool(toolset="leads", title="Set lead interest", read_only=False, destructive=False, idempotent=True,
              open_world=True)
async def instantly_set_lead_interest(call: Call[InstantlyDeps], args: SetInterest) -> ActionResult:
    """Queue a lead's interest status change (interested, won, ...); Instantly applies it within seconds."""
    if problem := email_problem(args.email):
        raise InputError(f"{args.email!r} is {problem}", "email")
    # 202: Instantly accepted the change and applies it later (updateLeadInterestStatus documents only 202).
    message = await (await client_of(call)).set_interest_status(
        args.email, INTEREST_CODE[args.status], campaign_id=args.campaign_id, list_id=args.list_id)
    return ActionResult(
        executed=True,
        message=f"{args.email}: change to {args.status} queued; Instantly applies it shortly ({message}).",
        object={"email": args.email, "status": args.status, "code": INTEREST_CODE[args.status], "state": "queued"})
