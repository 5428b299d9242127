"""Invoice mechanics shared by the invoice endpoints, subscriptions and the clock: lines, totals, finalize, pay.

Objects have the shapes of the API version the SDK pins (see runtime.API_VERSION), i.e. after 2025-03-31.basil:
an invoice names its subscription under `parent.subscription_details` and its payments through invoice payments
(`/v1/invoice_payments`, `invoice.payments` when expanded, `confirmation_secret` for the default payment intent);
`subscription`, `payment_intent`, `charge`, `paid` and `paid_out_of_band` are gone. Line items say where they come
from in `parent`. Sources: stripe/_invoice.py, _invoice_line_item.py, _invoice_payment.py in the installed SDK;
https://docs.stripe.com/changelog/basil/2025-03-31/adds-new-parent-field-to-invoicing-objects; the fixture
tests/contract/specs stripe-fixtures3.json. The links the sandbox needs itself are `_`-fields (never rendered).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import StripeError, invalid
from .objects import cards, invoice_payments, payments
from .objects.catalog import price_amount
from .objects.coupons import discount_amount
from .runtime import public

if TYPE_CHECKING:
    from .runtime import Ctx

RETRY_DAYS = (3, 5, 7)  # days to the next automatic attempt after failed attempt 1, 2, 3; then the retries stop


def new_invoice(ctx: Ctx, cus: dict[str, Any], *, currency: str, collection_method: str = "charge_automatically",
                days_until_due: int | None = None, subscription: dict[str, Any] | None = None,
                billing_reason: str = "manual", period: tuple[int, int] | None = None, auto_advance: bool = False,
                description: str | None = None, metadata: dict[str, str] | None = None,
                coupon: dict[str, Any] | None = None, default_payment_method: str | None = None) -> dict[str, Any]:
    inv = ctx.base("invoice", "in_")
    now = ctx.now()
    start, end = period or (now, now)
    sub_id = subscription["id"] if subscription else None
    inv.update({
        "account_country": "US", "account_name": "Sandbox", "account_tax_ids": None, "amount_due": 0,
        "amount_overpaid": 0, "amount_paid": 0, "amount_remaining": 0, "amount_shipping": 0, "application": None,
        "attempt_count": 0, "attempted": False, "auto_advance": auto_advance,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None, "provider": None,
                          "status": None},
        "automatically_finalizes_at": None, "billing_reason": billing_reason,
        "collection_method": collection_method, "currency": currency, "custom_fields": None, "customer": cus["id"],
        "customer_account": None,
        "customer_address": cus.get("address"), "customer_email": cus.get("email"), "customer_name": cus.get("name"),
        "customer_phone": cus.get("phone"), "customer_shipping": None, "customer_tax_exempt": "none",
        "customer_tax_ids": [], "default_payment_method": default_payment_method, "default_source": None,
        "default_tax_rates": [], "description": description, "discounts": [],
        "due_date": None, "effective_at": None, "ending_balance": None, "footer": None, "from_invoice": None,
        "hosted_invoice_url": None, "invoice_pdf": None, "issuer": {"type": "self"},
        "last_finalization_error": None, "latest_revision": None,
        "lines": {"object": "list", "data": [], "has_more": False, "total_count": 0,
                  "url": f"/v1/invoices/{inv['id']}/lines"},
        "metadata": metadata or {}, "next_payment_attempt": None, "number": None, "on_behalf_of": None,
        "parent": {"quote_details": None, "subscription_details": {
            "metadata": dict(subscription.get("metadata") or {}), "subscription": sub_id},
            "type": "subscription_details"} if subscription else None,
        "payment_settings": {"default_mandate": None, "payment_method_options": None, "payment_method_types": None},
        "period_end": end, "period_start": start, "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0, "receipt_number": None, "rendering": None, "shipping_cost": None,
        "shipping_details": None, "starting_balance": 0, "statement_descriptor": None, "status": "draft",
        "status_transitions": {"finalized_at": None, "marked_uncollectible_at": None, "paid_at": None,
                               "voided_at": None},
        "subtotal": 0, "subtotal_excluding_tax": 0, "test_clock": None,
        "total": 0, "total_discount_amounts": [], "total_excluding_tax": 0, "total_pretax_credit_amounts": [],
        "total_taxes": [], "webhooks_delivered_at": None, "_subscription": sub_id, "_payment_intent": None,
        "_coupon": public(coupon) if coupon else None, "_days_until_due": days_until_due,
    })
    if cus.get("currency") is None:
        cus["currency"] = currency
        ctx.save(cus)
    return inv


def _pricing(price: dict[str, Any] | None) -> dict[str, Any] | None:
    if not price:
        return None
    return {"price_details": {"price": price["id"], "product": price["product"]}, "type": "price_details",
            "unit_amount_decimal": price.get("unit_amount_decimal")}


def _line(ctx: Ctx, inv: dict[str, Any], *, amount: int, currency: str, description: str | None,
          discountable: bool, metadata: dict[str, str], period: dict[str, int], pricing: dict[str, Any] | None,
          quantity: int, subscription: str | None, parent: dict[str, Any]) -> dict[str, Any]:
    """An invoice line item (`il_`) as the pinned API version renders it (fixture resource `line_item`)."""
    return {
        "id": ctx.id("il_"), "object": "line_item", "amount": amount, "currency": currency,
        "description": description, "discount_amounts": [], "discountable": discountable, "discounts": [],
        "invoice": inv["id"], "livemode": ctx.livemode, "metadata": metadata, "parent": parent, "period": period,
        "pretax_credit_amounts": [], "pricing": pricing, "quantity": quantity, "quantity_decimal": str(quantity),
        "subscription": subscription, "subtotal": amount, "taxes": [],
    }


def line_source(line: dict[str, Any]) -> str | None:
    """The invoice item (`ii_`) a line came from, if any."""
    return ((line.get("parent") or {}).get("invoice_item_details") or {}).get("invoice_item")


def line_for_item(ctx: Ctx, inv: dict[str, Any], ii: dict[str, Any]) -> dict[str, Any]:
    sub_id = ii.get("_subscription")
    parent = {"invoice_item_details": {"invoice_item": ii["id"], "proration": bool(ii.get("proration")),
                                       "proration_details": {"credited_items": None}, "subscription": sub_id},
              "subscription_item_details": None, "type": "invoice_item_details"}
    return _line(ctx, inv, amount=ii["amount"], currency=ii["currency"], description=ii.get("description"),
                 discountable=ii.get("discountable", True), metadata=dict(ii.get("metadata") or {}),
                 period=dict(ii["period"]), pricing=ii.get("pricing"), quantity=ii.get("quantity", 1),
                 subscription=sub_id, parent=parent)


def line_for_sub_item(ctx: Ctx, inv: dict[str, Any], sub: dict[str, Any], item: dict[str, Any], period: tuple[int, int],
                      trial: bool) -> dict[str, Any]:
    price = item["price"]
    qty = item.get("quantity", 1)
    amount = 0 if trial else price_amount(price) * qty
    product = ctx.find("product", price["product"])
    name = (product or {}).get("name") or price["product"]
    desc = f"Trial period for {name}" if trial else f"{qty} × {name}"
    parent = {"invoice_item_details": None,
              "subscription_item_details": {"invoice_item": None, "proration": False,
                                            "proration_details": {"credited_items": None}, "subscription": sub["id"],
                                            "subscription_item": item["id"]},
              "type": "subscription_item_details"}
    return _line(ctx, inv, amount=amount, currency=price["currency"], description=desc, discountable=True,
                 metadata=dict(item.get("metadata") or {}), period={"end": period[1], "start": period[0]},
                 pricing=_pricing(price), quantity=qty, subscription=sub["id"], parent=parent)


def attach_pending_items(ctx: Ctx, inv: dict[str, Any], subscription_id: str | None = None) -> None:
    for ii in reversed(ctx.all("invoiceitem")):
        if ii["customer"] != inv["customer"] or ii.get("invoice") or ii["currency"] != inv["currency"]:
            continue
        if subscription_id is not None and ii.get("_subscription") not in (None, subscription_id):
            continue
        ii["invoice"] = inv["id"]
        ctx.save(ii)
        inv["lines"]["data"].append(line_for_item(ctx, inv, ii))


def recompute(inv: dict[str, Any]) -> None:
    lines = inv["lines"]["data"]
    subtotal = sum(int(line["amount"]) for line in lines)
    discountable = sum(int(line["amount"]) for line in lines if line.get("discountable", True))
    disc = discount_amount(inv.get("_coupon"), discountable)
    total = subtotal - disc
    inv.update({
        "subtotal": subtotal, "subtotal_excluding_tax": subtotal, "total": total, "total_excluding_tax": total,
        "amount_due": max(total, 0),
        "total_discount_amounts": [{"amount": disc, "discount": "di_sandbox"}] if disc else [],
    })
    inv["amount_remaining"] = max(inv["amount_due"] - inv["amount_paid"], 0)
    inv["lines"]["total_count"] = len(lines)


def finalize(ctx: Ctx, inv: dict[str, Any]) -> dict[str, Any]:
    if inv["status"] != "draft":
        raise invalid("This invoice is already finalized, you can't re-finalize a non-draft invoice.", None,
                      "invoice_not_editable")
    recompute(inv)
    now = ctx.now()
    cus = ctx.find("customer", inv["customer"])
    if cus is not None:
        seq = cus.get("next_invoice_sequence", 1)
        inv["number"] = f"{cus['invoice_prefix']}-{seq:04d}"
        cus["next_invoice_sequence"] = seq + 1
        ctx.save(cus)
    inv["status"] = "open"
    inv["effective_at"] = now
    inv["ending_balance"] = 0
    inv["status_transitions"]["finalized_at"] = now
    inv["hosted_invoice_url"] = f"https://invoice.stripe.com/i/sandbox/{inv['id']}"
    inv["invoice_pdf"] = f"https://pay.stripe.com/invoice/sandbox/{inv['id']}/pdf"
    if inv["collection_method"] == "send_invoice":
        inv["due_date"] = inv.get("due_date") or now + 86400 * int(inv.get("_days_until_due") or 30)
    if inv["amount_due"] > 0:
        default_payment(ctx, inv)
    ctx.save(inv)
    ctx.emit("invoice.finalized", inv)
    if inv["amount_due"] == 0:
        mark_paid(ctx, inv)
    return inv


def default_payment(ctx: Ctx, inv: dict[str, Any]) -> dict[str, Any]:
    """The invoice's default payment intent (and its open invoice payment), made at finalization or re-made
    when the previous one can no longer be confirmed."""
    pi = ctx.find("payment_intent", inv.get("_payment_intent"))
    if pi is not None and pi["status"] in ("requires_payment_method", "requires_confirmation"):
        return pi
    reason = {"subscription_create": "Subscription creation", "subscription_cycle": "Subscription update",
              "subscription_update": "Subscription update"}.get(inv["billing_reason"] or "", "Payment for Invoice")
    pi = payments.new_intent(ctx, amount=inv["amount_remaining"], currency=inv["currency"],
                             customer=inv["customer"], description=reason, invoice=inv["id"])
    inv["_payment_intent"] = pi["id"]
    invoice_payments.open_payment(ctx, inv, pi)
    return pi


def mark_paid(ctx: Ctx, inv: dict[str, Any], *, pi: dict[str, Any] | None = None, out_of_band: bool = False) -> None:
    """Paid through `pi` (its invoice payment becomes paid), out of band, or with nothing due."""
    inv.update({"status": "paid", "amount_paid": inv["amount_due"], "amount_remaining": 0,
                "next_payment_attempt": None})
    inv["status_transitions"]["paid_at"] = ctx.now()
    ctx.save(inv)
    if pi is not None:
        invoice_payments.mark(ctx, pi, "paid")
    else:  # out of band or zero: the default payment intent is no longer needed
        open_pi = ctx.find("payment_intent", inv.get("_payment_intent"))
        if open_pi is not None and open_pi["status"] in ("requires_payment_method", "requires_confirmation"):
            open_pi.update({"status": "canceled", "canceled_at": ctx.now(), "cancellation_reason": None})
            ctx.save(open_pi)
            invoice_payments.mark(ctx, open_pi, "canceled")
            ctx.emit("payment_intent.canceled", open_pi)
    ctx.emit("invoice.paid", inv)
    ctx.emit("invoice.payment_succeeded", inv)
    if inv.get("_subscription"):
        from .billing import after_invoice_paid

        after_invoice_paid(ctx, inv, pi)


def void(ctx: Ctx, inv: dict[str, Any]) -> None:
    """Void an open invoice; its unpaid default payment intent (and invoice payment) is canceled."""
    inv["status"] = "void"
    inv["next_payment_attempt"] = None
    inv["status_transitions"]["voided_at"] = ctx.now()
    pi = ctx.find("payment_intent", inv.get("_payment_intent"))
    if pi is not None and pi["status"] not in ("succeeded", "canceled"):
        pi.update({"status": "canceled", "canceled_at": ctx.now(), "cancellation_reason": "void_invoice"})
        ctx.save(pi)
        invoice_payments.mark(ctx, pi, "canceled")
        ctx.emit("payment_intent.canceled", pi)
    ctx.save(inv)
    ctx.emit("invoice.voided", inv)


def payment_method_for(ctx: Ctx, inv: dict[str, Any]) -> str | None:
    """Stripe's order: the invoice's default payment method, the subscription's, the customer's
    invoice_settings.default_payment_method (a merely attached payment method is not used; see
    https://docs.stripe.com/billing/subscriptions/payment-methods-setting#payment-method-priority)."""
    if inv.get("default_payment_method"):
        return str(inv["default_payment_method"])
    sub = ctx.find("subscription", inv.get("_subscription"))
    if sub and sub.get("default_payment_method"):
        return str(sub["default_payment_method"])
    cus = ctx.find("customer", inv["customer"]) or {}
    default = (cus.get("invoice_settings") or {}).get("default_payment_method")
    return str(default) if default else None


# Stripe's answer when an automatic charge has no payment method to use (the message as Stripe words it).
NO_PAYMENT_METHOD = ("This customer has no attached payment source or default payment method. Please consider adding "
                     "a default payment method. For more information, visit "
                     "https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.")


def no_payment_method() -> StripeError:
    return invalid(NO_PAYMENT_METHOD, None, "resource_missing")


def pay(ctx: Ctx, inv: dict[str, Any], pm_ref: str | None = None, *, force_decline: str | None = None,
        automatic: bool = False) -> StripeError | None:
    """Attempt to collect an open invoice; returns the card error of a failed attempt (state is kept)."""
    if inv["status"] == "draft":
        finalize(ctx, inv)
    if inv["status"] == "paid":
        if automatic:
            return None
        raise invalid("Invoice is already paid", None, "invoice_not_editable")
    if inv["status"] != "open":
        raise invalid(f"This invoice can't be paid because it is {inv['status']}.", None)
    recompute(inv)
    if inv["amount_remaining"] == 0:
        mark_paid(ctx, inv)
        return None
    pm_ref = pm_ref or payment_method_for(ctx, inv)
    inv["attempted"] = True
    inv["attempt_count"] += 1
    if pm_ref is None:
        return _failed(ctx, inv, no_payment_method(), automatic)
    pi = default_payment(ctx, inv)
    err = payments.confirm(ctx, pi, pm_ref, force_decline=force_decline, attach=True)
    if err is not None:
        return _failed(ctx, inv, err, automatic)
    mark_paid(ctx, inv, pi=pi)
    return None


def _failed(ctx: Ctx, inv: dict[str, Any], err: StripeError, automatic: bool) -> StripeError:
    attempt = inv["attempt_count"]
    if automatic and inv.get("_subscription") and attempt <= len(RETRY_DAYS):
        inv["next_payment_attempt"] = ctx.now() + RETRY_DAYS[attempt - 1] * 86400
    else:
        inv["next_payment_attempt"] = None
    ctx.save(inv)
    ctx.emit("invoice.payment_failed", inv)
    err.commit = True
    return err


def decline_for_renewal(ctx: Ctx, sub: dict[str, Any]) -> str | None:
    """Consume one forced failure set by the `fail_next_renewal` control."""
    left = int(sub.get("_fail_renewals") or 0)
    if left <= 0:
        return None
    sub["_fail_renewals"] = left - 1
    ctx.save(sub)
    code = sub.get("_decline_code") or "generic_decline"
    return code if code in cards.DECLINES else "generic_decline"
