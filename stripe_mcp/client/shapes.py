"""Compact views of Stripe objects: the fields a person or a model usually needs, amounts as integer minor units.

Stripe API versions moved a few fields (e.g. current_period_end onto subscription items, an invoice's
subscription under parent.subscription_details); the views read either place.
"""

from __future__ import annotations

from typing import Any

from shared.render import money

_KEEP: dict[str, tuple[str, ...]] = {
    "customer": ("id", "name", "email", "phone", "description", "created", "balance", "currency", "delinquent",
                 "deleted", "metadata"),
    "product": ("id", "name", "description", "active", "default_price", "created", "deleted", "metadata"),
    "price": ("id", "product", "unit_amount", "currency", "type", "recurring", "active", "nickname", "lookup_key",
              "metadata"),
    "payment_link": ("id", "url", "active", "restrictions", "after_completion", "metadata"),
    "checkout.session": ("id", "url", "status", "payment_status", "mode", "customer", "customer_email",
                         "amount_total", "currency",
                         "payment_intent", "subscription", "expires_at", "metadata"),
    "payment_intent": ("id", "amount", "amount_received", "currency", "status", "customer", "description",
                       "latest_charge", "created", "metadata"),
    "charge": ("id", "amount", "amount_captured", "amount_refunded", "currency", "status", "paid", "refunded",
               "disputed", "customer", "payment_intent", "failure_message", "created"),
    "refund": ("id", "amount", "currency", "status", "charge", "payment_intent", "reason", "created", "metadata"),
    "subscription": ("id", "customer", "status", "cancel_at_period_end", "current_period_end", "canceled_at",
                     "ended_at", "trial_end", "latest_invoice", "collection_method", "created", "metadata"),
    "invoice": ("id", "number", "customer", "customer_email", "status", "total", "amount_due", "amount_paid", "amount_remaining",
                "currency", "due_date", "hosted_invoice_url", "subscription", "created", "deleted", "metadata"),
    "invoiceitem": ("id", "customer", "invoice", "amount", "currency", "quantity", "description", "deleted"),
    "coupon": ("id", "name", "percent_off", "amount_off", "currency", "duration", "duration_in_months", "valid",
               "times_redeemed", "max_redemptions", "deleted"),
    "dispute": ("id", "amount", "currency", "status", "reason", "charge", "payment_intent", "created", "metadata"),
    "event": ("id", "type", "created"),
    "balance": ("available", "pending"),
}


def _ref(value: Any) -> Any:
    """An expanded object shown by its id."""
    return value.get("id", value) if isinstance(value, dict) and "object" in value else value


def compact(obj: dict[str, Any]) -> dict[str, Any]:
    """The short view of any Stripe object (unknown types pass through whole)."""
    kind = obj.get("object") or ""
    keep = _KEEP.get(kind)
    if keep is None:
        return obj
    out: dict[str, Any] = {"object": kind}
    for key in keep:
        value = obj.get(key)
        if value is None or value == {} or (key == "deleted" and not value):
            continue
        out[key] = _ref(value)
    if kind == "price" and isinstance(out.get("recurring"), dict):
        rec = out["recurring"]
        out["recurring"] = {k: rec[k] for k in ("interval", "interval_count") if rec.get(k) is not None}
    elif kind == "subscription":
        items = (obj.get("items") or {}).get("data") or []
        out["items"] = [{"id": i.get("id"), "price": _ref(i.get("price")), "quantity": i.get("quantity")}
                        for i in items]
        if "current_period_end" not in out and items and items[0].get("current_period_end"):
            out["current_period_end"] = items[0]["current_period_end"]
    elif kind == "invoice" and "subscription" not in out:
        details = ((obj.get("parent") or {}).get("subscription_details") or {})
        if details.get("subscription"):
            out["subscription"] = _ref(details["subscription"])
    elif kind == "invoiceitem":
        pricing = obj.get("pricing") or {}
        price = (pricing.get("price_details") or {}).get("price") or _ref(obj.get("price"))
        if price:
            out["price"] = price
    elif kind == "event":
        data = (obj.get("data") or {}).get("object") or {}
        out["object_id"] = data.get("id")
        out["object_type"] = data.get("object")
    elif kind == "payment_link":
        after = obj.get("after_completion") or {}
        out.pop("after_completion", None)
        if after.get("type") == "redirect":
            out["redirect_url"] = (after.get("redirect") or {}).get("url")
        limit = ((obj.get("restrictions") or {}).get("completed_sessions") or {}).get("limit")
        out.pop("restrictions", None)
        if limit:
            out["max_completed_sessions"] = limit
    elif kind == "balance":
        for key in ("available", "pending"):
            out[key] = [{"amount": b.get("amount"), "currency": b.get("currency")} for b in obj.get(key) or []]
    return out


def label(obj: dict[str, Any]) -> str:
    """One short phrase for a summary: 'customer cus_1 (ada@example.com)', 'price price_1 $49.00/month (Pro)'.
    Amounts are shown as money with their currency ('$499.00', '¥5,000'), never as minor units."""
    kind = (obj.get("object") or "object").replace("_", " ").replace(".", " ")
    ident = obj.get("id", "")
    extra = (obj.get("email") or obj.get("name") or obj.get("product_name") or obj.get("nickname")
             or obj.get("customer_email") or obj.get("url") or obj.get("status") or obj.get("type") or "")
    shown = ""
    for key in ("amount", "unit_amount", "total", "amount_total", "amount_off"):
        if isinstance(obj.get(key), int) and isinstance(obj.get("currency"), str):
            shown = f" {money(obj[key], obj['currency'])}"
            break
    interval = (obj.get("recurring") or {}).get("interval") if isinstance(obj.get("recurring"), dict) else None
    if shown and interval:
        count = obj["recurring"].get("interval_count") or 1
        shown += f"/{interval}" if count == 1 else f" every {count} {interval}s"
    tail = f" ({extra})" if extra and extra != ident else ""
    return f"{kind} {ident}{shown}{tail}".strip()
