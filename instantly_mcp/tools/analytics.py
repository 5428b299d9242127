"""One analytics tool with four views; rates (%) are computed here because the API returns counts only."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from instantly_mcp.client.enums import CAMPAIGN_STATUS, name_of
from instantly_mcp.deps import InstantlyDeps
from instantly_mcp.tools.box import TOOLBOX
from instantly_mcp.tools.common import client_of, render_named
from instantly_mcp.tools.resolve import Names, label
from shared.errors import InputError
from shared.render import plural
from shared.tooling import Call, ToolInput, ToolResult

_DATE = r"^\d{4}-\d{2}-\d{2}"


def rate(part: Any, whole: Any) -> float | None:
    """part/whole in percent with 2 decimals, None when there is no denominator."""
    try:
        p, w = float(part or 0), float(whole or 0)
    except (TypeError, ValueError):
        return None
    return round(100.0 * p / w, 2) if w > 0 else None


def _first(row: dict[str, Any], *names: str) -> Any:
    for n in names:
        if row.get(n) is not None:
            return row[n]
    return 0


def campaign_rates(row: dict[str, Any]) -> dict[str, Any]:
    """Rates per contacted lead (emails sent when nothing is counted as contacted); unique counts preferred."""
    base = _first(row, "contacted_count") or _first(row, "emails_sent_count")
    out = dict(row)
    if "campaign_status" in out:
        out["campaign_status"] = name_of(CAMPAIGN_STATUS, out["campaign_status"])
    out.update(
        open_rate=rate(_first(row, "open_count_unique", "open_count"), base),
        click_rate=rate(_first(row, "link_click_count_unique", "link_click_count"), base),
        reply_rate=rate(_first(row, "reply_count_unique", "reply_count"), base),
        bounce_rate=rate(row.get("bounced_count"), base),
    )
    return out


def period_rates(row: dict[str, Any]) -> dict[str, Any]:
    """Daily and per-step rows: per email sent (per contacted lead when the day counts them)."""
    base = _first(row, "contacted") or _first(row, "sent")
    out = dict(row)
    if out.get("variant") is not None and str(out["variant"]).isdigit():
        out["variant"] = chr(ord("A") + int(out["variant"]))  # "0" -> A, "1" -> B
    out.update(
        open_rate=rate(_first(row, "unique_opened", "opened"), base),
        click_rate=rate(_first(row, "unique_clicks", "clicks"), base),
        reply_rate=rate(_first(row, "unique_replies", "replies"), base),
    )
    return out


class Analytics(ToolInput):
    view: Literal["summary", "overview", "daily", "steps"] = Field(
        "summary", description="summary: per campaign; overview: totals incl. meetings/won; daily: per day; "
                               "steps: per step/variant.")
    campaign_id: str | None = Field(None, description="One campaign, name or id (steps needs it); omit for all.")
    start_date: str | None = Field(None, pattern=_DATE, description="From, YYYY-MM-DD.")
    end_date: str | None = Field(None, pattern=_DATE, description="To, YYYY-MM-DD.")


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{value}%"


class AnalyticsResult(ToolResult):
    view: str
    campaign: str | None = None
    rows: list[dict[str, Any]]

    def summary(self) -> str:
        scope = f" for campaign {self.campaign}" if self.campaign else ""
        if not self.rows:
            return f"{self.view}{scope}: no data for this range."
        if self.view in ("summary", "overview"):
            parts = []
            for r in self.rows[:5]:
                name = (label(r.get("campaign_name"), r.get("campaign_id")) or self.campaign
                        or "all campaigns")
                parts.append(f"{name}: sent {r.get('emails_sent_count', 0)}, open {_pct(r.get('open_rate'))}, "
                             f"reply {_pct(r.get('reply_rate'))}, click {_pct(r.get('click_rate'))}, "
                             f"bounce {_pct(r.get('bounce_rate'))}")
            more = f" (+{len(self.rows) - 5} more)" if len(self.rows) > 5 else ""
            return "; ".join(parts) + more + "."
        return f"{self.view}{scope}: {plural(len(self.rows), 'row')}."

    def render_body(self, data: dict[str, Any]) -> str:
        return render_named(data)


@TOOLBOX.tool(toolset="analytics", title="Campaign analytics", read_only=True, destructive=False, idempotent=True,
              open_world=True)
async def instantly_campaign_analytics(call: Call[InstantlyDeps], args: Analytics) -> AnalyticsResult:
    """Campaign performance with open, click, reply and bounce rates (%)."""
    client = await client_of(call)
    campaign = await Names(client).campaign(args.campaign_id) if args.campaign_id else None
    campaign_id = campaign.id if campaign else None
    ids = [campaign_id] if campaign_id else None
    dates = {"start_date": args.start_date, "end_date": args.end_date}
    if args.view == "summary":
        rows = [campaign_rates(r) for r in await client.campaign_analytics(ids, **dates)]
    elif args.view == "overview":
        rows = [campaign_rates(await client.analytics_overview(ids, **dates))]
    elif args.view == "daily":
        rows = [period_rates(r) for r in await client.analytics_daily(campaign_id, **dates)]
    else:
        if not campaign_id:
            raise InputError("the steps view needs a campaign_id", "campaign_id")
        rows = [period_rates(r) for r in await client.analytics_steps(campaign_id, **dates)]
    return AnalyticsResult(view=args.view, rows=rows,
                           campaign=label(campaign.name, campaign.id) if campaign else None)
