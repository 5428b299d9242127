"""Reading Stripe payment and refund objects: which ids name one payment, its amount, metadata and refunds.

Shapes are those of the API version the SDK pins (2026-10-28; since 2025-03-31 "basil"): an invoice names
neither its payment intent nor its charge (`invoice.payments` lists InvoicePayment objects, rarely expanded;
event `invoice_payment.paid` carries `invoice` and `payment.payment_intent`/`payment.charge`), its subscription
is `invoice.parent.subscription_details.subscription`, and payment intents and charges no longer name their
invoice. The older fields (`invoice.payment_intent`, `invoice.charge`, `payment_intent.invoice`,
`charge.invoice`, `invoice.subscription_details`) are still read when present, so stored events and older
webhook endpoints keep working. Authorities: stripe/_invoice.py, _invoice_payment.py in the installed SDK and
Stripe's fixtures (tests.contract.specs "stripe-fixtures3.json").
"""

from __future__ import annotations

from typing import Any

PAYMENT_EVENTS = {
    "checkout.session.completed", "checkout.session.async_payment_succeeded", "invoice.paid",
    "invoice.payment_succeeded", "invoice_payment.paid", "payment_intent.succeeded", "charge.succeeded",
}
REFUND_EVENTS = {"charge.refunded", "refund.created", "refund.updated", "charge.refund.updated"}


def object_id(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("id")
    return str(value) if value else None


def _ids(*values: Any) -> list[str]:
    return [i for i in dict.fromkeys(object_id(v) for v in values) if i]


def payment_ids(obj: dict[str, Any]) -> list[str]:
    """Every id in this object that names the payment it reports, the object's own first."""
    kind = obj.get("object")
    if kind == "invoice_payment":
        pay = obj.get("payment") or {}
        return _ids(obj.get("invoice"), pay.get("payment_intent"), pay.get("charge"))
    if kind == "invoice":
        found = [obj.get("id"), obj.get("payment_intent"), obj.get("charge")]
        for ip in ((obj.get("payments") or {}).get("data") or []):
            pay = ip.get("payment") or {}
            found += [pay.get("payment_intent"), pay.get("charge")]
        return _ids(*found)
    if kind == "payment_intent":
        return _ids(obj.get("id"), obj.get("invoice"), obj.get("latest_charge"))
    if kind == "charge":
        return _ids(obj.get("id"), obj.get("payment_intent"), obj.get("invoice"))
    if kind == "refund":
        return _ids(obj.get("charge"), obj.get("payment_intent"))
    return _ids(obj.get("id"), obj.get("invoice"), obj.get("payment_intent"))


def needs_link_lookup(obj: dict[str, Any]) -> bool:
    """True when the object may belong to an invoice that it does not name (current shapes): a payment intent or
    charge without the old `invoice` field, an invoice whose payments are not in the payload."""
    kind = obj.get("object")
    if kind in ("payment_intent", "charge"):
        return "invoice" not in obj
    if kind == "invoice":
        return "payment_intent" not in obj and not (obj.get("payments") or {}).get("data")
    return False


def payment_amount(obj: dict[str, Any]) -> int:
    kind = obj.get("object")
    if kind == "checkout.session":
        value = obj.get("amount_total")
    elif kind in ("invoice", "invoice_payment"):
        value = obj.get("amount_paid")
    elif kind == "payment_intent":
        value = obj.get("amount_received")
    elif kind == "charge":
        value = obj.get("amount_captured") or obj.get("amount")
    else:
        value = obj.get("amount_total") or obj.get("amount_paid") or obj.get("amount_received") or obj.get("amount")
    return int(value or 0)


def is_paid(obj: dict[str, Any]) -> bool:
    """False for what reports no money received: an unpaid checkout, an authorised but uncaptured charge."""
    kind = obj.get("object")
    if kind == "checkout.session":
        return obj.get("payment_status") in (None, "paid")
    if kind == "charge":
        return obj.get("captured") is not False and obj.get("status") in (None, "succeeded")
    return True


def payment_metadata(obj: dict[str, Any]) -> dict[str, Any]:
    """The object's metadata, else its subscription's (invoice.parent.subscription_details, or the old field)."""
    meta = dict(obj.get("metadata") or {})
    details = ((obj.get("parent") or {}).get("subscription_details")
               or obj.get("subscription_details") or {})
    for key, value in (details.get("metadata") or {}).items():
        meta.setdefault(key, value)
    return meta


def refund_items(obj: dict[str, Any]) -> tuple[list[tuple[str, int]], int | None]:
    """(refunds named by id with their amounts, the charge's cumulative refunded amount or None)."""
    if obj.get("object") == "refund":
        if obj.get("status") in ("failed", "canceled"):
            return [], None
        return ([(str(obj["id"]), int(obj.get("amount") or 0))] if obj.get("id") else []), None
    refunds = ((obj.get("refunds") or {}).get("data")) or []  # expanded only on request since 2022-11-15
    items = [(str(r["id"]), int(r.get("amount") or 0)) for r in refunds
             if r.get("id") and r.get("status") not in ("failed", "canceled")]
    return items, int(obj.get("amount_refunded") or 0)
