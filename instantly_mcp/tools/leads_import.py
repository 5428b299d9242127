"""Bulk lead import of any size, with progress per batch and one merged summary."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema, field_validator, model_validator

from instantly_mcp.client import NewLead, Problem
from instantly_mcp.client.models import check_custom_variables
from instantly_mcp.deps import MAX_LEADS_ENV, InstantlyDeps
from instantly_mcp.tools.box import TOOLBOX
from instantly_mcp.tools.common import client_of
from instantly_mcp.tools.resolve import Names, label
from shared.errors import InputError
from shared.render import plural
from shared.tooling import Call, ToolInput, ToolResult

VERIFIED = frozenset({"verified", "valid", "deliverable", "ok", "safe"})
MAX_LISTED_PROBLEMS = 10  # examples listed per kind of problem; every problem is counted by reason
# Typed lead fields that Instantly has no column for: they travel as custom variables ({{icebreaker}} etc.).
CUSTOM_FIELDS = ("icebreaker", "subject_line", "city", "country", "industry", "rating", "linkedin_url")
VARIABLES_SCHEMA = {"additionalProperties": {"type": ["string", "number", "boolean", "null"]}}


class LeadFields(ToolInput):
    """A lead's own fields, shared by import and update."""

    first_name: str | None = Field(None, description="First name.")
    last_name: str | None = Field(None, description="Last name.")
    company_name: str | None = Field(None, description="Company.")
    job_title: str | None = Field(None, description="Job title.")
    phone: str | None = Field(None, description="Phone.")
    website: str | None = Field(None, description="Website.")
    personalization: str | None = Field(None, description="Personalization.")


class LeadIn(LeadFields):
    email: str | None = Field(None, description="Email (campaigns need it).")
    icebreaker: str | None = Field(None, description="{{icebreaker}}")
    subject_line: str | None = Field(None, description="{{subject_line}}")
    city: str | None = Field(None, description="{{city}}")
    country: str | None = Field(None, description="{{country}}")
    industry: str | None = Field(None, description="{{industry}}")
    rating: float | None = Field(None, description="{{rating}}")
    linkedin_url: str | None = Field(None, description="{{linkedin_url}}")
    email_status: str | None = Field(None, description="Your source's verification, e.g. verified.")
    custom_variables: dict[str, Any] | None = Field(
        None, description="Other variables (flat).", json_schema_extra=VARIABLES_SCHEMA)

    @field_validator("custom_variables")
    @classmethod
    def _flat(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return check_custom_variables(value) if value else value

    def verified(self) -> bool:
        return (self.email_status or "").strip().lower() in VERIFIED

    def to_payload(self) -> dict[str, Any]:
        """The client's NewLead fields (validated there, so a bad lead is reported, not fatal)."""
        variables = dict(self.custom_variables or {})
        variables.update({k: getattr(self, k) for k in CUSTOM_FIELDS if getattr(self, k) is not None})
        native = self.model_dump(include=set(NewLead.model_fields) - {"custom_variables"}, exclude_none=True)
        return {**native, "custom_variables": variables}


# One described list instead of a described property per lead field (the LeadIn model validates all the same).
LEADS_SCHEMA = WithJsonSchema({"type": "array", "minItems": 1, "items": {"type": "object"}, "description": (
    "Any number (sent in batches of 1,000): [{email, first_name, last_name, company_name, job_title, phone, "
    "website, personalization, icebreaker, subject_line, city, country, industry, rating, linkedin_url, "
    "email_status (your source's check, e.g. verified), custom_variables: {name: value}}].")})


class ImportLeads(ToolInput):
    leads: Annotated[list[LeadIn], LEADS_SCHEMA] = Field(min_length=1)
    campaign_id: str | None = Field(None, description="Target campaign, name or id (or list_id).")
    list_id: str | None = Field(None, description="Target lead list, name or id (or campaign_id).")
    skip_if_in: Literal["workspace", "any_campaign", "any_list"] | None = Field(
        None, description="Also skip leads already in the workspace / any campaign / any list.")
    skip_unverified: bool = Field(False, description="Skip leads whose email_status is not verified.")
    verify_on_import: bool = Field(False, description="Instantly verifies emails after import.")
    update_existing: bool = Field(False, description="Update leads already in the target.")
    max_leads: int | None = Field(None, ge=1, description="Refuse more leads than this.")

    @model_validator(mode="after")
    def _one_target(self) -> ImportLeads:
        if bool(self.campaign_id) == bool(self.list_id):
            raise ValueError("give exactly one of campaign_id or list_id")
        return self


class ImportResult(ToolResult):
    total: int
    created: int
    updated: int
    skipped: int
    invalid: int
    failed: int
    skipped_reasons: dict[str, int]
    invalid_reasons: dict[str, int] = {}
    failed_reasons: dict[str, int] = {}
    invalid_items: list[dict[str, Any]]
    failed_items: list[dict[str, Any]]
    batches: int
    retried_batches: int
    failed_batches: int
    remaining_in_plan: int | None = None

    target: str = ""

    def summary(self) -> str:
        def why(reasons: dict[str, int]) -> str:
            return f" ({', '.join(f'{k} {v}' for k, v in sorted(reasons.items()))})" if reasons else ""

        into = f" into {self.target}" if self.target else ""
        text = (f"{plural(self.total, 'lead')}{into}: {self.created} created, {self.updated} updated, "
                f"{self.skipped} skipped{why(self.skipped_reasons)}, {self.invalid} invalid"
                f"{why(self.invalid_reasons)}, {self.failed} failed{why(self.failed_reasons)} in "
                f"{plural(self.batches, 'batch', 'batches')}.")
        if self.invalid_items or self.failed_items:
            text += f" The first {MAX_LISTED_PROBLEMS} problems of each kind are listed."
        if self.failed:
            text += " Failed leads were not added; re-run with just those (already added ones are skipped)."
        return text


def _listed(problems: list[Problem]) -> list[dict[str, Any]]:
    """The first few examples (the counts by reason say how many there are in all)."""
    return [p.model_dump(exclude_none=True) for p in problems[:MAX_LISTED_PROBLEMS]]


def _reasons(problems: list[Problem]) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in problems:
        out[p.reason] = out.get(p.reason, 0) + p.count
    return out


@TOOLBOX.tool(toolset="leads", title="Import leads", read_only=False, destructive=False, idempotent=True,
              open_world=True)
async def instantly_import_leads(call: Call[InstantlyDeps], args: ImportLeads) -> ImportResult:
    """Add any number of leads to a campaign or list, with progress. Invalid emails are reported, not sent;
    duplicates folded; re-running is safe (an email already in the target is skipped). Give each lead the
    custom variables its campaign's steps use ({{icebreaker}}, ...)."""
    cap = call.deps.max_leads_per_import()
    limit = min(cap, args.max_leads or cap)
    if len(args.leads) > limit:
        source = "max_leads" if args.max_leads and args.max_leads <= cap else MAX_LEADS_ENV
        raise InputError(f"{len(args.leads)} leads is over the per-call cap of {limit} ({source}); "
                         "split the import into smaller calls or raise the cap", "leads")
    positions = [i for i, lead in enumerate(args.leads) if not args.skip_unverified or lead.verified()]
    wanted = [args.leads[i] for i in positions]
    unverified = len(args.leads) - len(wanted)
    client = await client_of(call)
    names = Names(client)
    if args.campaign_id:
        campaign = await names.campaign(args.campaign_id)
        campaign_id, list_id, target = campaign.id, None, f"campaign {label(campaign.name, campaign.id)}"
    else:
        found = await names.lead_list(args.list_id or "")
        campaign_id, list_id, target = None, found.id, f"lead list {label(found.name, found.id)}"

    async def progress(done: int, of: int, message: str) -> None:
        await call.progress(done, of, message)

    summary = await client.import_leads(
        [lead.to_payload() for lead in wanted], campaign_id=campaign_id, list_id=list_id,
        skip_if_in_workspace=args.skip_if_in == "workspace", skip_if_in_campaign=args.skip_if_in == "any_campaign",
        skip_if_in_list=args.skip_if_in == "any_list", verify_leads_on_import=args.verify_on_import,
        update_existing=args.update_existing, progress=progress,
    )
    for problem in (*summary.invalid_items, *summary.failed_items):
        if problem.index is not None:
            problem.index = positions[problem.index]  # back to the caller's numbering
    reasons = dict(summary.skipped_reasons)
    if unverified:
        reasons["not_verified"] = unverified
    return ImportResult(
        total=len(args.leads), created=summary.created, updated=summary.updated,
        skipped=summary.skipped + unverified, invalid=summary.invalid, failed=summary.failed,
        skipped_reasons=reasons, invalid_reasons=_reasons(summary.invalid_items),
        failed_reasons=_reasons(summary.failed_items), target=target, invalid_items=_listed(summary.invalid_items),
        failed_items=_listed(summary.failed_items), batches=summary.batches,
        retried_batches=summary.retried_batches, failed_batches=summary.failed_batches,
        remaining_in_plan=summary.remaining_in_plan,
    )
