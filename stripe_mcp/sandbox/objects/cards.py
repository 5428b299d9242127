"""Test payment methods (`pm_card_visa`, `pm_card_chargeDeclined`, ...) and the PaymentMethod objects they become."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..errors import invalid
from ..listing import list_object, paginate, respond
from ..params import Params
from ..routing import route

if TYPE_CHECKING:
    from ..runtime import Ctx

# token -> (brand, last4, decline_code or None); "dispute" opens a dispute right after the charge succeeds
TEST_CARDS: dict[str, tuple[str, str, str | None]] = {
    "pm_card_visa": ("visa", "4242", None),
    "pm_card_visa_debit": ("visa", "5556", None),
    "pm_card_mastercard": ("mastercard", "4444", None),
    "pm_card_amex": ("amex", "8431", None),
    "pm_card_discover": ("discover", "1117", None),
    "pm_card_us": ("visa", "4242", None),
    "pm_card_createDispute": ("visa", "0259", "dispute"),
    "pm_card_chargeDeclined": ("visa", "0002", "generic_decline"),
    "pm_card_visa_chargeDeclined": ("visa", "0002", "generic_decline"),
    "pm_card_chargeCustomerFail": ("visa", "0341", "generic_decline"),
    "pm_card_chargeDeclinedInsufficientFunds": ("visa", "9995", "insufficient_funds"),
    "pm_card_visa_chargeDeclinedInsufficientFunds": ("visa", "9995", "insufficient_funds"),
    "pm_card_chargeDeclinedFraudulent": ("visa", "0019", "fraudulent"),
    "pm_card_visa_chargeDeclinedFraudulent": ("visa", "0019", "fraudulent"),
    "pm_card_chargeDeclinedLostCard": ("visa", "9987", "lost_card"),
    "pm_card_visa_chargeDeclinedLostCard": ("visa", "9987", "lost_card"),
    "pm_card_chargeDeclinedStolenCard": ("visa", "9979", "stolen_card"),
    "pm_card_visa_chargeDeclinedStolenCard": ("visa", "9979", "stolen_card"),
    "pm_card_chargeDeclinedExpiredCard": ("visa", "0069", "expired_card"),
    "pm_card_visa_chargeDeclinedExpiredCard": ("visa", "0069", "expired_card"),
    "pm_card_chargeDeclinedIncorrectCvc": ("visa", "0127", "incorrect_cvc"),
    "pm_card_visa_chargeDeclinedIncorrectCvc": ("visa", "0127", "incorrect_cvc"),
    "pm_card_chargeDeclinedProcessingError": ("visa", "0119", "processing_error"),
    "pm_card_visa_chargeDeclinedProcessingError": ("visa", "0119", "processing_error"),
}
TEST_CARDS.update({"tok_" + k.removeprefix("pm_card_"): v for k, v in list(TEST_CARDS.items())})

# decline_code -> (error code, message)
DECLINES = {
    "generic_decline": ("card_declined", "Your card was declined."),
    "insufficient_funds": ("card_declined", "Your card has insufficient funds."),
    "fraudulent": ("card_declined", "Your card was declined."),
    "lost_card": ("card_declined", "Your card was declined."),
    "stolen_card": ("card_declined", "Your card was declined."),
    "expired_card": ("expired_card", "Your card has expired."),
    "incorrect_cvc": ("incorrect_cvc", "Your card's security code is incorrect."),
    "processing_error": ("processing_error",
                         "An error occurred while processing your card. Try again in a little bit."),
}


def _card(ctx: Ctx, brand: str, last4: str) -> dict[str, Any]:
    return {
        "brand": brand, "checks": {"address_line1_check": None, "address_postal_code_check": None,
                                   "cvc_check": "pass"},
        "country": "US", "display_brand": brand, "exp_month": 12, "exp_year": time.gmtime().tm_year + 3,
        "fingerprint": ctx.sb.new_id("", 16), "funding": "credit", "generated_from": None, "last4": last4,
        "networks": {"available": [brand], "preferred": None}, "regulated_status": "unregulated",
        "three_d_secure_usage": {"supported": True}, "wallet": None,
    }


def resolve(ctx: Ctx, ref: str, param: str = "payment_method") -> dict[str, Any]:
    """A stored PaymentMethod, or a new one made from a test token such as `pm_card_visa`."""
    if ref in TEST_CARDS:
        brand, last4, behavior = TEST_CARDS[ref]
        pm = ctx.base("payment_method", "pm_")
        pm.update({
            "allow_redisplay": "unspecified",
            "billing_details": {"address": {"city": None, "country": None, "line1": None, "line2": None,
                                            "postal_code": None, "state": None},
                                "email": None, "name": None, "phone": None, "tax_id": None},
            "card": _card(ctx, brand, last4), "customer": None, "customer_account": None, "metadata": {},
            "type": "card",
            "_behavior": behavior,
        })
        return ctx.insert(pm)
    return ctx.get("payment_method", ref, param)


def decline_of(pm: dict[str, Any] | None) -> str | None:
    behavior = (pm or {}).get("_behavior")
    return behavior if behavior in DECLINES else None


def card_details(pm: dict[str, Any]) -> dict[str, Any]:
    card = pm.get("card") or {}
    return {"card": {"amount_authorized": None, "brand": card.get("brand"), "checks": card.get("checks"),
                     "country": card.get("country"), "exp_month": card.get("exp_month"),
                     "exp_year": card.get("exp_year"), "fingerprint": card.get("fingerprint"),
                     "funding": card.get("funding"), "installments": None, "last4": card.get("last4"),
                     "mandate": None, "network": card.get("brand"), "network_token": {"used": False},
                     "three_d_secure": None, "wallet": None},
            "type": "card"}


@route("GET", "/v1/payment_methods/{id}", "payment_method")
def retrieve(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    return respond(ctx, ctx.get("payment_method", id), p)


@route("POST", "/v1/payment_methods/{id}/attach", "payment_method")
def attach(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    cus = ctx.get("customer", p.str("customer", required=True), "customer")
    pm = resolve(ctx, id, "id")
    if pm.get("customer") and pm["customer"] != cus["id"]:
        raise invalid("The payment method you provided has already been attached to a customer.", "customer")
    pm["customer"] = cus["id"]
    ctx.save(pm)
    ctx.emit("payment_method.attached", pm)
    return respond(ctx, pm, p)


@route("POST", "/v1/payment_methods/{id}/detach", "payment_method")
def detach(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    pm = ctx.get("payment_method", id)
    if not pm.get("customer"):
        raise invalid("The payment method you provided is not attached to a customer so detachment is impossible.",
                      "payment_method")
    pm["customer"] = None
    ctx.save(pm)
    ctx.emit("payment_method.detached", pm)
    return respond(ctx, pm, p)


@route("GET", "/v1/payment_methods", "payment_method")
def list_pms(ctx: Ctx, p: Params) -> dict[str, Any]:
    customer = p.str("customer")
    return paginate(ctx, "payment_method", p, "/v1/payment_methods",
                    [lambda o: customer is None or o.get("customer") == customer])


@route("GET", "/v1/customers/{id}/payment_methods", "customer")
def list_customer_pms(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    ctx.get("customer", id)
    rows = [(s, o) for s, o in ctx.store.all("payment_method", ctx.livemode) if o.get("customer") == id]
    if not rows:
        return list_object(f"/v1/customers/{id}/payment_methods", [])
    return paginate(ctx, "payment_method", p, f"/v1/customers/{id}/payment_methods", rows=rows)
