"""Simulation controls the clock alone does not cover: the `invoice.upcoming` notice before a renewal.

POST /_sandbox/subscriptions/{id}/upcoming -> emits `invoice.upcoming` for the subscription's next invoice now
POST /_sandbox/simulate/advance {seconds}  -> like /_sandbox/advance_time, and also sends each live
                                              subscription's `invoice.upcoming` notice when it falls due

Stripe sends `invoice.upcoming` a configurable number of days before a subscription renews (the account's
"upcoming renewal events" setting; 7 days here). The invoice in that event is a preview: it has no `id`
("always present unless the invoice is an upcoming invoice", Stripe's Invoice object reference).
"""

from __future__ import annotations

from typing import Any

from . import billing, invoicing
from .runtime import Ctx, Sandbox

UPCOMING_NOTICE = 7 * 86400


def period_end(sub: dict[str, Any]) -> int:
    """The current period's end: on the subscription in older API versions, on its items in newer ones."""
    if sub.get("current_period_end"):
        return int(sub["current_period_end"])
    items = (sub.get("items") or {}).get("data") or []
    return int(items[0]["current_period_end"]) if items else 0


def emit_upcoming(ctx: Ctx, sub: dict[str, Any]) -> dict[str, Any]:
    """Emit `invoice.upcoming` for the next renewal invoice of `sub` (nothing is stored but the event)."""
    start = period_end(sub)
    end = billing.next_period_end(sub, start)
    cus = ctx.get("customer", sub["customer"])
    inv = invoicing.new_invoice(
        ctx, cus, currency=sub["currency"], collection_method=sub["collection_method"],
        days_until_due=sub.get("days_until_due"), subscription=sub, billing_reason="upcoming", period=(start, end),
        auto_advance=True, description=sub.get("description"), coupon=sub.get("_coupon"))
    for item in sub["items"]["data"]:
        inv["lines"]["data"].append(invoicing.line_for_sub_item(ctx, inv, sub, item, (start, end), False))
    invoicing.recompute(inv)
    inv.pop("id", None)
    inv["created"] = start
    inv["next_payment_attempt"] = start if sub["collection_method"] == "charge_automatically" else None
    inv["lines"]["url"] = "/v1/invoices/upcoming/lines"
    for line in inv["lines"]["data"]:
        line["invoice"] = None
    sub["_upcoming_for"] = start
    ctx.save(sub)
    ctx.emit("invoice.upcoming", inv)
    return inv


def _next_notice(sb: Sandbox, target: int) -> tuple[int, dict[str, Any]] | None:
    due = []
    for _, sub in sb.store.all("subscription"):
        end = period_end(sub)
        if sub["status"] not in billing.LIVE or sub.get("cancel_at_period_end") or not end:
            continue
        if sub.get("_upcoming_for") == end:
            continue
        at = max(end - UPCOMING_NOTICE, sb.now())
        if at <= target and at < end:
            due.append((at, sub))
    return min(due, key=lambda d: d[0]) if due else None


def advance(sb: Sandbox, seconds: int) -> dict[str, Any]:
    """Let `seconds` pass: renewals, retries, trial ends and cancellations as /_sandbox/advance_time does, with
    each `invoice.upcoming` notice sent at its time, in order."""
    if seconds < 0:
        raise ValueError("seconds must be >= 0 (the clock only moves forward)")
    target = sb.now() + seconds
    events: list[str] = []
    steps = 0
    for _ in range(1000):
        nxt = _next_notice(sb, target)
        if nxt is None:
            break
        at, sub = nxt
        ran = billing.advance(sb, at)
        events += ran["events"]
        steps += ran["steps"]
        fresh = sb.store.get("subscription", sub["id"])
        if fresh is None or fresh["status"] not in billing.LIVE or period_end(fresh) != period_end(sub):
            continue  # renewed or ended on the way: its notice is looked at again
        with sb.store.transaction():
            ctx = Ctx(sb, bool(fresh.get("livemode")), at=at)
            emit_upcoming(ctx, fresh)
        events += ctx.events
    ran = billing.advance(sb, target)
    return {**ran, "steps": steps + ran["steps"], "events": events + ran["events"]}


def upcoming_now(sb: Sandbox, sub: dict[str, Any]) -> dict[str, Any]:
    if sub["status"] not in billing.LIVE:
        raise ValueError(f"Subscription {sub['id']} is {sub['status']}: no invoice is coming up.")
    with sb.store.transaction():
        ctx = Ctx(sb, bool(sub.get("livemode")))
        inv = emit_upcoming(ctx, sub)
    return {"invoice": inv, "events": ctx.events}
