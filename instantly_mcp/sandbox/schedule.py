"""Time passing in the sandbox: active campaigns send the sequence steps that fall due, through their connected
sending accounts, within the accounts' and the campaign's daily limits.

The sandbox's timestamps are wall-clock; simulated time is a separate offset (workspace meta `sim_offset`) that
only this scheduler reads. A lead's first step is due at once; step N+1 is due `delay` (days, hours or minutes,
from `delay_unit`) after step N went out, as in Instantly (`delay` is the wait before the NEXT email).
Schedule windows (days and hours) are not simulated: a step that is due goes out on the next simulated day.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from instantly_mcp.sandbox.engagement import send_next_step
from instantly_mcp.sandbox.models import steps_of
from instantly_mcp.sandbox.web import ApiError

if TYPE_CHECKING:
    from instantly_mcp.sandbox.core import Sandbox

DAY = 86400
UNIT_SECONDS = {"minutes": 60, "hours": 3600, "days": DAY}
OFFSET_META = "sim_offset"


def sim_now(sb: Sandbox) -> float:
    return time.time() + float(sb.store.meta(OFFSET_META, 0.0) or 0.0)


def _delay_seconds(step: dict[str, Any]) -> float:
    return float(step.get("delay") or 0) * UNIT_SECONDS.get(str(step.get("delay_unit") or "days"), DAY)


def _due(lead: dict[str, Any], steps: list[dict[str, Any]], at: float) -> bool:
    index = int(lead.get("_next_step", 0))
    if lead.get("status") != 1 or not lead.get("email") or index >= len(steps):
        return False
    if index == 0:
        return True
    sent_at = float(lead.get("_sim_sent_at") or 0.0)
    return sent_at + _delay_seconds(steps[index - 1]) <= at


def connected_accounts(sb: Sandbox, campaign: dict[str, Any]) -> list[dict[str, Any]]:
    """The campaign's sending accounts that can send now (status 1)."""
    accounts = {a["email"]: a for a in sb.store.all("account")}
    return [accounts[e] for e in campaign.get("email_list") or [] if accounts.get(e, {}).get("status") == 1]


def _capacity(campaign: dict[str, Any], accounts: list[dict[str, Any]]) -> int:
    per_accounts = sum(int(a.get("daily_limit") or 30) for a in accounts)
    limit = campaign.get("daily_limit")
    return min(per_accounts, int(limit)) if limit else per_accounts


def _complete_if_done(sb: Sandbox, campaign: dict[str, Any]) -> bool:
    if campaign.get("is_evergreen") or not sb.store.count_leads(campaign=campaign["id"]):
        return False
    if any(lead["status"] == 1 for lead in sb.store.iter_leads(campaign=campaign["id"])):
        return False
    now = sb.clock.now()
    campaign.update(status=3, timestamp_updated=now)
    with sb.store.tx():
        sb.store.put("campaign", campaign)
        sb.webhooks.emit("campaign_completed", {
            "timestamp": now, "event_type": "campaign_completed", "workspace": sb.workspace_id,
            "campaign_id": campaign["id"], "campaign_name": campaign["name"]}, campaign["id"])
    return True


def advance(sb: Sandbox, seconds: float, campaign_id: str | None = None) -> dict[str, Any]:
    """Let `seconds` of simulated time pass, one day at a time; returns what each campaign sent."""
    if seconds < 0:
        raise ValueError("time only moves forward")
    start = sim_now(sb)
    end = start + seconds
    report: dict[str, dict[str, Any]] = {}
    slot = start
    while True:
        for campaign in sorted(sb.store.all("campaign"), key=lambda c: c["name"]):
            if campaign["status"] != 1 or campaign_id not in (None, campaign["id"]):
                continue
            entry = report.setdefault(campaign["id"], {
                "campaign_id": campaign["id"], "campaign_name": campaign["name"], "sent": 0, "by_step": {},
                "recipients": [], "waiting": 0, "skipped": None, "completed": False})
            accounts = connected_accounts(sb, campaign)
            if not accounts:
                entry["skipped"] = "no connected sending account is active"
                continue
            steps = steps_of(campaign)
            budget = _capacity(campaign, accounts)
            for lead in list(sb.store.iter_leads(campaign=campaign["id"])):
                if budget <= 0:
                    break
                if not _due(lead, steps, slot):
                    continue
                step = int(lead.get("_next_step", 0))
                try:
                    send_next_step(sb, lead, campaign)
                except ApiError as exc:
                    entry["skipped"] = str(exc)
                    break
                lead["_sim_sent_at"] = slot
                sb.store.put_lead(lead)
                budget -= 1
                entry["sent"] += 1
                entry["by_step"][str(step + 1)] = entry["by_step"].get(str(step + 1), 0) + 1
                if lead["email"] not in entry["recipients"]:
                    entry["recipients"].append(lead["email"])
            entry["completed"] = entry["completed"] or _complete_if_done(sb, campaign)
        if slot >= end:
            break
        slot = min(end, slot + DAY)
    sb.store.set_meta(OFFSET_META, float(sb.store.meta(OFFSET_META, 0.0) or 0.0) + seconds)
    for entry in report.values():
        campaign = sb.store.get("campaign", entry["campaign_id"]) or {}
        steps = steps_of(campaign)
        entry["waiting"] = sum(1 for lead in sb.store.iter_leads(campaign=entry["campaign_id"])
                               if lead.get("status") == 1 and int(lead.get("_next_step", 0)) < len(steps))
    return {"seconds": seconds, "campaigns": list(report.values()),
            "sent": sum(e["sent"] for e in report.values())}
