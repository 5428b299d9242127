"""Event and sync tools: one sync (poll both APIs, process the queue, refresh campaign stats, sync contacts),
the event log with delivery health, and replay."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.events.polling import PollReport, poll_instantly, poll_stripe, refresh_campaign_performance
from orchestrator_mcp.events.runtime import processor_for
from orchestrator_mcp.flows.sync import sync_contact as sync_one
from orchestrator_mcp.flows.sync import sync_contacts as sync_all
from orchestrator_mcp.tools import TOOLBOX
from shared.errors import NotFound
from shared.render import plural
from shared.store import Contact
from shared.tooling import Call, ToolInput, ToolResult


class ProcessOut(ToolResult):
    processed: int
    retried: int = Field(description="Failed and scheduled for another attempt.")
    dead: int = Field(description="Failed for the last time (dead letters; see list_events, replay_event).")
    errors: list[str]


async def _process(deps: OrchestratorDeps, limit: int) -> ProcessOut:
    report = await processor_for(deps, await deps.store()).run_once(limit=limit)
    return ProcessOut(processed=report.processed, retried=report.retried, dead=report.dead, errors=report.errors[:20])


class SyncNowIn(ToolInput):
    source: Literal["both", "stripe", "instantly", "none"] = Field("both", description="none: only process "
                                                                                      "queued events.")
    process: bool = Field(True, description="Run the automation on new events.")
    contacts: bool = Field(False, description="Also sync all contacts.")
    email: str | None = Field(None, description="Only sync this person.")
    max_leads: int = Field(50_000, ge=1, le=1_000_000)


class ContactSync(ToolResult):
    leads_seen: int
    leads_written: int
    customers_seen: int
    customers_written: int
    incremental: bool
    has_more: bool


class SyncNowOut(PollReport, ToolResult):
    processed: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = Field(default_factory=list)
    contacts: ContactSync | None = None
    contact: Contact | None = Field(None, description="The person synced (email).")

    def summary(self) -> str:
        if self.contact is not None:
            c = self.contact
            ids = ", ".join(x for x in (f"lead {c.instantly_lead_id}" if c.instantly_lead_id else "",
                                        f"customer {c.stripe_customer_id}" if c.stripe_customer_id else "") if x)
            from shared.render import money

            paid = (f", paid {money(c.total_revenue, c.revenue_currency or 'usd')}" if c.total_revenue else "")
            return (f"{c.email}: {c.conversion_status}, score {c.email_engagement_score:g}"
                    f"{', ' + ids if ids else ', no lead or customer found'}{paid}.")
        parts = [f"Polled: {plural(self.stripe_new, 'new Stripe event')}, "
                 f"{plural(self.instantly_new, 'new Instantly event')}, "
                 f"{plural(self.campaigns_refreshed, 'campaign')} refreshed; "
                 f"{plural(self.processed, 'event')} processed"
                 f"{f', {self.retried} to retry' if self.retried else ''}{f', {self.dead} dead' if self.dead else ''}."]
        if self.contacts is not None:
            s = self.contacts
            parts.append(f"Contacts ({'incremental' if s.incremental else 'full'}): "
                         f"{s.leads_written}/{plural(s.leads_seen, 'lead')} and "
                         f"{plural(s.customers_written, 'customer')} written."
                         f"{' More leads remain: run again.' if s.has_more else ''}")
        return " ".join(parts)


@TOOLBOX.tool(toolset="events", title="Sync now", idempotent=True)
async def sync_now(call: Call[OrchestratorDeps], args: SyncNowIn) -> SyncNowOut:
    """Poll Stripe events, Instantly replies, lead status and campaign stats (no webhook needed) and run the
    automation on them."""
    deps = call.deps
    if args.email:
        contact = await sync_one(args.email, instantly=await deps.instantly_client(),
                                 stripe_api=await deps.stripe_client(), store=await deps.store(),
                                 cfg=await deps.config())
        return SyncNowOut(contact=contact)
    store = await deps.store()
    report = PollReport()
    if args.source in ("both", "stripe"):
        await call.progress(0, 4, "polling Stripe events")
        await poll_stripe(await deps.stripe_client(), store, report)
    if args.source in ("both", "instantly"):
        await call.progress(1, 4, "polling Instantly replies, lead status and analytics")
        instantly = await deps.instantly_client()
        await poll_instantly(instantly, store, report)
        report.campaigns_refreshed = await refresh_campaign_performance(instantly, store)
    out = SyncNowOut(**report.model_dump())
    if args.process:
        await call.progress(2, 4, "processing events")
        done = await _process(deps, 100_000)
        out.processed, out.retried, out.dead, out.errors = done.processed, done.retried, done.dead, done.errors
    if args.contacts:
        await call.progress(3, 4, "syncing contacts")
        found = await sync_all(instantly=await deps.instantly_client(), stripe_api=await deps.stripe_client(),
                               store=store, cfg=await deps.config(), max_leads=args.max_leads, progress=call.progress)
        out.contacts = ContactSync.model_validate(found.model_dump())
    await call.progress(4, 4, "done")
    return out


class ListEventsIn(ToolInput):
    status: Literal["pending", "processed", "dead"] | None = None
    type: str | None = Field(None, description="e.g. invoice.paid")
    source: Literal["stripe", "instantly"] | None = None
    limit: int = Field(50, ge=1, le=1000)


class ListEventsOut(ToolResult):
    events: list[dict[str, Any]]
    channels: list[dict[str, Any]] = Field(description="Per source and channel: count, last received, retrying, dead.")
    queue: dict[str, int] = Field(description="Events per status.")
    last_polls: dict[str, float]

    def summary(self) -> str:
        parts = [f"{c['source']}/{c['via']}: {c['count']} (dead {c['dead']})" for c in self.channels]
        queue = ", ".join(f"{n} {k}" for k, n in self.queue.items()) or "empty"
        return f"{plural(len(self.events), 'event')}. Deliveries: {'; '.join(parts) or 'none yet'}. Queue: {queue}."


@TOOLBOX.tool(toolset="events", title="Events and webhooks", read_only=True, idempotent=True, open_world=False)
async def list_events(call: Call[OrchestratorDeps], args: ListEventsIn) -> ListEventsOut:
    """Stored events, newest first, with errors; webhook health: last delivery, dead events, queue, polls."""
    store = await call.deps.store()
    rows = await store.list_events(status=args.status, type_=args.type, source=args.source, limit=args.limit)
    syncs = {k: v for k, v in (await store.sync_times()).items() if k.startswith("poll:")}
    return ListEventsOut(events=[r.model_dump(exclude={"payload", "scope"}) for r in rows], channels=await store.event_stats(),
                         queue=await store.event_counts(), last_polls=syncs)


class ReplayIn(ToolInput):
    id: int = Field(description="From list_events.")
    rerun_side_effects: bool = Field(False, description="Applied event: run its actions again.")


class ReplayOut(ToolResult):
    id: int
    already_applied: bool = Field(description="The event's counts and money were applied before; not again.")
    side_effects_rerun: bool
    processed: int

    def summary(self) -> str:
        if self.already_applied and not self.side_effects_rerun:
            return (f"Event {self.id} was already applied; nothing ran again (pass rerun_side_effects=true to run "
                    f"its actions again; counts and money are never applied twice).")
        what = "its actions ran again; counts and money unchanged" if self.already_applied else "applied"
        return f"Event {self.id} replayed ({what}); {plural(self.processed, 'event')} processed."


@TOOLBOX.tool(toolset="events", title="Replay an event", idempotent=False)
async def replay_event(call: Call[OrchestratorDeps], args: ReplayIn) -> ReplayOut:
    """Process a dead (or processed) event again; counts and money never apply twice."""
    store = await call.deps.store()
    found = await store.get_event(args.id)
    if found is None:
        raise NotFound("Store", f"no event with id {args.id}; see list_events", status=404)
    if found.payload in ({"purged": True}, {"forgotten": True}):
        from shared.errors import InputError

        why = "purged by the retention policy" if "purged" in found.payload else "erased (forget_contact)"
        raise InputError(f"event {args.id} cannot run again: its payload was {why}", "id")
    applied = found.applied_at is not None
    if applied and not args.rerun_side_effects:
        return ReplayOut(id=args.id, already_applied=True, side_effects_rerun=False, processed=0)
    await store.replay_event(args.id, rerun_effects=args.rerun_side_effects)
    return ReplayOut(id=args.id, already_applied=applied, side_effects_rerun=applied and args.rerun_side_effects,
                     processed=(await _process(call.deps, 1000)).processed)
