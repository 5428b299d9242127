"""PaymentIntents and the charges they make: create, confirm (test cards succeed or decline), capture, cancel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import StripeError, card_error, invalid
from ..listing import field_filters, paginate, respond
from ..params import ZERO_DECIMAL, Params
from ..routing import route
from ..runtime import public
from ..search import search
from . import cards

if TYPE_CHECKING:
    from ..runtime import Ctx

MINIMUM = {"usd": 50, "eur": 50, "cad": 50, "aud": 50, "chf": 50, "nzd": 50, "sgd": 50, "gbp": 30, "jpy": 50}
MAX_AMOUNT = 99_999_999


def check_amount(currency: str, amount: int, param: str = "amount") -> None:
    minimum = MINIMUM.get(currency)
    if minimum and amount < minimum:
        shown = f"{minimum}" if currency in ZERO_DECIMAL else f"{minimum / 100:.2f}"
        raise invalid(f"Amount must be at least {shown} {currency}", param, "amount_too_small")
    if amount > MAX_AMOUNT:
        raise invalid(f"Amount must be no more than {MAX_AMOUNT}", param, "amount_too_large")


def attach_payment_method(ctx: Ctx, ref: str, customer: dict[str, Any], param: str) -> dict[str, Any]:
    pm = cards.resolve(ctx, ref, param)
    if pm.get("customer") != customer["id"]:
        pm["customer"] = customer["id"]
        ctx.save(pm)
        ctx.emit("payment_method.attached", pm)
    return pm


def new_intent(ctx: Ctx, *, amount: int, currency: str, customer: str | None = None, description: str | None = None,
               metadata: dict[str, str] | None = None, invoice: str | None = None, capture_method: str = "automatic",
               receipt_email: str | None = None, setup_future_usage: str | None = None) -> dict[str, Any]:
    pi = ctx.base("payment_intent", "pi_")
    pi.update({
        "amount": amount, "amount_capturable": 0, "amount_details": {"tip": {}}, "amount_received": 0,
        "application": None, "application_fee_amount": None, "automatic_payment_methods": None,
        "canceled_at": None, "cancellation_reason": None, "capture_method": capture_method,
        "client_secret": f"{pi['id']}_secret_{ctx.sb.new_id('', 25)}", "confirmation_method": "automatic",
        "currency": currency, "customer": customer, "customer_account": None, "description": description,
        "excluded_payment_method_types": None,
        "last_payment_error": None, "latest_charge": None, "managed_payments": None, "metadata": metadata or {},
        "next_action": None,
        "on_behalf_of": None, "payment_method": None, "payment_method_configuration_details": None,
        "payment_method_options": None, "payment_method_types": ["card"], "processing": None,
        "receipt_email": receipt_email, "review": None, "setup_future_usage": setup_future_usage, "shipping": None,
        "source": None, "statement_descriptor": None, "statement_descriptor_suffix": None,
        "status": "requires_payment_method", "transfer_data": None, "transfer_group": None,
        "_invoice": invoice,  # no `invoice` field since 2025-03-31.basil; the link is an invoice payment
    })
    ctx.insert(pi)
    ctx.emit("payment_intent.created", pi)
    return pi


def _charge(ctx: Ctx, pi: dict[str, Any], pm: dict[str, Any], decline: str | None) -> dict[str, Any]:
    ch = ctx.base("charge", "ch_")
    captured = decline is None and pi["capture_method"] != "manual"
    code, message = cards.DECLINES.get(decline or "", (None, None))
    billing = pm.get("billing_details") or {}
    ch.update({
        "amount": pi["amount"], "amount_captured": pi["amount"] if captured else 0, "amount_refunded": 0,
        "application": None, "application_fee": None, "application_fee_amount": None,
        "balance_transaction": ctx.id("txn_") if captured else None,
        "billing_details": {"address": billing.get("address"), "email": billing.get("email"),
                            "name": billing.get("name"), "phone": billing.get("phone")},
        "calculated_statement_descriptor": "SANDBOX", "captured": captured, "currency": pi["currency"],
        "customer": pi["customer"], "description": pi["description"], "disputed": False,
        "failure_balance_transaction": None, "failure_code": code, "failure_message": message,
        "fraud_details": {}, "metadata": dict(pi["metadata"]), "on_behalf_of": None,
        "outcome": {
            "network_status": "declined_by_network" if decline else "approved_by_network",
            "reason": decline, "risk_level": "normal", "risk_score": 20,
            "seller_message": "The bank did not return any further details with this decline." if decline
            else "Payment complete.",
            "type": "issuer_declined" if decline else "authorized",
        },
        "paid": decline is None, "payment_intent": pi["id"], "payment_method": pm["id"],
        "payment_method_details": cards.card_details(pm), "receipt_email": pi.get("receipt_email"),
        "receipt_number": None, "receipt_url": f"https://pay.stripe.com/receipts/sandbox/{ch['id']}",
        "refunded": False,  # `refunds` only when expanded (changelog 2022-11-15, deprecates-charges-auto-expand)
        "review": None, "shipping": None, "source": None, "source_transfer": None, "statement_descriptor": None,
        "statement_descriptor_suffix": None, "status": "failed" if decline else "succeeded",
        "transfer_data": None, "transfer_group": None,
    })
    return ctx.insert(ch)


def confirm(ctx: Ctx, pi: dict[str, Any], pm_ref: str | None, *, param: str = "payment_method",
            force_decline: str | None = None, attach: bool = False) -> StripeError | None:
    """Charge the PaymentIntent. Returns the card error of a decline (its writes and events are kept)."""
    if pi["status"] not in ("requires_payment_method", "requires_confirmation"):
        raise invalid(f"This PaymentIntent's status is {pi['status']}, so it cannot be confirmed.", None,
                      "payment_intent_unexpected_state")
    pm_ref = pm_ref or pi.get("payment_method")
    if not pm_ref:
        raise invalid("You cannot confirm this PaymentIntent because it's missing a payment method. "
                      "Update it with a payment method and then confirm it again.", "payment_method",
                      "payment_intent_unexpected_state")
    pm = cards.resolve(ctx, pm_ref, param)
    if pi.get("customer") and (attach or pi.get("setup_future_usage")) and not pm.get("customer"):
        cus = ctx.find("customer", pi["customer"])
        if cus:
            pm = attach_payment_method(ctx, pm["id"], cus, param)
    pi["payment_method"] = pm["id"]
    decline = force_decline or cards.decline_of(pm)
    charge = _charge(ctx, pi, pm, decline)
    pi["latest_charge"] = charge["id"]
    if decline:
        code, message = cards.DECLINES[decline]
        pi["status"] = "requires_payment_method"
        pi["last_payment_error"] = {
            "charge": charge["id"], "code": code, "decline_code": decline, "doc_url":
            f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}", "message": message,
            "payment_method": public(pm), "type": "card_error",
        }
        pi["payment_method"] = None
        ctx.save(pi)
        ctx.emit("charge.failed", charge)
        ctx.emit("payment_intent.payment_failed", pi)
        return card_error(code, decline, message, extra={
            "charge": charge["id"], "payment_intent": public(pi), "payment_method": public(pm)})
    pi["last_payment_error"] = None
    if pi["capture_method"] == "manual":
        pi["status"], pi["amount_capturable"] = "requires_capture", pi["amount"]
        ctx.save(pi)
        ctx.emit("charge.succeeded", charge)
        ctx.emit("payment_intent.amount_capturable_updated", pi)
        return None
    pi["status"], pi["amount_received"] = "succeeded", pi["amount"]
    ctx.save(pi)
    ctx.emit("charge.succeeded", charge)
    ctx.emit("payment_intent.succeeded", pi)
    if pm.get("_behavior") == "dispute":
        from .disputes import open_dispute

        open_dispute(ctx, charge, "fraudulent")
    return None


@route("POST", "/v1/payment_intents", "payment_intent", sdk="PaymentIntentCreateParams")
def create(ctx: Ctx, p: Params) -> dict[str, Any]:
    amount = p.int("amount", required=True, min=1)
    currency = p.currency()
    assert amount is not None and currency is not None
    check_amount(currency, amount)
    customer = p.str("customer")
    if customer:
        ctx.get("customer", customer, "customer")
    pi = new_intent(
        ctx, amount=amount, currency=currency, customer=customer, description=p.str("description"),
        metadata=p.metadata(), capture_method=p.str("capture_method", choices=("automatic", "automatic_async",
                                                                                "manual"), default="automatic"),
        receipt_email=p.str("receipt_email"),
        setup_future_usage=p.str("setup_future_usage", choices=("off_session", "on_session")),
    )
    apm = p.sub("automatic_payment_methods")
    if apm is not None:
        pi["automatic_payment_methods"] = {"allow_redirects": apm.str("allow_redirects", default="always"),
                                           "enabled": bool(apm.bool("enabled"))}
    pm_ref = p.str("payment_method")
    if pm_ref:
        pi["payment_method"] = cards.resolve(ctx, pm_ref)["id"]
        pi["status"] = "requires_confirmation"
    ctx.save(pi)
    if p.bool("confirm"):
        err = confirm(ctx, pi, None)
        if err:
            raise err
    return respond(ctx, pi, p)


@route("GET", "/v1/payment_intents/{id}", "payment_intent")
def retrieve(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    return respond(ctx, ctx.get("payment_intent", id), p)


@route("POST", "/v1/payment_intents/{id}", "payment_intent", sdk="PaymentIntentUpdateParams")
def update(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    pi = ctx.get("payment_intent", id)
    editable = pi["status"] in ("requires_payment_method", "requires_confirmation")
    if ("amount" in p or "currency" in p) and not editable:
        raise invalid(f"This PaymentIntent's amount could not be updated because it has a status of {pi['status']}.",
                      "amount", "payment_intent_unexpected_state")
    if "amount" in p:
        pi["amount"] = p.int("amount", min=1)
    if "currency" in p:
        pi["currency"] = p.currency()
    check_amount(pi["currency"], pi["amount"])
    for key in ("description", "receipt_email"):
        if key in p:
            pi[key] = p.str(key)
    if "customer" in p:
        pi["customer"] = p.str("customer") and ctx.get("customer", p.str("customer"), "customer")["id"]
    if p.str("payment_method"):
        pi["payment_method"] = cards.resolve(ctx, p.str("payment_method") or "")["id"]
        pi["status"] = "requires_confirmation"
    pi["metadata"] = p.metadata(pi["metadata"])
    ctx.save(pi)
    return respond(ctx, pi, p)


@route("POST", "/v1/payment_intents/{id}/confirm", "payment_intent", sdk="PaymentIntentConfirmParams")
def confirm_route(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    pi = ctx.get("payment_intent", id)
    err = confirm(ctx, pi, p.str("payment_method"))
    if err:
        raise err
    inv = ctx.find("invoice", pi.get("_invoice"))
    if inv is not None and inv["status"] == "open" and pi["status"] == "succeeded":
        from ..invoicing import mark_paid  # an invoice's payment intent confirmed by the client pays the invoice

        mark_paid(ctx, inv, pi=pi)
    return respond(ctx, pi, p)


@route("POST", "/v1/payment_intents/{id}/capture", "payment_intent", sdk="PaymentIntentCaptureParams")
def capture(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    pi = ctx.get("payment_intent", id)
    if pi["status"] != "requires_capture":
        raise invalid(f"This PaymentIntent could not be captured because it has a status of {pi['status']}.",
                      None, "payment_intent_unexpected_state")
    amount = p.int("amount_to_capture", min=1, max=pi["amount"]) or pi["amount"]
    ch = ctx.get("charge", pi["latest_charge"])
    ch.update({"captured": True, "amount_captured": amount, "balance_transaction": ctx.id("txn_")})
    if amount < pi["amount"]:
        ch["amount_refunded"] = pi["amount"] - amount
    ctx.save(ch)
    pi.update({"status": "succeeded", "amount_received": amount, "amount_capturable": 0})
    ctx.save(pi)
    ctx.emit("charge.captured", ch)
    ctx.emit("payment_intent.succeeded", pi)
    return respond(ctx, pi, p)


@route("POST", "/v1/payment_intents/{id}/cancel", "payment_intent", sdk="PaymentIntentCancelParams")
def cancel(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    pi = ctx.get("payment_intent", id)
    if pi["status"] in ("succeeded", "canceled", "processing"):
        raise invalid(f"You cannot cancel this PaymentIntent because it has a status of {pi['status']}.", None,
                      "payment_intent_unexpected_state")
    pi.update({"status": "canceled", "canceled_at": ctx.now(),
               "cancellation_reason": p.str("cancellation_reason", choices=(
                   "abandoned", "duplicate", "fraudulent", "requested_by_customer"))})
    ctx.save(pi)
    ctx.emit("payment_intent.canceled", pi)
    return respond(ctx, pi, p)


@route("GET", "/v1/payment_intents", "payment_intent", sdk="PaymentIntentListParams")
def list_intents(ctx: Ctx, p: Params) -> dict[str, Any]:
    return paginate(ctx, "payment_intent", p, "/v1/payment_intents", field_filters(p, {"customer": "customer"}))


@route("GET", "/v1/payment_intents/search", "payment_intent", sdk="PaymentIntentSearchParams")
def search_intents(ctx: Ctx, p: Params) -> dict[str, Any]:
    return search(ctx, "payment_intent", p, "/v1/payment_intents/search",
                  {"amount", "created", "currency", "customer", "metadata", "status"})
