"""Reports from the store, with fresh data pulled on request: funnel, attribution and ROI, journeys."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field

from orchestrator_mcp.charts import funnel_png, revenue_png
from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.tools import TOOLBOX
from shared.errors import NotFound
from shared.tooling import Call, ToolInput, ToolResult


class Range(ToolInput):
    campaign_id: str | None = Field(None, description="One campaign (default: all).")
    days: float | None = Field(None, gt=0, description="Only activity in the last N days (default: all time).")
    refresh: bool = Field(False, description="Pull fresh campaign analytics from Instantly first.")
    chart: bool = Field(True, description="Attach a PNG picture.")


async def _prepare(deps: OrchestratorDeps, args: Range) -> tuple[Any, float | None]:
    from orchestrator_mcp.events.polling import refresh_campaign_performance

    store = await deps.store()
    if args.refresh:
        await refresh_campaign_performance(await deps.instantly_client(), store)
    return store, (time.time() - args.days * 86400 if args.days else None)


class FunnelOut(ToolResult):
    campaign_id: str | None
    counts: dict[str, int] = Field(description="Contacts per stage: contacted (an email was sent), opened, clicked, "
                                               "replied, link_created, link_sent (emailed after the link was "
                                               "created), paid.")
    rates: dict[str, float | None] = Field(description="Stage-to-stage conversion rates (0-1).")

    def summary(self) -> str:
        flow = " -> ".join(f"{k} {v}" for k, v in self.counts.items())
        return f"Funnel{' for ' + self.campaign_id if self.campaign_id else ''}: {flow}."


@TOOLBOX.tool(toolset="reports", title="Conversion funnel", read_only=True, idempotent=True)
async def funnel_report(call: Call[OrchestratorDeps], args: Range) -> FunnelOut:
    """Conversion funnel by campaign and time range with stage-to-stage rates, plus a chart. Stages: contacted
    (an email was sent, not merely imported), opened, clicked, replied, link_created (a payment link was made),
    link_sent (an email went out after the link was made), paid."""
    from orchestrator_mcp import analytics  # SQLAlchemy: loaded on first use, not at start-up

    store, since = await _prepare(call.deps, args)
    f = await analytics.funnel(store, campaign_id=args.campaign_id, since=since)
    out = FunnelOut(campaign_id=args.campaign_id, counts=f.counts, rates=f.rates)
    if args.chart:
        out.attach_image(funnel_png([(k.replace("_", " "), v) for k, v in f.counts.items()],
                                    f"Funnel: {args.campaign_id or 'all campaigns'}"))
    return out


class Attribution(Range):
    costs: dict[str, int] = Field(default_factory=dict, description="Campaign id -> cost in minor units, for ROI "
                                                                    "and cost per reply.")
    period: Literal["day", "week", "month"] = Field("week", description="Bucket size of the revenue trend.")


class CampaignLine(ToolResult):
    campaign_id: str
    currency: str
    revenue: int = Field(description="Minor units, refunds netted.")
    payments: int
    paying_contacts: int
    contacts: int
    emails_sent: int
    replies: int
    revenue_per_contact: float | None
    revenue_per_email_sent: float | None
    cost: int | None = None
    roi: float | None = Field(None, description="(revenue - cost) / cost.")
    cost_per_reply: float | None = None


class AttributionOut(ToolResult):
    campaigns: list[CampaignLine] = Field(description="Best first (revenue).")
    trend: list[dict[str, Any]] = Field(description="Attributed revenue per period and currency.")

    def summary(self) -> str:
        if not self.campaigns:
            return "No attributed revenue yet."
        best = self.campaigns[0]
        return (f"{len(self.campaigns)} campaigns; best {best.campaign_id}: {best.revenue} {best.currency} "
                f"from {best.payments} payments.")


def _bucket(ts: float, period: str) -> str:
    d = datetime.fromtimestamp(ts, tz=UTC).date()
    if period == "month":
        return d.strftime("%Y-%m")
    if period == "week":
        iso = d.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return d.isoformat()


@TOOLBOX.tool(toolset="reports", title="Revenue attribution and ROI", read_only=True, idempotent=True)
async def revenue_attribution(call: Call[OrchestratorDeps], args: Attribution) -> AttributionOut:
    """Revenue attributed to each campaign from payment metadata, best first: revenue per contact and per email
    sent, ROI and cost per reply when costs are given, and the revenue trend as a chart."""
    from orchestrator_mcp import analytics

    store, since = await _prepare(call.deps, args)
    rows = await analytics.attribution(store, campaign_id=args.campaign_id, since=since)
    lines = []
    for r in rows:
        cost = args.costs.get(r.campaign_id)
        lines.append(CampaignLine(
            **r.__dict__,
            revenue_per_contact=round(r.revenue / r.contacts, 2) if r.contacts else None,
            revenue_per_email_sent=round(r.revenue / r.emails_sent, 2) if r.emails_sent else None,
            cost=cost, roi=round((r.revenue - cost) / cost, 4) if cost else None,
            cost_per_reply=round(cost / r.replies, 2) if cost and r.replies else None,
        ))
    payments = await store.payments_for(campaign_id=args.campaign_id)
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for p in payments:
        if p["campaign_id"] and (since is None or p["at"] >= since):
            sums[(_bucket(p["at"], args.period), p["currency"])] += p["amount"]
    trend = [{"period": k[0], "currency": k[1], "revenue": v} for k, v in sorted(sums.items())]
    out = AttributionOut(campaigns=lines, trend=trend)
    if args.chart and trend:
        currency = max({t["currency"] for t in trend}, key=lambda c: sum(t["revenue"] for t in trend
                                                                        if t["currency"] == c))
        points = [(t["period"], t["revenue"] / 100) for t in trend if t["currency"] == currency]
        out.attach_image(revenue_png(points, currency, f"Attributed revenue per {args.period}"))
    return out


class Journey(ToolInput):
    email: str = Field(description="The contact's email.")
    limit: int = Field(200, ge=1, le=2000, description="Most events to return.")


class JourneyOut(ToolResult):
    email: str
    contact: dict[str, Any]
    events: list[dict[str, Any]] = Field(description="Every stored event from both sides, oldest first.")

    def summary(self) -> str:
        kinds = ", ".join(e["type"] for e in self.events[-5:])
        return f"{self.email}: {len(self.events)} events; latest: {kinds or 'none'}."


@TOOLBOX.tool(toolset="reports", title="Customer journey", read_only=True, idempotent=True, open_world=False)
async def customer_journey(call: Call[OrchestratorDeps], args: Journey) -> JourneyOut:
    """Every event for one contact from Instantly and Stripe, in time order, with the contact's current state."""
    store = await call.deps.store()
    contact = await store.get_contact(email=args.email)
    if contact is None:
        raise NotFound("Store", f"no contact with email {args.email}; run sync_contact first", status=404)
    events = await store.events_for_contact(contact.email, contact.stripe_customer_id, limit=args.limit)
    return JourneyOut(email=contact.email, contact=contact.model_dump(mode="json"), events=[
        {"at": e.received_at, "source": e.source, "type": e.type, "id": e.event_id, "status": e.status}
        for e in events])


class Refresh(ToolInput):
    pass


class RefreshOut(ToolResult):
    campaigns: int

    def summary(self) -> str:
        return f"campaign_performance refreshed for {self.campaigns} campaigns."


@TOOLBOX.tool(toolset="reports", title="Refresh campaign performance", idempotent=True)
async def refresh_campaign_stats(call: Call[OrchestratorDeps], args: Refresh) -> RefreshOut:
    """Pull every campaign's analytics from Instantly into the store's campaign_performance table."""
    from orchestrator_mcp.events.polling import refresh_campaign_performance

    n = await refresh_campaign_performance(await call.deps.instantly_client(), await call.deps.store())
    return RefreshOut(campaigns=n)
