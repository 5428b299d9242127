"""Retention: how long each kind of data stays, the purge (in the receiver on a schedule, and on demand with
`orchestrator-mcp retention run` or the purge_expired_data tool), and `orchestrator-mcp retention show`.

Policies, in days (0 or "off" keeps forever), from the environment, else the app config key "retention" (a dict
with the same names), else the defaults: raw event payloads 30 days after processing, audit entries 365, dead
letters 90, inactive contacts off.

The policy is the installation's, whatever the profile: its config and the time of the last scheduled purge are
kept under the store's own scope (shared/store/scope.STORE_SCOPE). The receiver's scheduled purge and
`orchestrator-mcp retention run` purge every profile's rows; the purge_expired_data tool only its caller's profile.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import TYPE_CHECKING, Any

from shared.store.models import RetentionPolicy
from shared.store.scope import STORE_SCOPE

if TYPE_CHECKING:
    from shared.store import Store

log = logging.getLogger(__name__)

ENV = {"event_payload_days": "ISMCP_RETENTION_EVENT_PAYLOAD_DAYS", "audit_days": "ISMCP_RETENTION_AUDIT_DAYS",
       "dead_letter_days": "ISMCP_RETENTION_DEAD_LETTER_DAYS",
       "inactive_contact_days": "ISMCP_RETENTION_INACTIVE_CONTACT_DAYS"}
INTERVAL_ENV = "ISMCP_RETENTION_INTERVAL_HOURS"  # between scheduled purges in the receiver, default 24
CONFIG_KEY = "retention"
LAST_RUN_KEY = "retention:last_run"
LABELS = {"event_payloads": "raw event payloads (after processing)", "audit_entries": "audit entries",
          "dead_letters": "dead letters", "contacts": "contacts with no activity"}
POLICY_OF = {"event_payloads": "event_payload_days", "audit_entries": "audit_days", "dead_letters": "dead_letter_days",
             "contacts": "inactive_contact_days"}


def _days(raw: Any, name: str) -> float | None:
    if raw is None:
        return None
    text = str(raw).strip().lower()
    if text in ("", "0", "off", "none", "never", "forever"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number of days or 'off', got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {raw!r}")
    return value


async def policy_for(store: Store) -> RetentionPolicy:
    configured = await store.get_config(CONFIG_KEY, default={}, scope=STORE_SCOPE) or {}
    policy = RetentionPolicy()
    for field, env in ENV.items():
        if env in os.environ:
            setattr(policy, field, _days(os.environ[env], env))
        elif field in configured:
            setattr(policy, field, _days(configured[field], f"retention.{field}"))
    return policy


def interval_seconds() -> float:
    raw = os.environ.get(INTERVAL_ENV, "").strip()
    hours = float(raw) if raw else 24.0
    if hours <= 0:
        raise ValueError(f"{INTERVAL_ENV} must be a positive number of hours, got {raw!r}")
    return hours * 3600


def describe_policy(policy: RetentionPolicy) -> str:
    return "; ".join(f"{LABELS[k]}: " + (f"{days:g} days" if (days := getattr(policy, f)) else "kept")
                     for k, f in POLICY_OF.items())


async def run_retention(store: Store, *, dry_run: bool = False, now: float | None = None,
                        all_scopes: bool = False) -> dict[str, Any]:
    """One purge under the configured policy: {"removed": {what: rows}, "policy": {...}, "at": t}. The profile in
    effect's rows, or with `all_scopes` every profile's (that one is the scheduled purge, and records its time)."""
    policy = await policy_for(store)
    at = time.time() if now is None else now
    removed = await store.purge_expired(policy, now=at, dry_run=dry_run, all_scopes=all_scopes)
    report = {"removed": removed, "policy": policy.as_dict(), "at": at}
    if all_scopes and not dry_run:
        await store.set_config(LAST_RUN_KEY, {"at": at, "removed": removed}, scope=STORE_SCOPE)
    return report


async def next_purge(store: Store) -> float | None:
    """When the receiver purges next (epoch seconds); None when it has never run one (it purges on start)."""
    last = await store.get_config(LAST_RUN_KEY, default=None, scope=STORE_SCOPE)
    return float(last["at"]) + interval_seconds() if last else None


async def retention_loop(store: Store, *, interval: float | None = None) -> None:
    """In the receiver: purge when due (at start when the last purge is older than the interval), then every
    interval. A failure is logged and tried again next time."""
    every = interval or interval_seconds()
    while True:
        last = await store.get_config(LAST_RUN_KEY, default=None, scope=STORE_SCOPE)
        due = (float(last["at"]) + every) if last else 0.0
        wait = due - time.time()
        if wait > 0:
            await asyncio.sleep(min(wait, every))
            continue
        try:
            report = await run_retention(store, all_scopes=True)
            log.warning("retention purge: %s", ", ".join(f"{k} {v}" for k, v in report["removed"].items()) or "nothing")
        except Exception as exc:  # noqa: BLE001 - the receiver keeps running; the next round tries again
            log.warning("retention purge failed: %s", type(exc).__name__)
            await asyncio.sleep(min(every, 300))


# --- CLI ---

async def status_lines(store: Store) -> list[str]:
    """What doctor and `retention show` print: policies, oldest row per table, next purge."""
    policy = await policy_for(store)
    oldest = await store.oldest_rows()
    now = time.time()
    ages = ", ".join(f"{table} {(now - t) / 86400:.0f} days" if t else f"{table} empty" for table, t in oldest.items())
    nxt = await next_purge(store)
    when = ("at the receiver's next start (no purge has run yet)" if nxt is None else
            "due now (the receiver purges when it runs)" if nxt <= now else
            f"in {(nxt - now) / 3600:.1f} h")
    return [f"policies: {describe_policy(policy)}", f"oldest rows: {ages}", f"next purge: {when}"]
