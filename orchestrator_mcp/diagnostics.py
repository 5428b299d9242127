"""What is wrong with the pipeline right now, each problem with the next step to fix it.

`system_status` calls `find_problems` so that one call answers "is anything wrong?". Every check reads only:
the Instantly campaigns, their analytics and the sending accounts; Stripe's past-due subscriptions and failed
payment intents; the store's event queue, webhook and poll times; and the pipeline configuration. A check that
cannot run (no key, API down) says so as a problem of its own instead of passing silently.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from shared.errors import describe

if TYPE_CHECKING:
    from orchestrator_mcp.deps import OrchestratorDeps

Severity = Literal["error", "warning"]

# Instantly campaign status codes (OpenAPI: Campaign.status).
CAMPAIGN_STATUS = {0: "draft", 1: "active", 2: "paused", 3: "completed", 4: "running subsequences",
                   -99: "suspended", -1: "accounts unhealthy", -2: "bounce protection"}
ACTIVE = 1
WARMUP_HEALTHY = 80  # Instantly shows warmup health below 80 % as needing attention.
BOUNCE_SPIKE = 0.05  # share of sent emails; Instantly's own bounce protection trips around here
UNSUBSCRIBE_SPIKE = 0.02
MIN_SENT_FOR_RATES = 20
NO_SENDS_AFTER = 24 * 3600  # an active campaign with leads that has sent nothing for a day is stuck
STALE_POLL = 24 * 3600
WEBHOOK_LAG = 3600  # polling saw events this much newer than the last webhook: webhooks are not arriving
FAILED_PAYMENT_WINDOW = 7 * 24 * 3600


@dataclass
class Problem:
    severity: Severity
    area: str
    what: str
    next_step: str

    def as_dict(self) -> dict[str, str]:
        return {"severity": self.severity, "area": self.area, "what": self.what, "next_step": self.next_step}


def _named(campaign: dict[str, Any]) -> str:
    return f"{campaign.get('name') or 'unnamed'} ({campaign['id']})"


def _enabled_days(schedule: dict[str, Any] | None) -> bool:
    """True when at least one schedule has a day switched on and a window that is not empty."""
    for entry in (schedule or {}).get("schedules") or []:
        days = entry.get("days") or {}
        timing = entry.get("timing") or {}
        if any(days.values()) and str(timing.get("from", "")) < str(timing.get("to", "~")):
            return True
    return False


def campaign_problems(campaigns: list[dict[str, Any]], analytics: dict[str, dict[str, Any]],
                      accounts: dict[str, dict[str, Any]], now: float) -> list[Problem]:
    out: list[Problem] = []
    for c in campaigns:
        status = c.get("status")
        name = _named(c)
        stats = analytics.get(c["id"], {})
        if status in (-1, -2, -99):
            out.append(Problem("error", "instantly", f"Campaign {name} is {CAMPAIGN_STATUS[status]}.",
                               "Check its sending accounts and bounce rate in Instantly, then reactivate it."))
            continue
        if status != ACTIVE:
            continue
        leads = int(stats.get("leads_count") or 0)
        if not leads:
            out.append(Problem("error", "instantly", f"Active campaign {name} has no leads.",
                               "Import leads with instantly_import_leads, or pause it."))
        senders = [e for e in c.get("email_list") or [] if (accounts.get(e) or {}).get("status") == 1]
        if not senders:
            out.append(Problem("error", "instantly", f"Active campaign {name} has no active sending account.",
                               "Add a connected account to the campaign (instantly_save_campaign, email_list)."))
        if not _enabled_days(c.get("campaign_schedule")):
            out.append(Problem("error", "instantly", f"Active campaign {name} has no sending day or window.",
                               "Set campaign_schedule days and hours with instantly_save_campaign."))
        sent = int(stats.get("emails_sent_count") or 0)
        created = _epoch(c.get("timestamp_created"))
        if leads and senders and not sent and created is not None and now - created > NO_SENDS_AFTER:
            out.append(Problem("warning", "instantly",
                               f"Active campaign {name} has {leads} leads but sent nothing since it was created.",
                               "Check its schedule window and daily limit, and the accounts' health."))
        if sent >= MIN_SENT_FOR_RATES:
            bounced = int(stats.get("bounced_count") or 0) / sent
            unsub = int(stats.get("unsubscribed_count") or 0) / sent
            if bounced >= BOUNCE_SPIKE:
                out.append(Problem("error", "instantly", f"Campaign {name}: {bounced:.0%} of {sent} sent emails "
                                   "bounced.", "Pause it and verify the lead list before sending more."))
            if unsub >= UNSUBSCRIBE_SPIKE:
                out.append(Problem("warning", "instantly", f"Campaign {name}: {unsub:.0%} of {sent} recipients "
                                   "unsubscribed.", "Review targeting and copy; consider pausing it."))
    return out


def account_problems(accounts: list[dict[str, Any]]) -> list[Problem]:
    out: list[Problem] = []
    for a in accounts:
        email, status = a.get("email"), a.get("status")
        if status is not None and status != 1:
            label = {2: "paused", -1: "in connection error", -2: "soft-bounce error", -3: "sending error"}.get(
                status, f"status {status}")
            out.append(Problem("error" if status < 0 else "warning", "instantly", f"Sending account {email} is {label}.",
                               "Resume it with instantly_manage_accounts, or reconnect it in Instantly."))
        warmup = a.get("warmup_status")
        if warmup == 0:
            out.append(Problem("warning", "instantly", f"Warmup is paused for {email}.",
                               "Enable warmup with instantly_manage_accounts."))
        elif warmup is not None and warmup < 0:
            label = {-1: "banned", -2: "in an unknown spam-folder state", -3: "permanently suspended"}.get(
                warmup, f"in error ({warmup})")
            out.append(Problem("error", "instantly", f"Warmup for {email} is {label}.",
                               "Check the account in Instantly's warmup settings; do not send from it meanwhile."))
        score = a.get("stat_warmup_score")
        if score is not None and score < WARMUP_HEALTHY:
            out.append(Problem("warning", "instantly", f"Warmup health of {email} is {score:.0f}/100.",
                               "Lower its daily limit and keep warmup on until it is above 80."))
    return out


def role_problems(roles: dict[str, str], campaigns: dict[str, dict[str, Any]]) -> list[Problem]:
    out: list[Problem] = []
    for role, cid in sorted(roles.items()):
        campaign = campaigns.get(cid)
        if campaign is None:
            out.append(Problem("error", "automation", f"The {role} role points at campaign {cid}, which does not exist.",
                               f"configure_pipeline with an existing campaign for {role}."))
        elif campaign.get("status") != ACTIVE:
            state = CAMPAIGN_STATUS.get(campaign.get("status"), str(campaign.get("status")))
            out.append(Problem("warning", "automation", f"The {role} role points at {_named(campaign)}, which is "
                               f"{state}: leads put there get no email.",
                               "Activate that campaign (instantly_set_campaign_status) or pick another."))
    return out


def event_problems(counts: dict[str, int], stats: list[dict[str, Any]], sync_times: dict[str, float],
                   webhook_secrets: dict[str, bool], now: float) -> list[Problem]:
    out: list[Problem] = []
    if dead := counts.get("dead", 0):
        out.append(Problem("error", "events", f"{dead} event{'s' if dead != 1 else ''} failed for good (dead-lettered).",
                           "list_events(status='dead') shows why; replay_event retries one after the fix."))
    last: dict[tuple[str, str], float] = {(s["source"], s["via"]): float(s["last_received_at"] or 0) for s in stats}
    for source in ("stripe", "instantly"):
        hook, poll = last.get((source, "webhook")), last.get((source, "poll"))
        if webhook_secrets.get(source) and hook is not None and poll is not None and poll - hook > WEBHOOK_LAG:
            out.append(Problem("warning", "events", f"{source.capitalize()} webhooks stopped arriving: polling found "
                               "newer events than the last webhook.",
                               "Check the receiver is reachable (list_events) and the endpoint in "
                               f"{source.capitalize()} is enabled."))
        polled = [t for k, t in sync_times.items() if k.startswith(source)]
        if polled and hook is None and now - max(polled) > STALE_POLL:
            hours = (now - max(polled)) / 3600
            out.append(Problem("warning", "events", f"{source.capitalize()} was last polled {hours:.0f} h ago and no "
                               "webhooks arrive: payments and replies since then are not acted on.",
                               "Run sync_now, or run the webhook receiver (orchestrator-mcp webhooks serve)."))
    return out


def stripe_problems(past_due: list[dict[str, Any]], failed: list[dict[str, Any]]) -> list[Problem]:
    out: list[Problem] = []
    for sub in past_due:
        customer = sub.get("customer")
        out.append(Problem("warning", "stripe", f"Subscription {sub['id']} of customer {customer} is {sub.get('status')}.",
                           "Make sure the dunning role is configured (configure_pipeline) so the customer is emailed."))
    if failed:
        shown = ", ".join(str(p["id"]) for p in failed[:5])
        out.append(Problem("warning", "stripe", f"{len(failed)} payment{'s' if len(failed) != 1 else ''} failed in the "
                           f"last 7 days ({shown}{', ...' if len(failed) > 5 else ''}).",
                           "stripe_payment_history for the customer shows the decline reason."))
    return out


def _epoch(value: Any) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    if not value:
        return None
    from datetime import datetime

    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


async def _guard(area: str, what: str, fn: Callable[[], Awaitable[list[Problem]]]) -> list[Problem]:
    try:
        return await fn()
    except Exception as exc:  # noqa: BLE001 - a check that cannot run is itself a finding
        return [Problem("error", area, f"Could not check {what}: {describe(exc)}",
                        "Fix the connection first (see the API status above), then ask again.")]


async def find_problems(deps: OrchestratorDeps, *, instantly_ok: bool, stripe_ok: bool,
                        webhook_secrets: dict[str, bool]) -> list[Problem]:
    now = time.time()
    problems: list[Problem] = []
    campaigns: dict[str, dict[str, Any]] = {}

    async def instantly_checks() -> list[Problem]:
        client = await deps.instantly_client()
        listed = [c.model_dump() for c in (await client.list_campaigns(max_items=500)).items]
        campaigns.update({c["id"]: c for c in listed})
        accounts = [a.model_dump() for a in (await client.list_accounts(max_items=500)).items]
        stats = {str(row.get("campaign_id")): row for row in await client.campaign_analytics()} if listed else {}
        return (campaign_problems(listed, stats, {a["email"]: a for a in accounts}, now)
                + account_problems(accounts))

    if instantly_ok:
        problems += await _guard("instantly", "campaigns and accounts", instantly_checks)

    async def stripe_checks() -> list[Problem]:
        client = await deps.stripe_client()
        past_due = [s for status in ("past_due", "unpaid")
                    for s in (await client.list_page("subscriptions", {"status": status}, limit=20)).items]
        recent = await client.list_page("payment_intents", {"created": {"gte": int(now - FAILED_PAYMENT_WINDOW)}}, limit=100)
        failed = [p for p in recent.items if p.get("last_payment_error") and p.get("status") != "succeeded"]
        return stripe_problems(past_due, failed)

    if stripe_ok:
        problems += await _guard("stripe", "subscriptions and payments", stripe_checks)

    store = await deps.store()
    problems += event_problems(await store.event_counts(), await store.event_stats(), await store.sync_times(),
                               webhook_secrets, now)
    cfg = await deps.config()
    if cfg.campaign_roles and instantly_ok and campaigns:
        problems += role_problems(dict(cfg.campaign_roles), campaigns)
    order = {"error": 0, "warning": 1}
    return sorted(problems, key=lambda p: order[p.severity])
