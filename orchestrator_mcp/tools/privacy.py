"""Data protection: the right of access (find_contacts export=...) and the retention purge (purge_expired_data)."""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import Field

from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.retention import LABELS, describe_policy, run_retention
from orchestrator_mcp.tools import TOOLBOX
from shared.render import plural
from shared.safety import ConfirmInput, GatedResult
from shared.store.models import RetentionPolicy, normalize_email
from shared.tooling import Call, ToolResult


class ContactExport(ToolResult):
    subject: str = Field(description="A one-way hash standing in for the person in the audit trail.")
    email: str
    store: dict[str, Any] = Field(description="The contact, payments, events, audit entries and suppression entry "
                                              "held in the store.")
    instantly: dict[str, Any] = Field(default_factory=dict, description="export=all: leads and emails.")
    stripe: dict[str, Any] = Field(default_factory=dict, description="export=all: customers, payment intents and "
                                                                     "charges.")

    def summary(self) -> str:
        s = self.store
        parts = [("a contact" if s.get("contact") else "no contact"), plural(len(s.get("payments") or []), "payment"),
                 plural(len(s.get("events") or []), "event"),
                 plural(len(s.get("audit_entries") or []), "audit entry", "audit entries")]
        if s.get("suppression"):
            parts.append(f"suppressed ({s['suppression']['reason']})")
        remote = []
        if self.instantly:
            remote.append(f"Instantly: {plural(len(self.instantly.get('leads', [])), 'lead')}, "
                          f"{plural(len(self.instantly.get('emails', [])), 'email')}")
        if self.stripe:
            remote.append(f"Stripe: {plural(len(self.stripe.get('customers', [])), 'customer')}, "
                          f"{plural(len(self.stripe.get('payment_intents', [])), 'payment')}")
        more = f"; {'; '.join(remote)}" if remote else ""
        return f"Everything held about {self.email}: store: {', '.join(parts)}{more}."


async def export_contact(deps: OrchestratorDeps, address: str, *, remote: bool) -> ContactExport:
    """Right of access (GDPR art. 15): everything held about one person, as one JSON document: the store, and
    with `remote` their Instantly leads and emails and Stripe customers and payments."""
    email = normalize_email(address)
    store = await deps.store()
    held = await store.contact_record(email)
    instantly: dict[str, Any] = {}
    stripe: dict[str, Any] = {}
    if remote:
        api = await deps.instantly_client()
        leads = await api.list_leads({"contacts": [email]}, max_items=100)
        emails = await api.list_emails({"lead": email}, max_items=500)
        instantly = {"leads": [lead.as_dict() for lead in leads.items if normalize_email(lead.email or "") == email],
                     "emails": [m.model_dump(mode="json", exclude_none=True) for m in emails.items]}
    if remote:
        api = await deps.stripe_client()
        customers = [c async for c in api.iterate("customers", {"email": email}, max_items=100)]
        intents: list[dict[str, Any]] = []
        charges: list[dict[str, Any]] = []
        for customer in customers:
            intents += [p async for p in api.iterate("payment_intents", {"customer": customer["id"]}, max_items=1000)]
            charges += [c async for c in api.iterate("charges", {"customer": customer["id"]}, max_items=1000)]
        stripe = {"customers": customers, "payment_intents": intents, "charges": charges}
    return ContactExport(subject="sha256:" + hashlib.sha256(email.encode()).hexdigest()[:16], email=email,
                         store=held, instantly=instantly, stripe=stripe)


class PurgeIn(ConfirmInput):
    confirm: bool = Field(False, description="Purge (else a preview that only counts).")


class PurgeOut(GatedResult):
    policy: str = Field(description="The retention policies applied.")
    removed: dict[str, int] = Field(default_factory=dict, description="Rows by kind: event_payloads (blanked; the "
                                    "event row stays), dead_letters, audit_entries, contacts, payments_unlinked "
                                    "(payments keep their campaign). Removed, or would be in a preview.")

    def summary(self) -> str:
        what = ", ".join(f"{LABELS.get(k, k.replace('_', ' '))}: {n}" for k, n in self.removed.items()) or "nothing"
        if not self.executed:
            return f"PREVIEW (nothing removed): would purge {what}. Policy: {self.policy}. Call with confirm=true."
        return f"Purged {what}. Policy: {self.policy}."


@TOOLBOX.tool(toolset="admin", title="Purge expired data", destructive=True, idempotent=True)
async def purge_expired_data(call: Call[OrchestratorDeps], args: PurgeIn) -> PurgeOut:
    """Apply the retention policies now to this profile's data (the receiver does it daily): raw
    event payloads after processing, old audit entries and dead letters, inactive contacts if configured. Never a
    pending event."""
    store = await call.deps.store()
    report = await run_retention(store, dry_run=not args.confirm)  # the caller's profile only
    policy = describe_policy(RetentionPolicy(**report["policy"]))
    if not args.confirm:
        return PurgeOut(executed=False, preview="remove the rows counted below", policy=policy,
                        removed=report["removed"])
    return PurgeOut(executed=True, policy=policy, removed=report["removed"])
