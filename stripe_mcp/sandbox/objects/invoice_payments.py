"""Invoice payments (`inpay_`): how an invoice is paid at the pinned API version (2025-03-31.basil and later).

Since basil an invoice no longer names its payment intent or charge; each payment attempt of an invoice is an
`invoice_payment` linking the invoice to a payment intent (`payment.payment_intent`). They are listed and
retrieved at `/v1/invoice_payments`, appear as `invoice.payments` when expanded, and `invoice_payment.paid` is
emitted when one is paid. `invoice.confirmation_secret` (expandable) carries the client secret of the invoice's
default payment intent, which replaced expanding `invoice.payment_intent`.
Finalizing an invoice creates its default payment ("When you finalize an invoice, Stripe creates a default
payment", https://docs.stripe.com/invoicing/partial-payments).
Sources: the installed SDK's stripe/_invoice_payment.py and params/_invoice_payment_list_params.py;
https://docs.stripe.com/changelog/basil/2025-03-31/add-support-for-multiple-partial-payments-on-invoices;
https://docs.stripe.com/changelog/basil/2025-05-28/partial-payments (`invoice_payment.paid`);
the fixture resource `invoice_payment` (tests/contract/specs, stripe-fixtures3.json).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..listing import SPECIAL_EXPANSIONS, field_filters, list_object, paginate, respond
from ..params import Params
from ..routing import route
from ..runtime import public

if TYPE_CHECKING:
    from ..runtime import Ctx


def open_payment(ctx: Ctx, inv: dict[str, Any], pi: dict[str, Any]) -> dict[str, Any]:
    """The invoice's (default) payment through `pi`, status open until the intent succeeds."""
    for other in for_invoice(ctx, inv["id"]):
        if other["is_default"]:
            other["is_default"] = False
            ctx.save(other)
    ip = ctx.base("invoice_payment", "inpay_")
    ip.update({
        "amount_paid": None, "amount_requested": pi["amount"], "currency": pi["currency"], "invoice": inv["id"],
        "is_default": True, "payment": {"payment_intent": pi["id"], "type": "payment_intent"}, "status": "open",
        "status_transitions": {"canceled_at": None, "paid_at": None},
    })
    return ctx.insert(ip)


def for_invoice(ctx: Ctx, invoice_id: str) -> list[dict[str, Any]]:
    return [ip for ip in ctx.all("invoice_payment") if ip["invoice"] == invoice_id]


def for_intent(ctx: Ctx, pi_id: str) -> dict[str, Any] | None:
    return next((ip for ip in ctx.all("invoice_payment") if ip["payment"].get("payment_intent") == pi_id), None)


def mark(ctx: Ctx, pi: dict[str, Any], status: str) -> dict[str, Any] | None:
    """Move the invoice payment of `pi` to paid or canceled (`invoice_payment.paid` when paid)."""
    ip = for_intent(ctx, pi["id"])
    if ip is None or ip["status"] != "open":
        return ip
    ip["status"] = status
    if status == "paid":
        ip["amount_paid"] = pi.get("amount_received") or pi["amount"]
        ip["status_transitions"]["paid_at"] = ctx.now()
    else:
        ip["status_transitions"]["canceled_at"] = ctx.now()
    ctx.save(ip)
    if status == "paid":
        ctx.emit("invoice_payment.paid", ip)
    return ip


def confirmation_secret(ctx: Ctx, inv: dict[str, Any]) -> dict[str, Any] | None:
    stored = ctx.find("invoice", inv["id"]) or inv
    pi = ctx.find("payment_intent", stored.get("_payment_intent"))
    if pi is None:
        return None
    return {"client_secret": pi["client_secret"], "type": "payment_intent"}


@route("GET", "/v1/invoice_payments", "invoice", sdk="InvoicePaymentListParams")
def list_payments(ctx: Ctx, p: Params) -> dict[str, Any]:
    preds = field_filters(p, {"invoice": "invoice"})
    status = p.str("status", choices=("canceled", "open", "paid"))
    if status:
        preds.append(lambda o: o["status"] == status)
    pay = p.sub("payment")
    if pay is not None:
        kind = pay.str("type", required=True, choices=("payment_intent", "payment_record"))
        pi_id = pay.str("payment_intent")
        preds.append(lambda o: o["payment"]["type"] == kind and (pi_id is None or o["payment"].get(kind) == pi_id))
    return paginate(ctx, "invoice_payment", p, "/v1/invoice_payments", preds)


@route("GET", "/v1/invoice_payments/{id}", "invoice")
def retrieve(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    return respond(ctx, ctx.get("invoice_payment", id), p)


SPECIAL_EXPANSIONS[("invoice", "payments")] = lambda ctx, inv: list_object(
    f"/v1/invoice_payments?invoice={inv['id']}", [public(ip) for ip in for_invoice(ctx, inv["id"])])
SPECIAL_EXPANSIONS[("invoice", "confirmation_secret")] = confirmation_secret
