"""Contact tools: mapping between lead and customer, look-up (with the journey), and forgetting a person."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.flows.common import custom_variables, resolve_lead
from orchestrator_mcp.flows.suppression import suppress_everywhere
from orchestrator_mcp.mapping import customer_to_lead, lead_to_customer
from orchestrator_mcp.tools import TOOLBOX
from orchestrator_mcp.tools.live import LIVE_CONFIRM, live_blocked
from orchestrator_mcp.tools.privacy import ContactExport, export_contact
from orchestrator_mcp.tools.resolve import Resolver
from shared.errors import InputError, NotFound
from shared.render import money, plural
from shared.safety import ConfirmInput, GatedResult
from shared.store import Contact
from shared.tooling import Call, ToolInput, ToolResult

STATUSES = Literal["prospect", "contacted", "engaged", "payment_link_sent", "customer", "churned"]


class ContactRef(ToolInput):
    """One person, by email, Instantly lead id or Stripe customer id, in one field."""

    email: str | None = Field(None, description="Or a lead or customer id.")

    def ref(self) -> tuple[str | None, str | None, str | None]:
        """(email, lead id, customer id): a customer id starts with cus_, an email has an @, else a lead id."""
        value = (self.email or "").strip()
        if not value:
            return None, None, None
        if value.startswith("cus_"):
            return None, None, value
        return (value, None, None) if "@" in value else (None, value, None)

    @property
    def lead_id(self) -> str | None:
        return self.ref()[1]

    @property
    def customer_id(self) -> str | None:
        return self.ref()[2]

    @property
    def address(self) -> str | None:
        return self.ref()[0]


class MapIn(ContactRef):
    to: Literal["stripe", "instantly"] = Field("stripe", description="instantly: customer -> lead variables.")
    apply: bool = Field(False, description="Write it (else only show).")
    confirm: bool = Field(False, description=LIVE_CONFIRM)

    @model_validator(mode="after")
    def _one(self) -> MapIn:
        if not self.email:
            raise ValueError("give email (or the Instantly lead id or Stripe customer id)")
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
        return f"{self.source_id} {action} {self.target_id or 'a new object'}: {', '.join(sorted(self.fields))}.{note}"


@TOOLBOX.tool(toolset="contacts", title="Map lead and customer", idempotent=True)
async def map_contact(call: Call[OrchestratorDeps], args: MapIn) -> Mapping:
    """Show how a person's lead maps onto a Stripe customer, or back onto lead variables; apply writes it."""
    if args.to == "instantly":
        return await _customer_to_lead(call.deps, args)
    instantly, stripe_api, store = (await call.deps.instantly_client(), await call.deps.stripe_client(),
                                    await call.deps.store())
    email = args.address
    if not email and not args.lead_id and args.customer_id:
        email = (await stripe_api.get_customer(args.customer_id)).get("email")
    lead = await resolve_lead(instantly, email=email, lead_id=args.lead_id)
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


async def _customer_to_lead(deps: OrchestratorDeps, args: MapIn) -> Mapping:
    instantly, stripe_api, store = await deps.instantly_client(), await deps.stripe_client(), await deps.store()
    if args.customer_id:
        customer = await stripe_api.get_customer(args.customer_id)
    else:
        email = args.address
        if not email:
            email = (await resolve_lead(instantly, lead_id=args.lead_id)).email or ""
        found = await stripe_api.find_customer_by_email(email.strip().lower())
        if found is None:
            raise NotFound("Stripe", f"no Stripe customer with email {email}", status=404)
        customer = found
    customer_id = str(customer["id"])
    if not customer.get("email"):
        raise NotFound("Stripe", f"customer {customer_id} has no email to match a lead", status=404)
    contact = await store.get_contact(customer_id=customer_id)
    fields = customer_to_lead(customer, total_paid=contact.total_revenue if contact else None)
    lead = await instantly.find_lead(fields["email"])
    if args.apply:
        if lead is None:
            raise NotFound("Instantly", f"no lead with email {fields['email']}; import it into a campaign first",
                           status=404)
        body = {k: v for k, v in fields.items() if k not in ("email", "custom_variables")}
        body["custom_variables"] = {**custom_variables(lead), **fields["custom_variables"]}
        await instantly.update_lead(lead.id, body)
        await store.link_ids(fields["email"], lead_id=lead.id, customer_id=customer_id)
    return Mapping(source_id=customer_id, target_id=lead.id if lead else None, fields=fields, applied=args.apply)


class FindContacts(ContactRef):
    audit_exclude: ClassVar[frozenset[str]] = frozenset({"email"})  # a person's lookups and exports
    query: str | None = Field(None, description="In email, name, company.")
    conversion_status: STATUSES | None = None
    campaign_id: str | None = Field(None, description="Campaign name or id.")
    min_score: float | None = Field(None, ge=0, le=100)
    journey: bool = Field(False, description="One person's events.")
    limit: int = Field(25, ge=1, le=500)
    after: str | None = Field(None, description="A next_cursor.")
    export: Literal["store", "all"] | None = Field(None, description=(
        "With email: all held about them (GDPR access); all: with Instantly and Stripe."))


class ContactList(ToolResult):
    contacts: list[Contact]
    events: list[dict[str, Any]] = Field(default_factory=list, description="journey=true: the person's events.")
    next_cursor: str | None = None
    export: ContactExport | None = Field(None, description="export=...: everything held, as one JSON document.")

    def summary(self) -> str:
        if self.export is not None:
            return self.export.summary()
        more = f" More: after={self.next_cursor}." if self.next_cursor else ""
        if len(self.contacts) == 1:
            c = self.contacts[0]
            paid = f", paid {money(c.total_revenue, c.revenue_currency or 'usd')}" if c.total_revenue else ""
            kinds = ", ".join(e["type"] for e in self.events[-5:])
            journey = f"; {plural(len(self.events), 'event')}, latest: {kinds}" if self.events else ""
            return f"{c.email}: {c.conversion_status}, score {c.email_engagement_score:g}{paid}{journey}.{more}"
        return f"{plural(len(self.contacts), 'contact')}.{more}"

    def cursor_for(self, item: dict[str, Any]) -> str | None:
        return str(item["id"]) if item.get("id") and "email" in item else None


@TOOLBOX.tool(toolset="contacts", title="Find contacts", read_only=True, idempotent=True)
async def find_contacts(call: Call[OrchestratorDeps], args: FindContacts) -> ContactList:
    """One contact (with journey) or contacts by filters, from the store (sync_now refreshes it)."""
    store = await call.deps.store()
    if args.export:
        if not args.address:
            raise InputError("export needs the person's email address", "email")
        held = await export_contact(call.deps, args.address, remote=args.export == "all")
        return ContactList(contacts=[], export=held)  # the contact is in the export (store.contact)
    if args.email:
        one = await store.get_contact(email=args.address, lead_id=args.lead_id, customer_id=args.customer_id)
        if one is None:
            if args.journey:
                raise NotFound("Store", f"no contact {args.email}; run sync_now with email first", status=404)
            return ContactList(contacts=[])
        events = []
        if args.journey:
            rows = await store.events_for_contact(one.email, one.stripe_customer_id, limit=args.limit)
            events = [{"at": e.received_at, "source": e.source, "type": e.type, "id": e.event_id,
                       "status": e.status} for e in rows]
        return ContactList(contacts=[one], events=events)
    campaign = await Resolver(call.deps).campaign(args.campaign_id)
    rows = await store.list_contacts(conversion_status=args.conversion_status, campaign_id=campaign,
                                     min_score=args.min_score, query=args.query, limit=args.limit + 1,
                                     after_id=args.after)
    more = len(rows) > args.limit
    rows = rows[: args.limit]
    return ContactList(contacts=rows, next_cursor=rows[-1].id if more else None)


class Forget(ConfirmInput):
    audit_exclude: ClassVar[frozenset[str]] = frozenset({"email"})
    email: str
    confirm: bool = Field(False, description="Erase (else a preview).")


class ForgetOut(GatedResult):
    subject: str = Field(description="A one-way hash standing in for the person in the audit trail.")
    removed: dict[str, int] = Field(
        default_factory=dict, description="Store rows by table: contacts and events/audit entries erased, payments "
                                          "unlinked (erased when executed, would be erased in a preview).")
    instantly_lead_ids: list[str] = Field(default_factory=list, description="The person's Instantly leads "
                                                                            "(deleted, or to delete).")
    stripe_customer_ids: list[str] = Field(default_factory=list, description="The person's Stripe customers "
                                                                             "(deleted, or to delete).")
    suppressed: bool = Field(False, description="The address is on Instantly's block list and the store's "
                                                "suppression list (a blind index only), so no import brings it back.")

    def summary(self) -> str:
        nouns = {"contacts": ("contact", None), "events": ("event", None), "payments": ("payment", None),
                 "audit_entries": ("audit entry", "audit entries")}
        local = ", ".join(plural(n, *nouns.get(k, (k, k))) for k, n in self.removed.items()) or "nothing"
        remote = ", ".join([*self.instantly_lead_ids, *self.stripe_customer_ids]) or "none"
        if not self.executed:
            return (f"PREVIEW (nothing erased): would erase from the store: {local}; would delete in the APIs: "
                    f"{remote}; would block the address in Instantly. Call again with confirm=true to erase.")
        blocked = " Suppressed: on Instantly's block list and the suppression list." if self.suppressed else ""
        return f"Erased from the store: {local}; deleted in the APIs: {remote}.{blocked}"


async def _forget_plan(deps: OrchestratorDeps, email: str) -> tuple[dict[str, int], list[str], list[str]]:
    """(store rows by table, lead ids, customer ids): what erasing this person touches. Reads only."""
    removed = await (await deps.store()).forget(email, dry_run=True)
    instantly, stripe_api = await deps.instantly_client(), await deps.stripe_client()
    leads = await instantly.list_leads({"contacts": [email]}, max_items=100)
    lead_ids = [lead.id for lead in leads.items if (lead.email or "").strip().lower() == email]
    customers = [c["id"] async for c in stripe_api.iterate("customers", {"email": email}, max_items=100)]
    return removed, lead_ids, customers


@TOOLBOX.tool(toolset="contacts", title="Forget a contact", destructive=True, idempotent=True)
async def forget_contact(call: Call[OrchestratorDeps], args: Forget) -> ForgetOut:
    """Erase a person (GDPR): their leads, Stripe customers, contact, events and audit arguments (payments stay,
    unlinked)."""
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
    store = await call.deps.store()
    removed = await store.forget(email)
    # erased people are suppressed: Instantly never emails them again and a re-import skips them
    await suppress_everywhere(store, instantly, email, "erasure", "forget_contact")
    return ForgetOut(executed=True, subject=subject, removed=removed, instantly_lead_ids=lead_ids,
                     stripe_customer_ids=customer_ids, suppressed=True)
