"""Contact tools: mapping between lead and customer, sync, look-up, and forgetting a person."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.flows.common import custom_variables, resolve_lead
from orchestrator_mcp.flows.sync import sync_contact as sync_one
from orchestrator_mcp.flows.sync import sync_contacts as sync_all
from orchestrator_mcp.mapping import customer_to_lead, lead_to_customer
from orchestrator_mcp.tools import TOOLBOX
from orchestrator_mcp.tools.live import LIVE_CONFIRM, live_blocked
from shared.errors import NotFound
from shared.safety import ConfirmInput, GatedResult
from shared.store import Contact
from shared.tooling import Call, ToolInput, ToolResult

STATUSES = Literal["prospect", "contacted", "engaged", "payment_link_sent", "customer", "churned"]


class ContactOut(ToolResult):
    contact: Contact

    def summary(self) -> str:
        c = self.contact
        money = f", revenue {c.total_revenue} {c.revenue_currency}" if c.total_revenue else ""
        return (f"{c.email}: {c.conversion_status}, score {c.email_engagement_score:g}, lead {c.instantly_lead_id}, "
                f"customer {c.stripe_customer_id}{money}.")


class LeadRef(ToolInput):
    lead_email: str | None = Field(None, description="Lead email (or lead_id).")
    lead_id: str | None = Field(None, description="Instantly lead id.")
    apply: bool = Field(False, description="Also create or update the Stripe customer (else only show the mapping).")
    confirm: bool = Field(False, description=LIVE_CONFIRM)

    @model_validator(mode="after")
    def _one(self) -> LeadRef:
        if not (self.lead_email or self.lead_id):
            raise ValueError("give lead_email or lead_id")
        return self


class Mapping(ToolResult):
    source_id: str
    target_id: str | None = Field(None, description="The matching object on the other side, if any.")
    fields: dict[str, Any] = Field(description="The mapped fields for the other side.")
    applied: bool
    note: str = Field("", description="Why it was not applied, when it was asked to be.")

    def summary(self) -> str:
        action = "applied to" if self.applied else "would map to"
        note = f" {self.note}" if self.note else ""
        return f"{self.source_id} {action} {self.target_id or 'a new object'}: {sorted(self.fields)}.{note}"


@TOOLBOX.tool(toolset="contacts", title="Map lead to customer", idempotent=True)
async def map_lead_to_customer(call: Call[OrchestratorDeps], args: LeadRef) -> Mapping:
    """Show how an Instantly lead maps onto a Stripe customer (field mapping in README); with apply=true,
    update the matching customer or create one, and link both in the contact store."""
    instantly, stripe_api, store = (await call.deps.instantly_client(), await call.deps.stripe_client(),
                                    await call.deps.store())
    lead = await resolve_lead(instantly, email=args.lead_email, lead_id=args.lead_id)
    apply = args.apply and not await live_blocked(call.deps, args.confirm)
    # only an applied mapping writes: showing it leaves the store as it was
    contact = (await store.upsert_contact(lead.email or "", instantly_lead_id=lead.id) if apply
               else await store.get_contact(email=lead.email or ""))
    params = lead_to_customer(lead.as_dict(), contact_id=contact.id if contact else None)
    existing = await stripe_api.find_customer_by_email(params["email"])
    target = existing["id"] if existing else None
    if args.apply and not apply:
        return Mapping(source_id=lead.id, target_id=target, fields=params, applied=False,
                       note="LIVE Stripe key: not applied; call again with confirm=true to write the customer.")
    if apply:
        if existing:
            await stripe_api.update_customer(existing["id"], name=params.get("name"), phone=params.get("phone"),
                                             metadata=params["metadata"])
        else:
            target = (await stripe_api.create_customer(
                email=params["email"], name=params.get("name"), phone=params.get("phone"),
                metadata=params["metadata"], idempotency_key=f"map-lead:{lead.id}"))["id"]
        await store.link_ids(params["email"], lead_id=lead.id, customer_id=target)
    return Mapping(source_id=lead.id, target_id=target, fields=params, applied=apply)


class CustomerRef(ToolInput):
    customer_id: str = Field(description="Stripe customer id (cus_...).")
    apply: bool = Field(False, description="Also write the fields into the matching Instantly lead.")


@TOOLBOX.tool(toolset="contacts", title="Map customer to lead", idempotent=True)
async def map_customer_to_lead(call: Call[OrchestratorDeps], args: CustomerRef) -> Mapping:
    """Show how a Stripe customer maps onto an Instantly lead (names, company, custom variables such as
    stripe_customer_id and lifetime_value); with apply=true, update the matching lead."""
    instantly, stripe_api, store = (await call.deps.instantly_client(), await call.deps.stripe_client(),
                                    await call.deps.store())
    customer = await stripe_api.get_customer(args.customer_id)
    if not customer.get("email"):
        raise NotFound("Stripe", f"customer {args.customer_id} has no email to match a lead", status=404)
    contact = await store.get_contact(customer_id=args.customer_id)
    fields = customer_to_lead(customer, total_paid=contact.total_revenue if contact else None)
    lead = await instantly.find_lead(fields["email"])
    if args.apply:
        if lead is None:
            raise NotFound("Instantly", f"no lead with email {fields['email']}; import it into a campaign first",
                           status=404)
        body = {k: v for k, v in fields.items() if k not in ("email", "custom_variables")}
        body["custom_variables"] = {**custom_variables(lead), **fields["custom_variables"]}
        await instantly.update_lead(lead.id, body)
        await store.link_ids(fields["email"], lead_id=lead.id, customer_id=args.customer_id)
    return Mapping(source_id=args.customer_id, target_id=lead.id if lead else None, fields=fields, applied=args.apply)


class EmailRef(ToolInput):
    email: str = Field(description="The person's email (any case).")


@TOOLBOX.tool(toolset="contacts", title="Sync one contact", idempotent=True)
async def sync_contact(call: Call[OrchestratorDeps], args: EmailRef) -> ContactOut:
    """Pull one person's lead(s) and Stripe customer by email into the contact store, with engagement and score."""
    contact = await sync_one(args.email, instantly=await call.deps.instantly_client(),
                             stripe_api=await call.deps.stripe_client(), store=await call.deps.store(),
                             cfg=await call.deps.config())
    return ContactOut(contact=contact)


class SyncAll(ToolInput):
    max_leads: int = Field(50_000, ge=1, le=1_000_000, description="Most leads to read in this pass.")


class SyncOut(ToolResult):
    leads_seen: int
    leads_written: int
    customers_seen: int
    customers_written: int
    incremental: bool
    has_more: bool

    def summary(self) -> str:
        kind = "incremental" if self.incremental else "full"
        more = " More leads remain: run again." if self.has_more else ""
        return (f"{kind} sync: {self.leads_written}/{self.leads_seen} leads and {self.customers_written} customers "
                f"written.{more}")


@TOOLBOX.tool(toolset="contacts", title="Sync all contacts", idempotent=True)
async def sync_contacts(call: Call[OrchestratorDeps], args: SyncAll) -> SyncOut:
    """Match every Instantly lead and Stripe customer by email into the contact store, with progress.
    After the first pass only what changed since the last one is written."""
    report = await sync_all(instantly=await call.deps.instantly_client(), stripe_api=await call.deps.stripe_client(),
                            store=await call.deps.store(), cfg=await call.deps.config(), max_leads=args.max_leads,
                            progress=call.progress)
    return SyncOut.model_validate(report.model_dump())


class FindContacts(ToolInput):
    email: str | None = Field(None, description="Exact email (case-insensitive).")
    lead_id: str | None = Field(None, description="Instantly lead id.")
    customer_id: str | None = Field(None, description="Stripe customer id.")
    query: str | None = Field(None, description="Substring of email, name or company.")
    conversion_status: STATUSES | None = Field(None, description="Only contacts at this stage.")
    campaign_id: str | None = Field(None, description="Only contacts sourced from this campaign.")
    min_score: float | None = Field(None, ge=0, le=100, description="Only contacts scoring at least this.")
    limit: int = Field(25, ge=1, le=500, description="Most contacts to return.")
    after: str | None = Field(None, description="Continue after this contact id (next_after of a previous call).")


class ContactList(ToolResult):
    contacts: list[Contact]
    next_after: str | None = None

    def summary(self) -> str:
        more = f" More: after={self.next_after}." if self.next_after else ""
        return f"{len(self.contacts)} contacts.{more}"


@TOOLBOX.tool(toolset="contacts", title="Find contacts", read_only=True, idempotent=True, open_world=False)
async def find_contacts(call: Call[OrchestratorDeps], args: FindContacts) -> ContactList:
    """Look up one contact (email, lead id or customer id) or list contacts from the store with filters."""
    store = await call.deps.store()
    if args.email or args.lead_id or args.customer_id:
        one = await store.get_contact(email=args.email, lead_id=args.lead_id, customer_id=args.customer_id)
        return ContactList(contacts=[one] if one else [])
    rows = await store.list_contacts(conversion_status=args.conversion_status, campaign_id=args.campaign_id,
                                     min_score=args.min_score, query=args.query, limit=args.limit + 1,
                                     after_id=args.after)
    more = len(rows) > args.limit
    rows = rows[: args.limit]
    return ContactList(contacts=rows, next_after=rows[-1].id if more else None)


class Forget(ConfirmInput):
    audit_exclude: ClassVar[frozenset[str]] = frozenset({"email"})
    email: str = Field(description="The person to forget (GDPR/CCPA erasure).")


class ForgetOut(GatedResult):
    subject: str = Field(description="A one-way hash standing in for the person in the audit trail.")
    removed: dict[str, int] = Field(
        default_factory=dict, description="Store rows by table: contacts and events/audit entries erased, payments "
                                          "unlinked (erased when executed, would be erased in a preview).")
    instantly_lead_ids: list[str] = Field(default_factory=list, description="The person's Instantly leads "
                                                                            "(deleted, or to delete).")
    stripe_customer_ids: list[str] = Field(default_factory=list, description="The person's Stripe customers "
                                                                             "(deleted, or to delete).")

    def summary(self) -> str:
        local = ", ".join(f"{n} {k}" for k, n in self.removed.items())
        remote = ", ".join([*self.instantly_lead_ids, *self.stripe_customer_ids]) or "none"
        if not self.executed:
            return (f"PREVIEW (nothing erased): would erase from the store: {local}; would delete in the APIs: "
                    f"{remote}. Call again with confirm=true to erase.")
        return f"Erased from the store: {local}; deleted in the APIs: {remote}."


async def _forget_plan(deps: OrchestratorDeps, email: str) -> tuple[dict[str, int], list[str], list[str]]:
    """(store rows by table, lead ids, customer ids): what erasing this person touches. Reads only."""
    from sqlalchemy import func, select

    from shared.store.base import mentions
    from shared.store.schema import attributed_payments, audit_log, events, unified_contacts

    store = await deps.store()
    async with store.read() as conn:
        contact = (await conn.execute(select(unified_contacts.c.id).where(unified_contacts.c.email == email))).scalar()
        count = lambda table, cond: conn.execute(select(func.count()).select_from(table).where(cond))  # noqa: E731
        removed = {
            "contacts": 1 if contact else 0,
            "events": int((await count(events, mentions(events.c.payload, email))).scalar() or 0),
            "audit_entries": int((await count(audit_log, mentions(audit_log.c.arguments, email))).scalar() or 0),
            "payments": int((await count(attributed_payments, attributed_payments.c.contact_id == contact)
                             ).scalar() or 0) if contact else 0,
        }
    instantly, stripe_api = await deps.instantly_client(), await deps.stripe_client()
    leads = await instantly.list_leads({"contacts": [email]}, max_items=100)
    lead_ids = [lead.id for lead in leads.items if (lead.email or "").strip().lower() == email]
    customers = [c["id"] async for c in stripe_api.iterate("customers", {"email": email}, max_items=100)]
    return removed, lead_ids, customers


@TOOLBOX.tool(toolset="contacts", title="Forget a contact", destructive=True, idempotent=True)
async def forget_contact(call: Call[OrchestratorDeps], args: Forget) -> ForgetOut:
    """Erase a person (GDPR/CCPA). Without confirm: a preview listing exactly what would go (store rows by table,
    Instantly lead ids, Stripe customer ids), and nothing is erased. With confirm=true: their Instantly lead(s) and
    Stripe customer(s) are deleted, and their contact, event payloads and audit arguments are erased from the store
    (payments stay, unlinked). The audit trail keeps one entry for this call, without the email."""
    email = args.email.strip().lower()
    subject = "sha256:" + hashlib.sha256(email.encode()).hexdigest()[:16]
    removed, lead_ids, customer_ids = await _forget_plan(call.deps, email)
    if not args.confirm:
        return ForgetOut(executed=False, preview="erase the store rows and delete the leads and customers listed",
                         subject=subject, removed=removed, instantly_lead_ids=lead_ids,
                         stripe_customer_ids=customer_ids)
    instantly, stripe_api = await call.deps.instantly_client(), await call.deps.stripe_client()
    for lead_id in lead_ids:
        await instantly.delete_lead(lead_id)
    for customer_id in customer_ids:
        await stripe_api.delete_customer(customer_id)
    removed = await (await call.deps.store()).forget(email)
    return ForgetOut(executed=True, subject=subject, removed=removed, instantly_lead_ids=lead_ids,
                     stripe_customer_ids=customer_ids)
