"""Event tools: process the queue on demand, poll both APIs, inspect and replay events, webhook health."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.events.polling import PollReport, poll_instantly, poll_stripe, refresh_campaign_performance
from orchestrator_mcp.events.runtime import processor_for
from orchestrator_mcp.tools import TOOLBOX
from shared.errors import NotFound
from shared.tooling import Call, ToolInput, ToolResult


class ProcessIn(ToolInput):
    limit: int = Field(1000, ge=1, le=100_000, description="Most events to process in this call.")


class ProcessOut(ToolResult):
    processed: int
    retried: int = Field(description="Failed and scheduled for another attempt.")
    dead: int = Field(description="Failed for the last time (dead letters; see list_events, replay_event).")
    errors: list[str]

    def summary(self) -> str:
        return f"Processed {self.processed} events; {self.retried} will be retried; {self.dead} dead-lettered."


async def _process(deps: OrchestratorDeps, limit: int) -> ProcessOut:
    report = await processor_for(deps, await deps.store()).run_once(limit=limit)
    return ProcessOut(processed=report.processed, retried=report.retried, dead=report.dead, errors=report.errors[:20])


@TOOLBOX.tool(toolset="events", title="Process events", idempotent=True)
async def process_events(call: Call[OrchestratorDeps], args: ProcessIn) -> ProcessOut:
    """Apply the automation rules to every stored event not yet processed (for setups without the receiver)."""
    return await _process(call.deps, args.limit)


class SyncNowIn(ToolInput):
    source: Literal["both", "stripe", "instantly"] = Field("both", description="Which API to poll.")
    process: bool = Field(True, description="Process the new events right away.")


class SyncNowOut(PollReport, ToolResult):
    processed: int = 0

    def summary(self) -> str:
        return (f"Polled: {self.stripe_new} new Stripe events, {self.instantly_new} new Instantly events; "
                f"{self.processed} processed.")


@TOOLBOX.tool(toolset="events", title="Poll now", idempotent=True)
async def sync_now(call: Call[OrchestratorDeps], args: SyncNowIn) -> SyncNowOut:
    """Poll Stripe events and Instantly replies, lead status and analytics since the last poll (for laptops without a
    public webhook URL, or to catch missed deliveries); duplicates of webhooks are stored once."""
    store = await call.deps.store()
    report = PollReport()
    if args.source in ("both", "stripe"):
        await call.progress(0, 3, "polling Stripe events")
        await poll_stripe(await call.deps.stripe_client(), store, report)
    if args.source in ("both", "instantly"):
        await call.progress(1, 3, "polling Instantly replies and lead status")
        instantly = await call.deps.instantly_client()
        await poll_instantly(instantly, store, report)
        report.campaigns_refreshed = await refresh_campaign_performance(instantly, store)
    processed = 0
    if args.process:
        await call.progress(2, 3, "processing events")
        processed = (await _process(call.deps, 100_000)).processed
    await call.progress(3, 3, "done")
    return SyncNowOut(**report.model_dump(), processed=processed)


class ListEventsIn(ToolInput):
    status: Literal["pending", "processed", "dead"] | None = Field(None, description="Only events in this state.")
    type: str | None = Field(None, description="Only this event type, e.g. invoice.paid or reply_received.")
    source: Literal["stripe", "instantly"] | None = Field(None, description="Only this source.")
    limit: int = Field(50, ge=1, le=1000, description="Most events to return, newest first.")


class ListEventsOut(ToolResult):
    events: list[dict[str, Any]]

    def summary(self) -> str:
        return f"{len(self.events)} events."


@TOOLBOX.tool(toolset="events", title="List events", read_only=True, idempotent=True, open_world=False)
async def list_events(call: Call[OrchestratorDeps], args: ListEventsIn) -> ListEventsOut:
    """Stored inbound events by status and type, newest first, with attempts and the last error."""
    rows = await (await call.deps.store()).list_events(status=args.status, type_=args.type, source=args.source,
                                                        limit=args.limit)
    return ListEventsOut(events=[r.model_dump(exclude={"payload"}) for r in rows])


class ReplayIn(ToolInput):
    id: int = Field(description="The event's numeric id (from list_events).")
    rerun_side_effects: bool = Field(
        False, description="For an event already applied: run its outside actions again (move the lead into a "
                           "role's campaign, send a payment link). Counters and money are never applied twice; "
                           "without this, replaying an applied event changes nothing.")


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
        return f"Event {self.id} replayed ({what}); {self.processed} events processed."


@TOOLBOX.tool(toolset="events", title="Replay an event", idempotent=False)
async def replay_event(call: Call[OrchestratorDeps], args: ReplayIn) -> ReplayOut:
    """Queue a dead-lettered (or processed) event again and process the queue. An event applied before never
    counts again (opens, clicks, replies, payments); its outside actions run again only with rerun_side_effects."""
    store = await call.deps.store()
    found = await store.get_event(args.id)
    if found is None:
        raise NotFound("Store", f"no event with id {args.id}; see list_events", status=404)
    applied = found.applied_at is not None
    if applied and not args.rerun_side_effects:
        return ReplayOut(id=args.id, already_applied=True, side_effects_rerun=False, processed=0)
    await store.replay_event(args.id, rerun_effects=args.rerun_side_effects)
    return ReplayOut(id=args.id, already_applied=applied, side_effects_rerun=applied and args.rerun_side_effects,
                     processed=(await _process(call.deps, 1000)).processed)


class Empty(ToolInput):
    pass


class WebhookStatus(ToolResult):
    channels: list[dict[str, Any]] = Field(description="Per source and channel: count, last received, retrying, dead.")
    queue: dict[str, int] = Field(description="Events per status.")
    last_polls: dict[str, float]

    def summary(self) -> str:
        parts = [f"{c['source']}/{c['via']}: {c['count']} (dead {c['dead']})" for c in self.channels]
        return f"{'; '.join(parts) or 'no events yet'}. Queue: {self.queue}."


@TOOLBOX.tool(toolset="events", title="Webhook status", read_only=True, idempotent=True, open_world=False)
async def webhook_status(call: Call[OrchestratorDeps], args: Empty) -> WebhookStatus:
    """Last delivery per source, retrying and dead-lettered events, queue depth and last poll times."""
    store = await call.deps.store()
    syncs = {k: v for k, v in (await store.sync_times()).items() if k.startswith("poll:")}
    return WebhookStatus(channels=await store.event_stats(), queue=await store.event_counts(), last_polls=syncs)
