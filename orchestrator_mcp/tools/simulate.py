"""Simulation tools: make the sandbox world move (leads engage, time passes, buyers pay, renewals fail, ...) and
say what the orchestrator did about it. Listed only in sandbox mode (see orchestrator_mcp.server) and refused
outside it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.simulation import actions, billing
from orchestrator_mcp.simulation.outcome import ContactNow, EventCounts, Reaction, lines, react
from orchestrator_mcp.simulation.sandboxes import open_sandboxes, require_sandbox
from orchestrator_mcp.simulation.world import describe, start_over
from orchestrator_mcp.tools import TOOLBOX
from shared.tooling import Call, ToolInput, ToolResult

TOOLSET = "simulation"
Event = Literal["opened", "clicked", "replied", "auto_replied", "interested", "meeting_booked", "meeting_completed",
                "not_interested", "won", "bounced", "unsubscribed"]


class Simulated(ToolResult):
    headline: str
    happened: list[str] = Field(description="What happened in the sandboxes.")
    orchestrator: list[str] = Field(description="What the automation did about it (lifecycle moves, links).")
    contacts: list[ContactNow] = Field(description="The people involved, as the orchestrator now sees them.")
    events: EventCounts
    notes: list[str]

    def summary(self) -> str:
        parts = [self.headline]
        for title, items in (("Happened", self.happened), ("Orchestrator", self.orchestrator or ["nothing to do"])):
            parts.append(f"{title}:\n" + "\n".join(f"- {x}" for x in lines(items)))
        if self.contacts:
            parts.append("Contacts now:\n" + "\n".join(
                f"- {c.email}: {c.status}, score {c.score:g}, {c.engagement}, revenue {c.revenue}, "
                f"subscription {c.subscription}" for c in self.contacts[:25]))
            if len(self.contacts) > 25:
                parts.append(f"- ... and {len(self.contacts) - 25} more")
        ev = self.events
        parts.append(f"Events: {ev.stored} new, {ev.processed} processed, {ev.retried} to retry, {ev.dead} dead.")
        parts += [f"Note: {n}" for n in self.notes]
        return "\n".join(parts)


def _result(headline: str, happened: list[str], reaction: Reaction) -> Simulated:
    return Simulated(headline=headline, happened=lines(happened, 100), orchestrator=lines(reaction.orchestrator, 100),
                     contacts=reaction.contacts[:100], events=reaction.events, notes=reaction.notes)


class EngageIn(ToolInput):
    events: list[Event] = Field(min_length=1, description="Applied in order to each lead, e.g. [opened, clicked, "
                                                          "replied, interested].")
    campaign: str | None = Field(None, description="Campaign name or id: its leads engage.")
    emails: list[str] | None = Field(None, description="These leads (or give campaign).")
    count: int | None = Field(None, ge=1, description="How many of the campaign's leads (first those without this "
                                                      "event yet).")
    share: float | None = Field(None, gt=0, le=1, description="Or a share of them, e.g. 0.3.")
    reply_text: str | None = Field(None, description="The reply's text (replied).")

    @model_validator(mode="after")
    def _who(self) -> EngageIn:
        if not (self.campaign or self.emails):
            raise ValueError("give campaign (name or id) or emails")
        return self


@TOOLBOX.tool(toolset=TOOLSET, title="Simulate lead engagement", idempotent=False, open_world=False)
async def simulate_engagement(call: Call[OrchestratorDeps], args: EngageIn) -> Simulated:
    """Sandbox only: leads open, click, reply, get marked interested, book meetings, bounce or unsubscribe, by
    campaign (all, count or share) or by email. Opens, clicks, replies and bounces need a sent email (let time pass
    first). Events go through the sandbox's webhooks; the automation runs and the result says what it did."""
    require_sandbox(call.deps.options)
    sb = await open_sandboxes()
    try:
        headline, happened, payloads = await actions.engage(
            sb, events=list(args.events), campaign=args.campaign, emails=args.emails, count=args.count,
            share=args.share, reply_text=args.reply_text)
    finally:
        await sb.aclose()
    return _result(headline, happened, await react(call.deps, instantly_payloads=payloads))


class TimeIn(ToolInput):
    days: float = Field(1, ge=0, le=400, description="How much time passes, in days (0: only what is due now).")
    campaign: str | None = Field(None, description="Only this campaign sends (name or id); Stripe's clock then "
                                                   "stays.")


@TOOLBOX.tool(toolset=TOOLSET, title="Simulate time passing", idempotent=False, open_world=False)
async def simulate_time(call: Call[OrchestratorDeps], args: TimeIn) -> Simulated:
    """Sandbox only: time passes. Active campaigns send their due steps through their connected sending accounts
    (within daily limits; step delays count), and Stripe's clock moves: renewals, retries, trial ends and upcoming
    invoice notices happen. The automation runs on the events and the result says what it did."""
    require_sandbox(call.deps.options)
    sb = await open_sandboxes()
    try:
        headline, happened, payloads = await actions.pass_time(sb, days=args.days, campaign=args.campaign)
    finally:
        await sb.aclose()
    reaction = await react(call.deps, instantly_payloads=payloads, stripe=args.campaign is None,
                           refresh_analytics=True)
    return _result(headline, happened + actions.stripe_lines(reaction.events.by_type), reaction)


class BillingIn(ToolInput):
    action: billing.Action = Field(description="pay: a buyer pays a link or checkout; renew / fail_renewal: the next "
                                               "renewal; cancel: the customer cancels; end_trial; invoice_upcoming; "
                                               "refund; dispute.")
    email: str | None = Field(None, description="The buyer or customer (finds their link, subscription or charge).")
    link: str | None = Field(None, description="pay: payment link id or URL, or checkout session id (cs_...).")
    subscription: str | None = Field(None, description="sub_... (else the customer's live subscription).")
    charge: str | None = Field(None, description="refund / dispute: ch_... (else the customer's latest charge).")
    card: billing.Card = Field("success", description="pay: the card's outcome.")
    amount: int | None = Field(None, ge=1, description="refund / dispute: part of the charge, in minor units.")
    reason: str | None = Field(None, description="dispute: e.g. fraudulent, product_not_received.")


@TOOLBOX.tool(toolset=TOOLSET, title="Simulate a billing event", idempotent=False, open_world=False)
async def simulate_billing(call: Call[OrchestratorDeps], args: BillingIn) -> Simulated:
    """Sandbox only: a buyer pays a payment link or checkout (or the card is declined); a subscription renews, a
    renewal fails, a customer cancels, a trial ends, an invoice comes up; a refund or dispute arrives. Stripe's
    events are polled and the automation runs (post-purchase, dunning, win-back, renewal); the result says what
    it did."""
    require_sandbox(call.deps.options)
    sb = await open_sandboxes()
    try:
        headline, involved = await billing.act(
            call.deps, sb, args.action, email=args.email, link=args.link, subscription=args.subscription,
            charge=args.charge, card=args.card, amount=args.amount, reason=args.reason)
    finally:
        await sb.aclose()
    reaction = await react(call.deps, stripe=True, emails={e for e in involved if e})
    return _result(headline, actions.stripe_lines(reaction.events.by_type), reaction)


class ResetIn(ToolInput):
    seed: bool = Field(True, description="Then build the seeded world (accounts, campaigns with leads and "
                                         "engagement, a Stripe catalogue).")
    confirm: bool = Field(False, description="Wipe for real; without it, only say what would happen.")


@TOOLBOX.tool(toolset=TOOLSET, title="Reset the sandbox", destructive=True, idempotent=True, open_world=False)
async def sandbox_reset(call: Call[OrchestratorDeps], args: ResetIn) -> Simulated:
    """Sandbox only: wipe both sandboxes and, with seed, start from the seeded world: sending accounts with warmup,
    campaigns (Q4 outreach, Founders, lifecycle ones) with leads and some engagement, and products (Growth Audit
    $499, Pro plan $49/month, Founder Workshop seat $99). Needs confirm=true."""
    require_sandbox(call.deps.options)
    if not args.confirm:
        what = "wipe both sandboxes" + (" and build the seeded world" if args.seed else "")
        return Simulated(headline=f"Preview: this would {what}. Call again with confirm=true.", happened=[],
                         orchestrator=[], contacts=[], events=EventCounts(), notes=[
                             "The orchestrator's store (contacts, events) is kept."])
    sb = await open_sandboxes()
    try:
        world, reaction = await start_over(call.deps, sb, seed=args.seed)
    finally:
        await sb.aclose()
    headline = "Both sandboxes reset" + (" and seeded." if args.seed else ".")
    result = _result(headline, describe(world) if world else [], reaction)
    result.notes.append("The orchestrator's store (contacts, events) is kept; contacts from before may refer to "
                        "leads that no longer exist.")
    return result
