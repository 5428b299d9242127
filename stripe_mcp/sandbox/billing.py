"""Subscriptions over time: creation with the first invoice, renewals, trials, retries, cancellation, the clock.

The clock (`advance`) replays what is due in time order: `trial_will_end` notices three days before a trial
ends, renewals at `current_period_end` (invoice created, finalized, paid or payment_failed -> past_due),
automatic retries of failed renewal invoices (3, 5, 7 days later, then the subscription is canceled),
cancellation at period end, and expiry of `incomplete` subscriptions after 23 hours.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from . import invoicing
from .errors import StripeError
from .runtime import Ctx, Sandbox, changed, public

LIVE = ("trialing", "active", "past_due")
TRIAL_NOTICE = 3 * 86400
INCOMPLETE_EXPIRY = 23 * 3600


def add_interval(ts: int, interval: str, count: int) -> int:
    if interval == "day":
        return ts + 86400 * count
    if interval == "week":
        return ts + 7 * 86400 * count
    d = dt.datetime.fromtimestamp(ts, dt.UTC)
    months = count * (12 if interval == "year" else 1)
    year, month = divmod(d.month - 1 + months, 12)
    year += d.year
    day = min(d.day, calendar.monthrange(year, month + 1)[1])
    return int(d.replace(year=year, month=month + 1, day=day).timestamp())


def next_period_end(sub: dict[str, Any], start: int) -> int:
    rec = sub["items"]["data"][0]["price"]["recurring"]
    return add_interval(start, rec["interval"], int(rec["interval_count"]))


def set_period(sub: dict[str, Any], start: int, end: int) -> None:
    sub["_current_period_start"], sub["_current_period_end"] = start, end
    for item in sub["items"]["data"]:
        item["current_period_start"], item["current_period_end"] = start, end


def invoice_period(ctx: Ctx, sub: dict[str, Any], period: tuple[int, int], reason: str, *,
                   trial: bool = False, include_items: bool = True) -> dict[str, Any]:
    """A finalized invoice for the subscription: one line per item (plus pending invoice items)."""
    cus = ctx.get("customer", sub["customer"])
    inv = invoicing.new_invoice(
        ctx, cus, currency=sub["currency"], collection_method=sub["collection_method"],
        days_until_due=sub.get("days_until_due"), subscription=sub, billing_reason=reason, period=period,
        auto_advance=True, description=sub.get("description"), coupon=sub.get("_coupon"),
    )
    if include_items:
        for item in sub["items"]["data"]:
            inv["lines"]["data"].append(invoicing.line_for_sub_item(ctx, inv, sub, item, period, trial))
    invoicing.attach_pending_items(ctx, inv, sub["id"])
    invoicing.recompute(inv)
    ctx.insert(inv)
    ctx.emit("invoice.created", inv)
    invoicing.finalize(ctx, inv)
    sub["latest_invoice"] = inv["id"]
    return inv


def collect(ctx: Ctx, sub: dict[str, Any], inv: dict[str, Any], *, pm: str | None = None,
            force_decline: str | None = None, automatic: bool = True) -> StripeError | None:
    if inv["status"] != "open" or sub["collection_method"] != "charge_automatically":
        return None
    return invoicing.pay(ctx, inv, pm, force_decline=force_decline, automatic=automatic)


def set_status(ctx: Ctx, sub: dict[str, Any], status: str) -> None:
    if sub["status"] == status:
        return
    before = public(sub)
    sub["status"] = status
    ctx.save(sub)
    ctx.emit("customer.subscription.updated", sub, changed(before, sub))


def after_invoice_paid(ctx: Ctx, inv: dict[str, Any], pi: dict[str, Any] | None = None) -> None:
    sub = ctx.find("subscription", inv.get("_subscription"))
    if sub is None:
        return
    save_pm = (sub.get("payment_settings") or {}).get("save_default_payment_method") == "on_subscription"
    if save_pm and pi is not None and pi.get("payment_method") and not sub.get("default_payment_method"):
        before = public(sub)
        sub["default_payment_method"] = pi["payment_method"]
        ctx.save(sub)
        ctx.emit("customer.subscription.updated", sub, changed(before, sub))
    if sub["status"] in ("incomplete", "past_due", "unpaid"):
        set_status(ctx, sub, "active")


def first_invoice(ctx: Ctx, sub: dict[str, Any], *, pm: str | None, payment_behavior: str) -> StripeError | None:
    """The subscription_create invoice; moves the subscription from incomplete to active when it is paid."""
    trial = sub["status"] == "trialing"
    inv = invoice_period(ctx, sub, (sub["_current_period_start"], sub["_current_period_end"]),
                         "subscription_create", trial=trial)
    ctx.save(sub)
    if trial:
        return None
    if sub["collection_method"] == "send_invoice" or inv["status"] == "paid":
        set_status(ctx, sub, "active")
        return None
    if payment_behavior == "default_incomplete":
        # The subscription stays incomplete; the buyer confirms the invoice's default payment intent, whose
        # client secret is `latest_invoice.confirmation_secret` (expand it).
        return None
    return collect(ctx, sub, inv, pm=pm, automatic=False)


def cancel_subscription(ctx: Ctx, sub: dict[str, Any], *, reason: str = "cancellation_requested",
                        at: int | None = None, comment: str | None = None, feedback: str | None = None) -> None:
    when = at if at is not None else ctx.now()
    sub.update({"status": "canceled", "canceled_at": sub.get("canceled_at") or when, "ended_at": when,
                "cancel_at_period_end": False})
    sub["cancellation_details"] = {"comment": comment, "feedback": feedback, "reason": reason}
    ctx.save(sub)
    ctx.emit("customer.subscription.deleted", sub)


def renew(ctx: Ctx, sub: dict[str, Any]) -> None:
    end = sub["_current_period_end"]
    if sub.get("cancel_at_period_end") or (sub.get("cancel_at") and sub["cancel_at"] <= end):
        cancel_subscription(ctx, sub, at=end)
        return
    before = public(sub)
    was_trialing = sub["status"] == "trialing"
    set_period(sub, end, next_period_end(sub, end))
    if was_trialing:
        sub["status"] = "active"
    inv = invoice_period(ctx, sub, (sub["_current_period_start"], sub["_current_period_end"]), "subscription_cycle")
    ctx.save(sub)
    ctx.emit("customer.subscription.updated", sub, changed(before, sub))
    err = collect(ctx, sub, inv, force_decline=invoicing.decline_for_renewal(ctx, sub))
    if err is not None:
        set_status(ctx, sub, "past_due")


def retry(ctx: Ctx, inv: dict[str, Any]) -> None:
    sub = ctx.find("subscription", inv.get("_subscription"))
    if sub is None or sub["status"] == "canceled":
        inv["next_payment_attempt"] = None
        ctx.save(inv)
        return
    inv["next_payment_attempt"] = None  # a failed attempt schedules the next one, if any are left
    ctx.save(inv)
    err = collect(ctx, sub, inv, force_decline=invoicing.decline_for_renewal(ctx, sub))
    if err is not None and inv.get("next_payment_attempt") is None:
        cancel_subscription(ctx, sub, reason="payment_failed")


def due_actions(sb: Sandbox) -> list[tuple[int, int, str, dict[str, Any]]]:
    """(when, order, kind, object) for everything the clock has to do, in no particular order."""
    out: list[tuple[int, int, str, dict[str, Any]]] = []
    for _, sub in sb.store.all("subscription"):
        status = sub["status"]
        if status == "trialing" and not sub.get("_trial_will_end_sent") and sub.get("trial_end"):
            out.append((max(sub["trial_end"] - TRIAL_NOTICE, sub.get("trial_start") or 0), 0, "trial_will_end", sub))
        if status in LIVE:
            if sub.get("cancel_at") and sub["cancel_at"] < sub["_current_period_end"]:
                out.append((sub["cancel_at"], 1, "cancel", sub))
            out.append((sub["_current_period_end"], 2, "renew", sub))
        if status == "incomplete":
            out.append((sub["created"] + INCOMPLETE_EXPIRY, 3, "expire", sub))
    for _, inv in sb.store.all("invoice"):
        if inv["status"] == "open" and inv.get("next_payment_attempt") and inv.get("_subscription"):
            out.append((inv["next_payment_attempt"], 4, "retry", inv))
    return out


def run_action(ctx: Ctx, kind: str, obj: dict[str, Any]) -> None:
    if kind == "trial_will_end":
        obj["_trial_will_end_sent"] = True
        ctx.save(obj)
        ctx.emit("customer.subscription.trial_will_end", obj)
    elif kind == "cancel":
        cancel_subscription(ctx, obj, at=obj["cancel_at"])
    elif kind == "renew":
        renew(ctx, obj)
    elif kind == "expire":
        inv = ctx.find("invoice", obj.get("latest_invoice"))
        if inv is not None and inv["status"] == "open":
            invoicing.void(ctx, inv)
        set_status(ctx, obj, "incomplete_expired")
    elif kind == "retry":
        retry(ctx, obj)


def advance(sb: Sandbox, target: int, *, max_steps: int = 5000) -> dict[str, Any]:
    """Run everything due up to `target` (in time order), then move the clock there. One transaction."""
    start_now = sb.now()
    target = max(target, start_now)
    events: list[str] = []
    steps = 0
    last_at = start_now
    with sb.store.transaction():
        while steps < max_steps:
            due = [a for a in due_actions(sb) if a[0] <= target]
            if not due:
                break
            when, _, kind, obj = min(due, key=lambda a: (a[0], a[1]))
            last_at = max(last_at, when)
            ctx = Ctx(sb, bool(obj.get("livemode")), at=last_at)
            fresh = sb.store.get(obj["object"], obj["id"])
            if fresh is None:
                break
            run_action(ctx, kind, fresh)
            events.extend(ctx.events)
            steps += 1
        sb.set_clock(target)
    return {"now": sb.now(), "clock_offset": round(sb.clock_offset, 3), "steps": steps, "events": events}
