"""What the orchestrator did about a simulated happening.

After a simulation acts on a sandbox, the events it caused reach the orchestrator the way they would without a
public URL: Instantly's webhook bodies (as the sandbox emitted them) are stored under the same ids a webhook or
a poll would give them, Stripe's events are polled, and the automation rules process the queue in-process.
A receiver that gets the same webhooks stores them once. The lifecycle moves and payment links the rules make
are recorded as they happen, so the result can say "ada@acme.io moved to the post_purchase campaign Welcome".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from orchestrator_mcp.events.ids import instantly_event_id, instantly_event_type
from orchestrator_mcp.events.polling import PollReport, poll_stripe, refresh_campaign_performance
from orchestrator_mcp.events.rules import payer_email
from orchestrator_mcp.events.runtime import processor_for, rules_for
from shared.errors import AppError

if TYPE_CHECKING:
    from orchestrator_mcp.deps import OrchestratorDeps

SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "cad": "CA$", "aud": "A$"}
ROLE_FOR_EVENT = {
    "checkout.session.completed": "post_purchase", "invoice.paid": "post_purchase",
    "invoice.payment_failed": "dunning", "customer.subscription.deleted": "win_back",
    "customer.subscription.trial_will_end": "renewal", "invoice.upcoming": "renewal",
}
MAX_LINES = 25


def money(minor: int, currency: str | None) -> str:
    cur = (currency or "usd").lower()
    value = f"{abs(minor) / 100:,.2f}"
    sign = "-" if minor < 0 else ""
    return f"{sign}{SYMBOLS[cur]}{value}" if cur in SYMBOLS else f"{sign}{value} {cur.upper()}"


class ContactNow(BaseModel):
    email: str
    status: str = Field(description="Conversion status: prospect, contacted, engaged, payment_link_sent, customer, "
                                    "churned.")
    score: float = Field(description="Engagement score 0-100.")
    engagement: str = Field(description="Opens, clicks and replies so far.")
    revenue: str = Field(description="Total paid, net of refunds, with its currency.")
    subscription: str = Field("none", description="Subscription status, or none.")


class EventCounts(BaseModel):
    stored: int = Field(0, description="New events stored by this simulation (duplicates of webhooks are not).")
    processed: int = 0
    retried: int = 0
    dead: int = 0
    by_type: dict[str, int] = Field(default_factory=dict)


@dataclass
class Reaction:
    orchestrator: list[str] = field(default_factory=list)
    contacts: list[ContactNow] = field(default_factory=list)
    events: EventCounts = field(default_factory=EventCounts)
    notes: list[str] = field(default_factory=list)


def _now(contact: Any) -> ContactNow:
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    return ContactNow(
        email=contact.email, status=contact.conversion_status, score=round(contact.email_engagement_score, 1),
        engagement=f"{plural(contact.opens, 'open')}, {plural(contact.clicks, 'click')}, "
                   f"{plural(contact.replies, 'reply').replace('replys', 'replies')}",
        revenue=money(contact.total_revenue, contact.revenue_currency),
        subscription=contact.subscription_status or "none")


async def react(deps: OrchestratorDeps, *, instantly_payloads: list[dict[str, Any]] | None = None,
                stripe: bool = False, refresh_analytics: bool = False, emails: set[str] | None = None) -> Reaction:
    """Store the happening's events, process the queue with the automation rules, and say what changed."""
    store = await deps.store()
    out = Reaction()
    touched = {e.lower() for e in emails or set()}
    kinds: Counter[str] = Counter()
    for payload in instantly_payloads or []:
        kind = instantly_event_type(payload)
        kinds[kind] += 1
        if payload.get("lead_email"):
            touched.add(str(payload["lead_email"]).lower())
        if await store.record_event("instantly", instantly_event_id(payload), kind, payload, via="simulation"):
            out.events.stored += 1
    customers: set[str] = set()
    if stripe:
        report = PollReport()
        await poll_stripe(await deps.stripe_client(), store, report)
        out.events.stored += report.stripe_new
        if report.stripe_new:
            for row in await store.list_events(source="stripe", limit=report.stripe_new):
                kinds[row.type] += 1
                obj = (row.payload.get("data") or {}).get("object") or {}
                if email := payer_email(obj):
                    touched.add(email)
                customer = obj.get("customer")
                if isinstance(customer, str):
                    customers.add(customer)
    if refresh_analytics:
        await refresh_campaign_performance(await deps.instantly_client(), store)
    out.events.by_type = dict(sorted(kinds.items()))
    await _process(deps, out)
    for customer in sorted(customers):
        if found := await store.get_contact(customer_id=customer):
            touched.add(found.email)
    for email in sorted(touched):
        if found := await store.get_contact(email=email):
            out.contacts.append(_now(found))
    cfg = await deps.config()
    for kind, role in ROLE_FOR_EVENT.items():
        if kinds.get(kind) and role not in cfg.campaign_roles:
            note = (f"No campaign plays the {role} role, so {kind} moved nobody; "
                    f"set one with configure_pipeline (campaign_roles).")
            if note not in out.notes:
                out.notes.append(note)
    if (kinds.get("lead_interested") or kinds.get("lead_meeting_booked")) and not cfg.auto_payment_flow:
        out.notes.append("Interested leads get no payment link automatically: configure_pipeline with "
                         "auto_payment_flow=true and a price, or send links with trigger_payment_flow.")
    return out


async def _process(deps: OrchestratorDeps, out: Reaction) -> None:
    store = await deps.store()
    rules = rules_for(deps, store)
    names: dict[str, str] = {}

    async def campaign_name(campaign_id: str) -> str:
        if campaign_id not in names:
            try:
                names[campaign_id] = (await (await deps.instantly_client()).get_campaign(campaign_id)).name
            except AppError:
                names[campaign_id] = campaign_id
        return names[campaign_id]

    lifecycle, payment_flow = rules.lifecycle, rules.payment_flow

    async def recorded_lifecycle(role: Any, contact: Any, variables: dict[str, Any], **source: Any) -> Any:
        result = await lifecycle(role, contact, variables, **source)
        where = f"{await campaign_name(result.campaign_id)} ({result.campaign_id[:8]}…)"
        verb = {"moved": "moved to", "created": "added to", "updated": "already in; variables updated in",
                "skipped": "not moved (bounced or unsubscribed) to"}.get(result.action, result.action)
        out.orchestrator.append(f"{contact.email}: {verb} the {role} campaign {where}")
        return result

    async def recorded_payment_flow(contact: Any, price_id: str, campaign_id: str | None) -> Any:
        result = await payment_flow(contact, price_id, campaign_id)  # type: ignore[misc]
        out.orchestrator.append(f"{contact.email}: payment link sent ({money(result.amount, result.currency)}, "
                                f"{result.product_name or result.price_id}) {result.payment_link_url}")
        return result

    rules.lifecycle = recorded_lifecycle
    launch_sale = getattr(rules, "on_checkout", None)
    if launch_sale is not None:  # a launch's sale: reminders stop, a sold-out tier switches (events/tiers.py)
        async def recorded_sale(obj: dict[str, Any]) -> list[str]:
            done = await launch_sale(obj)
            out.orchestrator.extend(done)
            return done  # type: ignore[no-any-return]

        rules.on_checkout = recorded_sale  # type: ignore[attr-defined]
    if payment_flow is not None:
        rules.payment_flow = recorded_payment_flow
    processor = processor_for(deps, store)
    processor.handle = rules.handle
    report = await processor.run_once(limit=100_000)
    out.events.processed, out.events.retried, out.events.dead = report.processed, report.retried, report.dead
    for error in report.errors[:5]:
        out.notes.append(f"event failed (will be retried or dead-lettered): {error}")


def lines(items: list[str], limit: int = MAX_LINES) -> list[str]:
    """At most `limit` lines, the last saying how many more there were."""
    if len(items) <= limit:
        return items
    return [*items[:limit - 1], f"... and {len(items) - limit + 1} more"]
