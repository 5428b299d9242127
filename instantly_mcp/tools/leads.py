"""Lead tools: list/export or get, update (fields, variables, interest status), move or copy."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema, field_validator, model_validator

from instantly_mcp.client import Lead, Page
from instantly_mcp.client.bulk import email_problem
from instantly_mcp.client.enums import (
    INTEREST_CODE, INTEREST_STATUS, LEAD_FILTER, LEAD_STATUS, VERIFICATION_STATUS, InterestName, LeadFilterName,
    name_of,
)
from instantly_mcp.client.models import check_custom_variables, payload_variables
from instantly_mcp.deps import InstantlyDeps
from instantly_mcp.tools.box import TOOLBOX
from instantly_mcp.tools.common import CURSOR_DESCRIPTION, ItemsResult, ObjectResult, client_of, obj, page_result
from instantly_mcp.tools.leads_import import VARIABLES_SCHEMA, LeadFields
from instantly_mcp.tools.resolve import Names, label
from shared.errors import InputError, describe
from shared.render import plural
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


def _full(lead: Lead) -> dict[str, Any]:
    out = lead.as_dict()
    for key, value in (("status", name_of(LEAD_STATUS, lead.status)),
                       ("lt_interest_status", name_of(INTEREST_STATUS, lead.lt_interest_status)),
                       ("verification_status", name_of(VERIFICATION_STATUS, lead.verification_status))):
        if value is not None:
            out[key] = value
    return out


def _full_result(lead: Lead) -> ObjectResult:
    return obj(_full(lead), "Lead")


FILTER_SCHEMA = WithJsonSchema({"type": "string", "description": (
    "Status filter, e.g. interested, replied, opened_no_reply, link_clicked, not_contacted, bounced, "
    "meeting_booked, unsubscribed (a wrong value lists them all).")})


class ListLeads(ToolInput):
    campaign_id: str | None = Field(None, description="Only this campaign's leads (name or id).")
    list_id: str | None = Field(None, description="Only this list's leads (name or id).")
    search: str | None = Field(None, description="Match on name or email.")
    filter: Annotated[LeadFilterName | None, FILTER_SCHEMA] = None
    leads: list[str] | None = Field(None, max_length=100, description="Lead emails or ids: these leads in full.")
    limit: int = Field(25, ge=1, le=10000, description="Max leads; up to 10,000 to export all pages.")
    starting_after: str | None = Field(None, description=CURSOR_DESCRIPTION)


@TOOLBOX.tool(toolset="leads", title="List, export or get leads", read_only=True, destructive=False,
              idempotent=True, open_world=True)
async def instantly_list_leads(call: Call[InstantlyDeps], args: ListLeads) -> ItemsResult:
    """List or export leads with filters, or get leads in full by email or id."""
    names = Names(await client_of(call))
    campaign_id = await names.campaign_id(args.campaign_id)
    list_id = await names.list_id(args.list_id)
    if args.leads:
        found = [await names.lead(ref, campaign_id=campaign_id, list_id=list_id, field="leads") for ref in args.leads]
        out = page_result(Page(items=found), await names.name_rows([_full(x) for x in found]), "lead", cursor=None)
        out._headline = "; ".join(f"Lead {label(x.email, x.id)}, {name_of(LEAD_STATUS, x.status)}"
                                  for x in found[:10]) + "."
        return out
    filters = {"campaign": campaign_id, "list_id": list_id, "search": args.search,
               "filter": LEAD_FILTER[args.filter] if args.filter else None}
    page = await names.client.list_leads(filters, max_items=args.limit, starting_after=args.starting_after)
    return page_result(page, await names.name_rows([_brief(lead) for lead in page.items]), "lead")


class UpdateLead(LeadFields):
    lead: str | None = Field(None, description="Lead id or email.")
    leads: list[str] | None = Field(None, max_length=1000, description="Or many leads (ids or emails), for an "
                                                                      "interest change.")
    campaign_id: str | None = Field(None, description="With an email: the lead's campaign (name or id).")
    custom_variables: dict[str, Any] | None = Field(
        None, description="Variables to set (merged; null value = empty).", json_schema_extra=VARIABLES_SCHEMA)
    replace_variables: bool = Field(False, description="Replace all custom variables instead of merging.")
    interest: InterestName | None = Field(None, description="New interest status (lead = reset); Instantly "
                                                             "applies it within seconds.")

    @field_validator("custom_variables")
    @classmethod
    def _flat(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return check_custom_variables(value) if value else value

    @model_validator(mode="after")
    def _who(self) -> UpdateLead:
        if bool(self.lead) == bool(self.leads):
            raise ValueError("give lead (one lead) or leads (many, for an interest change)")
        if self.leads and (self.interest is None or self.custom_variables is not None or self.model_dump(
                include=set(LeadFields.model_fields), exclude_none=True)):
            raise ValueError("leads (many) change the interest status only: give interest, and no other field")
        return self


async def _bulk_interest(call: Call[InstantlyDeps], names: Names, refs: list[str], interest: str,
                         campaign_id: str | None) -> ObjectResult:
    """Queue one interest change per lead (Instantly has no bulk endpoint for it), four at a time, with progress;
    one lead's failure is reported and the rest go on."""
    queued: list[str] = []
    failed: dict[str, str] = {}
    gate, done = asyncio.Semaphore(4), 0
    refs = list(dict.fromkeys(r.strip() for r in refs if r.strip()))

    async def one(ref: str) -> None:
        nonlocal done
        async with gate:
            try:
                lead = await names.lead(ref, campaign_id=campaign_id)
                await names.client.set_interest_status(lead.email or "", INTEREST_CODE[interest],
                                                       campaign_id=lead.campaign or campaign_id, list_id=lead.list_id)
                queued.append(lead.email or ref)
            except Exception as exc:  # noqa: BLE001 - reported per lead
                failed[ref] = describe(exc)
            done += 1
            await call.progress(done, len(refs), ref)

    await asyncio.gather(*(one(r) for r in refs))
    out = obj({"interest": interest, "queued": len(queued), "failed": len(failed),
               "failures": dict(list(failed.items())[:20]), "sample": queued[:10]},
              f"Interest change to {interest} queued for {plural(len(queued), 'lead')}"
              + (f", {len(failed)} failed" if failed else "") + "; Instantly applies it shortly")
    return out


@TOOLBOX.tool(toolset="leads", title="Update lead", read_only=False, destructive=False, idempotent=True,
              open_world=True)
async def instantly_update_lead(call: Call[InstantlyDeps], args: UpdateLead) -> ObjectResult:
    """Change a lead's fields, custom variables (merged unless replace_variables) or interest status; or the
    interest status of many leads."""
    names = Names(await client_of(call))
    campaign_id = await names.campaign_id(args.campaign_id)
    if args.leads:
        return await _bulk_interest(call, names, args.leads, args.interest or "lead", campaign_id)
    lead = await names.lead(args.lead or "", campaign_id=campaign_id)
    body = args.model_dump(include={"first_name", "last_name", "company_name", "job_title", "phone", "website",
                                    "personalization"}, exclude_none=True)
    if args.custom_variables is not None:
        merged = {} if args.replace_variables else _variables(lead)
        body["custom_variables"] = {**merged, **args.custom_variables}
    if not body and args.interest is None:
        raise InputError("nothing to change: give at least one field, custom_variables or interest", "lead")
    if body:
        lead = await names.client.update_lead(lead.id, body)
    if args.interest is None:
        return _full_result(lead)
    # 202: Instantly accepted the change and applies it later (updateLeadInterestStatus documents only 202).
    answer = await names.client.set_interest_status(lead.email or "", INTEREST_CODE[args.interest],
                                                     campaign_id=lead.campaign or campaign_id, list_id=lead.list_id)
    out = _full_result(lead)
    out.object["interest_change"] = {"status": args.interest, "code": INTEREST_CODE[args.interest],
                                     "state": "queued", "message": answer}
    out._noun = f"Lead (interest change to {args.interest} queued; Instantly applies it shortly)"
    return out


class MoveLeads(ToolInput):
    lead_ids: list[str] | None = Field(None, description="Leads to move (with from_campaign_id or from_list_id).")
    emails: list[str] | None = Field(None, description="Or: leads with these emails.")
    from_campaign_id: str | None = Field(None, description="Source campaign, name or id (all its leads if no "
                                                           "ids/emails).")
    from_list_id: str | None = Field(None, description="Source list, name or id (all its leads if no ids/emails).")
    to_campaign_id: str | None = Field(None, description="Destination campaign (name or id).")
    to_list_id: str | None = Field(None, description="Destination list (name or id).")
    filter: Annotated[LeadFilterName | None, WithJsonSchema({"type": "string", "description": (
        "Only source leads in this status (values as instantly_list_leads' filter), e.g. interested.")})] = None
    mode: Literal["move", "copy"] = Field("move", description="copy keeps them in the source too.")

    @model_validator(mode="after")
    def _shape(self) -> MoveLeads:
        if bool(self.to_campaign_id) == bool(self.to_list_id):
            raise ValueError("give exactly one of to_campaign_id or to_list_id")
        if not (self.lead_ids or self.emails or self.from_campaign_id or self.from_list_id):
            raise ValueError("say which leads: lead_ids, emails, from_campaign_id or from_list_id")
        if self.lead_ids and not (self.from_campaign_id or self.from_list_id):
            raise ValueError("lead_ids need from_campaign_id or from_list_id as their scope")
        if self.filter and not (self.from_campaign_id or self.from_list_id):
            raise ValueError("filter needs from_campaign_id or from_list_id as its scope")
        for email in self.emails or []:
            if problem := email_problem(email):
                raise ValueError(f"emails: {email!r} is {problem}")
        return self


@TOOLBOX.tool(toolset="leads", title="Move or copy leads", read_only=False, destructive=False, idempotent=False,
              open_world=True)
async def instantly_move_leads(call: Call[InstantlyDeps], args: MoveLeads) -> ObjectResult:
    """Move or copy leads into a campaign or list (a background job: instantly_list kind=job)."""
    names = Names(await client_of(call))
    body: dict[str, Any] = {
        "ids": args.lead_ids, "contacts": args.emails,
        "campaign": await names.campaign_id(args.from_campaign_id, "from_campaign_id"),
        "list_id": await names.list_id(args.from_list_id, "from_list_id"),
        "to_campaign_id": await names.campaign_id(args.to_campaign_id, "to_campaign_id"),
        "to_list_id": await names.list_id(args.to_list_id, "to_list_id"),
        "filter": LEAD_FILTER[args.filter] if args.filter else None,
        "copy_leads": args.mode == "copy" or None, "check_duplicates": True,
    }
    job = await names.client.move_leads({k: v for k, v in body.items() if v is not None})
    return obj(job, "Background job")
