"""Reports from the store, with fresh data pulled on request: the conversion funnel, and revenue attribution
with ROI. Both take the same inputs; campaigns are given and shown by name."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field

from orchestrator_mcp.charts import funnel_png, revenue_png
from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.tools import TOOLBOX
from orchestrator_mcp.tools.resolve import Resolver
from shared.render import money, plural
from shared.tooling import Call, ToolInput, ToolResult


class Range(ToolInput):
    campaign_id: str | None = Field(None, description="Name or id (default: all).")
    days: float | None = Field(None, gt=0, description="Last N days (default: all).")
    refresh: bool = Field(False, description="Pull Instantly analytics first.")
    chart: bool = True


async def _prepare(deps: OrchestratorDeps, args: Range, names: Resolver) -> tuple[Any, float | None, str | None]:
    from orchestrator_mcp.events.polling import refresh_campaign_performance

    campaign = await names.campaign(args.campaign_id)
    store = await deps.store()
    if args.refresh:
        await refresh_campaign_performance(await deps.instantly_client(), store)
    return store, (time.time() - args.days * 86400 if args.days else None), campaign


class FunnelOut(ToolResult):
    campaign_id: str | None
    campaign: str = Field(description="The campaign's name and id, or all campaigns.")
    counts: dict[str, int] = Field(description="Contacts per stage: contacted (an email was sent), opened, clicked, "
                                               "replied, link_created, link_sent (emailed after the link), paid.")
    rates: dict[str, float | None] = Field(description="Stage-to-stage conversion rates (0-1).")

    def summary(self) -> str:
        flow = " -> ".join(f"{k.replace('_', ' ')} {v}" for k, v in self.counts.items())
        return f"Funnel for {self.campaign}: {flow}."


@TOOLBOX.tool(toolset="reports", title="Conversion funnel", read_only=True, idempotent=True)
async def funnel_report(call: Call[OrchestratorDeps], args: Range) -> FunnelOut:
    """Funnel with stage rates and a chart: contacted (an email sent), opened, clicked, replied, link_created,
    link_sent (an email after the link), paid."""
    from orchestrator_mcp import analytics  # SQLAlchemy: loaded on first use, not at start-up

    names = Resolver(call.deps)
    store, since, campaign = await _prepare(call.deps, args, names)
    f = await analytics.funnel(store, campaign_id=campaign, since=since)
    title = await names.campaign_name(campaign)
    out = FunnelOut(campaign_id=campaign, campaign=title, counts=f.counts, rates=f.rates)
    if args.chart:
        out.attach_image(funnel_png([(k.replace("_", " "), v) for k, v in f.counts.items()], f"Funnel: {title}"))
    return out


class Attribution(Range):
    costs: dict[str, int] = Field(default_factory=dict, description="Campaign -> cost, minor units.")
    period: Literal["day", "week", "month"] = "week"


class CampaignLine(ToolResult):
    campaign_id: str
    campaign: str = Field(description="Name and id.")
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
    costs_unmatched: list[str] = Field(default_factory=list,
                                       description="Campaigns in costs with no attributed revenue in the range.")

    def summary(self) -> str:
        if not self.campaigns:
            return "No attributed revenue yet."
        best = self.campaigns[0]
        roi = f", ROI {best.roi:+.0%}" if best.roi is not None else ""
        unmatched = (f" No revenue yet for costed {', '.join(self.costs_unmatched)}." if self.costs_unmatched else "")
        return (f"{plural(len(self.campaigns), 'campaign')} with revenue; best {best.campaign}: "
                f"{money(best.revenue, best.currency)} from {plural(best.payments, 'payment')}{roi}.{unmatched}")


def _bucket(ts: float, period: str) -> str:
    d = datetime.fromtimestamp(ts, tz=UTC).date()
    if period == "month":
        return d.strftime("%Y-%m")
    if period == "week":
        iso = d.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return d.isoformat()


@TOOLBOX.tool(toolset="reports", title="Revenue and ROI", read_only=True, idempotent=True)
async def revenue_attribution(call: Call[OrchestratorDeps], args: Attribution) -> AttributionOut:
    """Revenue per campaign, best first, per contact and email; ROI and cost per reply given costs; trend."""
    from orchestrator_mcp import analytics

    names = Resolver(call.deps)
    store, since, campaign = await _prepare(call.deps, args, names)
    costs: dict[str, int] = {}
    for ref, cost in args.costs.items():
        costs[await names.campaign(ref, f"costs[{ref!r}]") or ref] = cost
    rows = await analytics.attribution(store, campaign_id=campaign, since=since)
    lines = []
    for r in rows:
        cost = costs.get(r.campaign_id)
        lines.append(CampaignLine(
            **r.__dict__, campaign=await names.campaign_name(r.campaign_id),
            revenue_per_contact=round(r.revenue / r.contacts, 2) if r.contacts else None,
            revenue_per_email_sent=round(r.revenue / r.emails_sent, 2) if r.emails_sent else None,
            cost=cost, roi=round((r.revenue - cost) / cost, 4) if cost else None,
            cost_per_reply=round(cost / r.replies, 2) if cost and r.replies else None,
        ))
    seen = {line.campaign_id for line in lines}
    unmatched = [await names.campaign_name(c) for c in costs if c not in seen]
    payments = await store.payments_for(campaign_id=campaign)
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for p in payments:
        if p["campaign_id"] and (since is None or p["at"] >= since):
            sums[(_bucket(p["at"], args.period), p["currency"])] += p["amount"]
    trend = [{"period": k[0], "currency": k[1], "revenue": v} for k, v in sorted(sums.items())]
    out = AttributionOut(campaigns=lines, trend=trend, costs_unmatched=unmatched)
    if args.chart and trend:
        currency = max({t["currency"] for t in trend}, key=lambda c: sum(t["revenue"] for t in trend
                                                                        if t["currency"] == c))
        points = [(t["period"], t["revenue"] / 100) for t in trend if t["currency"] == currency]
        title = await names.campaign_name(campaign) if campaign else "all campaigns"
        out.attach_image(revenue_png(points, currency, f"Attributed revenue per {args.period}: {title}"))
    return out
