"""Subscriptions: create (trial, first invoice), update items with prorations, cancel now or at period end, list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import billing, invoicing
from ..errors import invalid, missing_param
from ..listing import field_filters, list_object, paginate, range_filter, respond
from ..params import Params
from ..routing import route
from ..runtime import changed, public
from ..search import search
from .catalog import new_price, price_amount
from .coupons import coupon_from_params, redeem
from .invoiceitems import new_item
from .payments import attach_payment_method

if TYPE_CHECKING:
    from ..runtime import Ctx

STATUSES = ("active", "all", "canceled", "ended", "incomplete", "incomplete_expired", "past_due", "paused",
            "trialing", "unpaid")
PRORATIONS = ("always_invoice", "create_prorations", "none")


def plan_of(price: dict[str, Any]) -> dict[str, Any]:
    rec = price.get("recurring") or {}
    return {
        "id": price["id"], "object": "plan", "active": price["active"],
        "amount": price.get("unit_amount"), "amount_decimal": price.get("unit_amount_decimal"),
        "billing_scheme": price.get("billing_scheme", "per_unit"), "created": price["created"],
        "currency": price["currency"], "interval": rec.get("interval"), "interval_count": rec.get("interval_count"),
        "livemode": price["livemode"], "metadata": dict(price.get("metadata") or {}), "meter": None,
        "nickname": price.get("nickname"), "product": price["product"], "tiers_mode": None, "transform_usage": None,
        "trial_period_days": None, "usage_type": rec.get("usage_type", "licensed"),
    }


def new_sub_item(ctx: Ctx, sub: dict[str, Any], price: dict[str, Any], quantity: int,
                 metadata: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "id": ctx.id("si_"), "object": "subscription_item", "billing_thresholds": None, "created": ctx.now(),
        "current_period_end": sub.get("_current_period_end"), "current_period_start": sub.get("_current_period_start"),
        "discounts": [], "metadata": metadata or {}, "plan": plan_of(price), "price": public(price),
        "quantity": quantity, "subscription": sub["id"], "tax_rates": [],
    }


def price_for_item(ctx: Ctx, item: Params) -> dict[str, Any]:
    price_id = item.str("price") or item.str("plan")
    if price_id:
        price = ctx.get("price", price_id, item.name("price"))
    elif item.sub("price_data") is not None:
        price = new_price(ctx, item.sub("price_data"), emit=False)  # type: ignore[arg-type]
    else:
        raise missing_param(item.name("price"))
    if price["type"] != "recurring":
        raise invalid("The price specified is set to `type=one_time` but this field only accepts prices with "
                      "`type=recurring`.", item.name("price"))
    if not price["active"]:
        raise invalid("The price specified is inactive. This field only accepts active prices.", item.name("price"))
    return price


def check_compatible(items: list[dict[str, Any]], param: str = "items") -> None:
    if not items:
        raise invalid("A subscription needs at least one item.", param)
    first = items[0]["price"]
    for i, item in enumerate(items[1:], 1):
        price = item["price"]
        if price["currency"] != first["currency"]:
            raise invalid("All prices on a subscription must have the same `currency`.", f"{param}[{i}][price]")
        if (price["recurring"]["interval"], price["recurring"]["interval_count"]) != (
                first["recurring"]["interval"], first["recurring"]["interval_count"]):
            raise invalid("All prices on a subscription must have the same `recurring.interval` and "
                          "`recurring.interval_count`.", f"{param}[{i}][price]")
    ids = [i["price"]["id"] for i in items]
    if len(ids) != len(set(ids)):
        raise invalid("Cannot add multiple subscription items with the same price.", param)


def build(ctx: Ctx, cus: dict[str, Any], lines: list[tuple[dict[str, Any], int, dict[str, str]]], *,
          trial_end: int | None = None, metadata: dict[str, str] | None = None, default_pm: str | None = None,
          collection_method: str = "charge_automatically", days_until_due: int | None = None,
          description: str | None = None, coupon: dict[str, Any] | None = None, cancel_at_period_end: bool = False,
          payment_behavior: str = "allow_incomplete", pay_with: str | None = None,
          save_default_payment_method: str = "off") -> tuple[dict[str, Any], Any]:
    """Create and insert a subscription with its first invoice. Returns (subscription, card error or None)."""
    now = ctx.now()
    sub = ctx.base("subscription", "sub_")
    trialing = trial_end is not None and trial_end > now
    sub.update({"customer": cus["id"], "items": {"object": "list", "data": [], "has_more": False, "total_count": 0,
                                                 "url": f"/v1/subscription_items?subscription={sub['id']}"}})
    sub["items"]["data"] = [new_sub_item(ctx, sub, price, qty, meta) for price, qty, meta in lines]
    check_compatible(sub["items"]["data"])
    sub["items"]["total_count"] = len(lines)
    end = trial_end if trialing else billing.next_period_end(sub, now)
    sub.update({
        "application": None, "application_fee_percent": None,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
        "billing_cycle_anchor": end if trialing else now, "billing_cycle_anchor_config": None,
        "billing_mode": {"flexible": None, "type": "classic"}, "billing_schedules": [], "billing_thresholds": None, "cancel_at": None,
        "cancel_at_period_end": cancel_at_period_end, "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": collection_method, "currency": lines[0][0]["currency"], "customer_account": None,
        "days_until_due": days_until_due, "default_payment_method": default_pm, "default_source": None,
        "default_tax_rates": [], "description": description, "discounts": [], "ended_at": None,
        "invoice_settings": {"account_tax_ids": None, "custom_fields": None, "description": None, "footer": None,
                             "issuer": {"type": "self"}},
        "latest_invoice": None, "managed_payments": None,
        "metadata": metadata or {}, "next_pending_invoice_item_invoice": None, "on_behalf_of": None,
        "pause_collection": None, "payment_settings": {"payment_method_options": None, "payment_method_types": None,
                                                       "save_default_payment_method": save_default_payment_method},
        "pending_invoice_item_interval": None, "pending_setup_intent": None, "pending_update": None,
        "schedule": None, "start_date": now, "status": "trialing" if trialing else "incomplete", "test_clock": None,
        "transfer_data": None, "trial_end": end if trialing else None,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": now if trialing else None, "_coupon": public(coupon) if coupon else None,
    })
    billing.set_period(sub, now, end)
    if cancel_at_period_end:
        sub["cancel_at"] = end
    if coupon is not None:
        redeem(ctx, coupon)
    ctx.insert(sub)
    ctx.emit("customer.subscription.created", sub)
    err = billing.first_invoice(ctx, sub, pm=pay_with, payment_behavior=payment_behavior)
    if trialing and sub["trial_end"] - billing.TRIAL_NOTICE <= now:
        sub["_trial_will_end_sent"] = True
        ctx.save(sub)
        ctx.emit("customer.subscription.trial_will_end", sub)
    return ctx.get("subscription", sub["id"]), err


@route("POST", "/v1/subscriptions", "subscription", sdk="SubscriptionCreateParams", extra=("coupon",))
def create(ctx: Ctx, p: Params) -> dict[str, Any]:
    cus = ctx.get("customer", p.str("customer", required=True), "customer")
    lines = []
    for item in p.items("items", required=True, max_items=20):
        lines.append((price_for_item(ctx, item), item.int("quantity", min=0, default=1) or 0, item.metadata()))
    now = ctx.now()
    trial_end = p.timestamp("trial_end", now)
    days = p.int("trial_period_days", min=0, max=730)
    if days:
        trial_end = now + days * 86400
    if trial_end is not None and trial_end != now and trial_end < now:
        raise invalid("Invalid timestamp: must be an integer Unix timestamp in the future.", "trial_end")
    pm = p.str("default_payment_method")
    if pm:
        pm = attach_payment_method(ctx, pm, cus, "default_payment_method")["id"]
    behavior = p.str("payment_behavior", choices=("allow_incomplete", "default_incomplete", "error_if_incomplete",
                                                  "pending_if_incomplete"), default="allow_incomplete")
    method = p.str("collection_method", choices=("charge_automatically", "send_invoice"),
                   default="charge_automatically") or "charge_automatically"
    days_due = p.int("days_until_due", min=0)
    if method == "send_invoice" and days_due is None:
        raise missing_param("days_until_due")
    if method == "charge_automatically" and days_due is not None:
        raise invalid("Invalid days_until_due: can only be set when collection_method is send_invoice.",
                      "days_until_due")
    trialing = trial_end is not None and trial_end > now
    due_now = sum(price_amount(price) * qty for price, qty, _ in lines)
    if (method == "charge_automatically" and behavior != "default_incomplete" and not trialing and due_now > 0
            and not pm and not (cus.get("invoice_settings") or {}).get("default_payment_method")
            and not cus.get("default_source")):
        # Real Stripe refuses to start charging automatically without a payment method to charge; use
        # payment_behavior=default_incomplete (the buyer pays the first invoice), send_invoice, or a trial.
        raise invoicing.no_payment_method()
    sub, err = build(
        ctx, cus, lines, trial_end=trial_end, metadata=p.metadata(), default_pm=pm, collection_method=method,
        days_until_due=days_due, description=p.str("description"),
        coupon=coupon_from_params(ctx, p, lines[0][0]["currency"]),
        cancel_at_period_end=bool(p.bool("cancel_at_period_end")), payment_behavior=behavior or "allow_incomplete",
        save_default_payment_method=_save_default_pm(p),
    )
    if err is not None and behavior == "error_if_incomplete":
        err.commit = False
        raise err
    return respond(ctx, sub, p)


def _save_default_pm(p: Params) -> str:
    settings = p.sub("payment_settings")
    if settings is None:
        return "off"
    return settings.str("save_default_payment_method", choices=("off", "on_subscription"), default="off") or "off"


@route("GET", "/v1/subscriptions/{id}", "subscription")
def retrieve(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    return respond(ctx, ctx.get("subscription", id), p)


def _prorate(ctx: Ctx, sub: dict[str, Any], old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
    now = ctx.now()
    start, end = sub["_current_period_start"], sub["_current_period_end"]
    frac = max(0.0, min(1.0, (end - now) / max(1, end - start)))
    cus = ctx.get("customer", sub["customer"])
    for item, sign, text in ((old, -1, "Unused time on"), (new, 1, "Remaining time on")):
        if item is None:
            continue
        amount = sign * round(price_amount(item["price"]) * item["quantity"] * frac)
        if amount:
            product = ctx.find("product", item["price"]["product"]) or {}
            new_item(ctx, cus, amount=amount, currency=sub["currency"], quantity=item["quantity"],
                     description=f"{text} {item['quantity']} × {product.get('name', item['price']['product'])}",
                     price=item["price"], proration=True, subscription=sub["id"], period=(now, end))


def _update_items(ctx: Ctx, sub: dict[str, Any], p: Params, proration: str) -> str:
    """Apply `items`; returns what to invoice now: "" (nothing), "prorations", or "new_period"."""
    items = {i["id"]: i for i in sub["items"]["data"]}
    changes: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = []
    for spec in p.items("items", max_items=20):
        item_id = spec.str("id")
        old = items.get(item_id) if item_id else None
        if item_id and old is None:
            raise invalid(f"No such subscription item: '{item_id}'", spec.name("id"), "resource_missing")
        if old is not None and spec.bool("deleted"):
            del items[old["id"]]
            changes.append((old, None))
            continue
        price = price_for_item(ctx, spec) if (spec.str("price") or spec.sub("price_data") is not None
                                              or old is None) else old["price"]
        qty = spec.int("quantity", min=0, default=old["quantity"] if old else 1) or 0
        if old is not None:
            updated = {**old, "price": public(price), "plan": plan_of(price), "quantity": qty,
                       "metadata": spec.metadata(old.get("metadata"))}
            if (updated["price"]["id"], qty) != (old["price"]["id"], old["quantity"]):
                changes.append((old, updated))
            items[old["id"]] = updated
        else:
            item = new_sub_item(ctx, sub, price, qty, spec.metadata())
            items[item["id"]] = item
            changes.append((None, item))
    new_items = list(items.values())
    check_compatible(new_items)
    old_rec = sub["items"]["data"][0]["price"]["recurring"]
    sub["items"]["data"], sub["items"]["total_count"] = new_items, len(new_items)
    new_rec = new_items[0]["price"]["recurring"]
    new_cycle = (old_rec["interval"], old_rec["interval_count"]) != (new_rec["interval"], new_rec["interval_count"])
    if sub["status"] in ("active", "past_due") and proration != "none":
        for old, new in changes:  # a new cycle bills the new items in full, so only the old ones are credited
            _prorate(ctx, sub, old, None if new_cycle else new)
    if new_cycle:
        now = ctx.now()
        billing.set_period(sub, now, billing.next_period_end(sub, now))
        sub["billing_cycle_anchor"] = now
        return "new_period"  # the billing cycle restarts now and is invoiced now
    if changes and proration == "always_invoice" and sub["status"] in ("active", "past_due"):
        return "prorations"
    return ""


@route("POST", "/v1/subscriptions/{id}", "subscription", sdk="SubscriptionUpdateParams", extra=("coupon",))
def update(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    sub = ctx.get("subscription", id)
    if sub["status"] in ("canceled", "incomplete_expired"):
        raise invalid("A canceled subscription can only update its cancellation_details and metadata.", None)
    before = public(sub)
    proration = p.str("proration_behavior", choices=PRORATIONS, default="create_prorations") or "create_prorations"
    invoice_now = _update_items(ctx, sub, p, proration) if "items" in p else ""
    if "cancel_at_period_end" in p:
        sub["cancel_at_period_end"] = bool(p.bool("cancel_at_period_end"))
        sub["cancel_at"] = sub["_current_period_end"] if sub["cancel_at_period_end"] else None
        sub["canceled_at"] = ctx.now() if sub["cancel_at_period_end"] else None
    if "cancel_at" in p:
        sub["cancel_at"] = p.int("cancel_at", min=0)
        sub["cancel_at_period_end"] = sub["cancel_at"] == sub["_current_period_end"]
    for key in ("description",):
        if key in p:
            sub[key] = p.str(key)
    if p.str("default_payment_method"):
        cus = ctx.get("customer", sub["customer"])
        sub["default_payment_method"] = attach_payment_method(ctx, p.str("default_payment_method") or "", cus,
                                                              "default_payment_method")["id"]
    if "collection_method" in p:
        sub["collection_method"] = p.str("collection_method", choices=("charge_automatically", "send_invoice"))
        sub["days_until_due"] = p.int("days_until_due", min=0, default=sub.get("days_until_due"))
    coupon = coupon_from_params(ctx, p, sub["currency"])
    if coupon is not None:
        redeem(ctx, coupon)
        sub["_coupon"] = public(coupon)
    cancellation = p.sub("cancellation_details")
    if cancellation is not None:
        sub["cancellation_details"].update({"comment": cancellation.str("comment"),
                                            "feedback": cancellation.str("feedback")})
    sub["metadata"] = p.metadata(sub["metadata"])
    trial_end = p.timestamp("trial_end", ctx.now()) if "trial_end" in p else None
    if trial_end is not None and sub["status"] == "trialing":
        if trial_end <= ctx.now():
            sub["_current_period_end"] = sub["trial_end"] = ctx.now()
            billing.renew(ctx, sub)
        else:
            sub["trial_end"] = trial_end
            billing.set_period(sub, sub["_current_period_start"], trial_end)
    ctx.save(sub)
    prev = changed(before, sub)
    if prev:
        ctx.emit("customer.subscription.updated", sub, prev)
    if invoice_now:
        inv = billing.invoice_period(ctx, sub, (ctx.now(), sub["_current_period_end"]), "subscription_update",
                                     include_items=invoice_now == "new_period")
        ctx.save(sub)
        err = billing.collect(ctx, sub, inv, automatic=False)
        if err is not None and p.str("payment_behavior") == "error_if_incomplete":
            err.commit = False
            raise err
    return respond(ctx, ctx.get("subscription", id), p)


@route("DELETE", "/v1/subscriptions/{id}", "subscription", sdk="SubscriptionCancelParams")
def cancel(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    sub = ctx.get("subscription", id)
    if sub["status"] in ("canceled", "incomplete_expired"):
        raise invalid("This subscription is already canceled.", None, "resource_missing")
    details = p.sub("cancellation_details")
    if p.bool("prorate") and sub["status"] in ("active", "past_due"):
        for item in sub["items"]["data"]:
            _prorate(ctx, sub, item, None)
    billing.cancel_subscription(ctx, sub, comment=details.str("comment") if details else None,
                                feedback=details.str("feedback") if details else None)
    if p.bool("invoice_now"):
        pending = [ii for ii in ctx.all("invoiceitem") if ii.get("subscription") == id and not ii.get("invoice")]
        if pending:
            inv = billing.invoice_period(ctx, sub, (ctx.now(), ctx.now()), "subscription_update",
                                         include_items=False)
            ctx.save(sub)
            invoicing.pay(ctx, inv, automatic=True)
    return respond(ctx, ctx.get("subscription", id), p)


@route("GET", "/v1/subscriptions", "subscription", sdk="SubscriptionListParams")
def list_subscriptions(ctx: Ctx, p: Params) -> dict[str, Any]:
    preds = field_filters(p, {"customer": "customer", "collection_method": "collection_method"})
    status = p.str("status", choices=STATUSES)
    if status is None:
        preds.append(lambda o: o["status"] not in ("canceled", "incomplete_expired"))
    elif status == "ended":
        preds.append(lambda o: o["status"] in ("canceled", "incomplete_expired"))
    elif status != "all":
        preds.append(lambda o: o["status"] == status)
    price = p.str("price")
    if price:
        preds.append(lambda o: any(i["price"]["id"] == price for i in o["items"]["data"]))
    preds += [range_filter(p, "current_period_start", "_current_period_start"),
              range_filter(p, "current_period_end", "_current_period_end")]
    return paginate(ctx, "subscription", p, "/v1/subscriptions", preds)


@route("GET", "/v1/subscriptions/search", "subscription", sdk="SubscriptionSearchParams")
def search_subscriptions(ctx: Ctx, p: Params) -> dict[str, Any]:
    return search(ctx, "subscription", p, "/v1/subscriptions/search", {"created", "metadata", "status"})


@route("GET", "/v1/subscription_items", "subscription")
def list_items(ctx: Ctx, p: Params) -> dict[str, Any]:
    sub = ctx.get("subscription", p.str("subscription", required=True), "subscription")
    return list_object(f"/v1/subscription_items?subscription={sub['id']}", sub["items"]["data"])
