"""Charges (list, retrieve, update, search), refunds (full or partial), and the balance they add up to."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ..errors import invalid
from ..listing import SPECIAL_EXPANSIONS, field_filters, list_object, paginate, respond
from ..params import Params
from ..routing import route
from ..runtime import changed, public
from ..search import search

if TYPE_CHECKING:
    from ..runtime import Ctx


@route("GET", "/v1/charges", "charge", sdk="ChargeListParams")
def list_charges(ctx: Ctx, p: Params) -> dict[str, Any]:
    preds = field_filters(p, {"customer": "customer", "payment_intent": "payment_intent"})
    return paginate(ctx, "charge", p, "/v1/charges", preds)


@route("GET", "/v1/charges/search", "charge", sdk="ChargeSearchParams")
def search_charges(ctx: Ctx, p: Params) -> dict[str, Any]:
    return search(ctx, "charge", p, "/v1/charges/search",
                  {"amount", "created", "currency", "customer", "disputed", "metadata", "payment_intent", "refunded",
                   "status"})


@route("GET", "/v1/charges/{id}", "charge")
def get_charge(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    return respond(ctx, ctx.get("charge", id), p)


@route("POST", "/v1/charges/{id}", "charge", sdk="ChargeUpdateParams")
def update_charge(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    ch = ctx.get("charge", id)
    before = public(ch)
    for key in ("description", "receipt_email"):
        if key in p:
            ch[key] = p.str(key)
    ch["metadata"] = p.metadata(ch["metadata"])
    prev = changed(before, ch)
    if prev:
        ctx.save(ch)
        ctx.emit("charge.updated", ch, prev)
    return respond(ctx, ch, p)


def refund_charge(ctx: Ctx, ch: dict[str, Any], amount: int | None, *, reason: str | None = None,
                  metadata: dict[str, str] | None = None, param: str = "amount") -> dict[str, Any]:
    if ch["status"] != "succeeded" or not ch["captured"]:
        raise invalid(f"Charge {ch['id']} has not been captured or did not succeed, so it cannot be refunded.",
                      "charge", "charge_not_refundable")
    remaining = ch["amount_captured"] - ch["amount_refunded"]
    if remaining <= 0:
        raise invalid(f"Charge {ch['id']} has already been refunded.", "charge", "charge_already_refunded")
    amount = remaining if amount is None else amount
    if amount > remaining:
        raise invalid(f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})", param)
    re = ctx.base("refund", "re_")
    del re["livemode"]  # a refund has no livemode field (fixture `refund`, SDK _refund.py); the store keeps the mode
    re["_livemode"] = ctx.livemode
    re.update({
        "amount": amount, "balance_transaction": ctx.id("txn_"), "charge": ch["id"], "currency": ch["currency"],
        "customer": ch.get("customer"), "customer_account": None, "payment_method": ch.get("payment_method"),
        "destination_details": {"card": {"reference_status": "pending", "reference_type": "acquirer_reference_number",
                                         "type": "refund"}, "type": "card"},
        "metadata": metadata or {}, "payment_intent": ch["payment_intent"], "reason": reason,
        "receipt_number": None, "source_transfer_reversal": None, "status": "succeeded", "transfer_reversal": None,
    })
    ctx.insert(re)
    before = public(ch)
    ch["amount_refunded"] += amount
    ch["refunded"] = ch["amount_refunded"] >= ch["amount_captured"]
    ctx.save(ch)
    ctx.emit("refund.created", re)
    ctx.emit("charge.refunded", ch, changed(before, ch))
    return re


@route("POST", "/v1/refunds", "refund", sdk="RefundCreateParams")
def create_refund(ctx: Ctx, p: Params) -> dict[str, Any]:
    charge_id, pi_id = p.str("charge"), p.str("payment_intent")
    if not charge_id and not pi_id:
        raise invalid("One of the following params should be provided for this request: payment_intent or charge.",
                      "payment_intent")
    if pi_id:
        pi = ctx.get("payment_intent", pi_id, "payment_intent")
        if pi["status"] != "succeeded" or not pi.get("latest_charge"):
            raise invalid(f"This PaymentIntent ({pi_id}) does not have a successful charge to refund.",
                          "payment_intent", "charge_not_refundable")
        if charge_id and charge_id != pi["latest_charge"]:
            raise invalid("The charge does not belong to this PaymentIntent.", "charge")
        charge_id = pi["latest_charge"]
    ch = ctx.get("charge", charge_id, "charge")
    reason = p.str("reason", choices=("duplicate", "fraudulent", "requested_by_customer"))
    re = refund_charge(ctx, ch, p.int("amount", min=1), reason=reason, metadata=p.metadata())
    return respond(ctx, re, p)


@route("GET", "/v1/refunds/{id}", "refund")
def get_refund(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    return respond(ctx, ctx.get("refund", id), p)


@route("POST", "/v1/refunds/{id}", "refund", sdk="RefundUpdateParams")
def update_refund(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    re = ctx.get("refund", id)
    before = public(re)
    re["metadata"] = p.metadata(re.get("metadata"))
    prev = changed(before, re)
    if prev:
        ctx.save(re)
        ctx.emit("refund.updated", re, prev)
    return respond(ctx, re, p)


@route("GET", "/v1/refunds", "refund", sdk="RefundListParams")
def list_refunds(ctx: Ctx, p: Params) -> dict[str, Any]:
    preds = field_filters(p, {"charge": "charge", "payment_intent": "payment_intent"})
    return paginate(ctx, "refund", p, "/v1/refunds", preds)


@route("GET", "/v1/charges/{id}/refunds", "refund")
def list_charge_refunds(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    ctx.get("charge", id)
    return paginate(ctx, "refund", p, f"/v1/charges/{id}/refunds", [lambda o: o["charge"] == id])


@route("GET", "/v1/balance", "balance")
def balance(ctx: Ctx, p: Params) -> dict[str, Any]:
    """Captured charges minus refunds minus disputed amounts not (yet) won, per currency; all available."""
    totals: dict[str, int] = defaultdict(int)
    for ch in ctx.all("charge"):
        if ch["status"] == "succeeded" and ch["captured"]:
            totals[ch["currency"]] += ch["amount_captured"] - ch["amount_refunded"]
    for dp in ctx.all("dispute"):
        if dp["status"] not in ("won", "warning_closed", "warning_needs_response", "warning_under_review"):
            totals[dp["currency"]] -= dp["amount"]
    if not totals:
        totals["usd"] = 0
    available = [{"amount": amount, "currency": cur, "source_types": {"card": amount}}
                 for cur, amount in sorted(totals.items())]
    pending = [{"amount": 0, "currency": cur, "source_types": {"card": 0}} for cur in sorted(totals)]
    return {"object": "balance", "available": available, "connect_reserved": [], "livemode": ctx.livemode,
            "pending": pending}


# Since 2022-11-15 a charge's `refunds` list is included only when expanded
# (https://docs.stripe.com/changelog/2022-11-15/deprecates-charges-auto-expand).
SPECIAL_EXPANSIONS[("charge", "refunds")] = lambda ctx, ch: list_object(
    f"/v1/charges/{ch['id']}/refunds", [public(re) for re in ctx.all("refund") if re["charge"] == ch["id"]],
    total_count=sum(1 for re in ctx.all("refund") if re["charge"] == ch["id"]))
