"""Invoices: create (draft), add lines, update, finalize, pay, void, mark uncollectible, send, delete, list, search."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import invoicing
from ..errors import invalid
from ..listing import field_filters, list_object, paginate, range_filter, respond
from ..params import Params
from ..routing import route
from ..runtime import changed, public
from ..search import search
from . import cards
from .coupons import coupon_from_params, redeem
from .invoiceitems import add_to_invoice, item_from_params

if TYPE_CHECKING:
    from ..runtime import Ctx

STATUSES = ("draft", "open", "paid", "uncollectible", "void")


def _editable(inv: dict[str, Any]) -> None:
    if inv["status"] != "draft":
        raise invalid("This invoice is no longer editable.", None, "invoice_not_editable")


@route("POST", "/v1/invoices", "invoice", sdk="InvoiceCreateParams", extra=("coupon",))
def create(ctx: Ctx, p: Params) -> dict[str, Any]:
    cus = ctx.get("customer", p.str("customer", required=True), "customer")
    sub = ctx.get("subscription", p.str("subscription"), "subscription") if p.str("subscription") else None
    currency = p.currency(required=False) or cus.get("currency") or (sub or {}).get("currency") or "usd"
    method = p.str("collection_method", choices=("charge_automatically", "send_invoice"),
                   default="charge_automatically")
    days = p.int("days_until_due", min=0)
    if method == "send_invoice" and days is None and p.int("due_date") is None:
        raise invalid("Invoices with collection_method send_invoice need days_until_due or due_date.",
                      "days_until_due")
    coupon = coupon_from_params(ctx, p, currency)
    pm = p.str("default_payment_method")
    if pm:
        ctx.get("payment_method", pm, "default_payment_method")
    inv = invoicing.new_invoice(
        ctx, cus, currency=currency, collection_method=method or "charge_automatically", days_until_due=days,
        subscription=sub, auto_advance=bool(p.bool("auto_advance", False)), description=p.str("description"),
        metadata=p.metadata(), coupon=coupon, default_payment_method=pm,
    )
    inv["due_date"] = p.int("due_date")
    inv["footer"] = p.str("footer")
    if coupon is not None:
        redeem(ctx, coupon)
    behavior = p.str("pending_invoice_items_behavior", choices=("exclude", "include"), default="exclude")
    if behavior == "include":
        invoicing.attach_pending_items(ctx, inv, sub["id"] if sub else None)
    invoicing.recompute(inv)
    ctx.insert(inv)
    ctx.emit("invoice.created", inv)
    return respond(ctx, inv, p)


@route("GET", "/v1/invoices/{id}", "invoice")
def retrieve(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    return respond(ctx, ctx.get("invoice", id), p)


@route("POST", "/v1/invoices/{id}", "invoice", sdk="InvoiceUpdateParams")
def update(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    inv = ctx.get("invoice", id)
    before = public(inv)
    if any(k not in ("metadata", "expand", "auto_advance", "description", "footer") for k in p.keys()):
        _editable(inv)
    for key in ("description", "footer"):
        if key in p:
            inv[key] = p.str(key)
    if "auto_advance" in p:
        inv["auto_advance"] = p.bool("auto_advance")
    if "collection_method" in p:
        inv["collection_method"] = p.str("collection_method", choices=("charge_automatically", "send_invoice"))
    if "days_until_due" in p:
        inv["_days_until_due"] = p.int("days_until_due", min=0)
    if "due_date" in p:
        inv["due_date"] = p.int("due_date")
    if "default_payment_method" in p:
        pm = p.str("default_payment_method")
        inv["default_payment_method"] = pm and ctx.get("payment_method", pm, "default_payment_method")["id"]
    inv["metadata"] = p.metadata(inv.get("metadata"))
    prev = changed(before, inv)
    if prev:
        ctx.save(inv)
        ctx.emit("invoice.updated", inv, prev)
    return respond(ctx, inv, p)


@route("DELETE", "/v1/invoices/{id}", "invoice")
def delete(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    inv = ctx.get("invoice", id)
    if inv["status"] != "draft":
        raise invalid("You can only delete draft invoices. Void the invoice instead.", None, "invoice_not_editable")
    for ii in ctx.all("invoiceitem"):
        if ii.get("invoice") == id:
            ii["invoice"] = None
            ctx.save(ii)
    ctx.store.delete("invoice", id)
    ctx.emit("invoice.deleted", inv)
    return {"id": id, "object": "invoice", "deleted": True}


@route("POST", "/v1/invoices/{id}/add_lines", "invoice", sdk="InvoiceAddLinesParams")
def add_lines(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    inv = ctx.get("invoice", id)
    _editable(inv)
    cus = ctx.get("customer", inv["customer"])
    for line in p.items("lines", required=True):
        ii_id = line.str("invoice_item")
        if ii_id:
            ii = ctx.get("invoiceitem", ii_id, line.name("invoice_item"))
            if ii.get("invoice"):
                raise invalid(f"Invoice item {ii_id} is already on an invoice.", line.name("invoice_item"))
        else:
            ii = item_from_params(ctx, line, cus, inv)
        add_to_invoice(ctx, inv, ii)
    inv["metadata"] = p.metadata(inv.get("metadata"), "invoice_metadata")
    ctx.save(inv)
    return respond(ctx, inv, p)


@route("POST", "/v1/invoices/{id}/finalize", "invoice", sdk="InvoiceFinalizeInvoiceParams")
def finalize(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    inv = ctx.get("invoice", id)
    if "auto_advance" in p:
        inv["auto_advance"] = p.bool("auto_advance")
    invoicing.finalize(ctx, inv)
    return respond(ctx, inv, p)


@route("POST", "/v1/invoices/{id}/pay", "invoice", sdk="InvoicePayParams")
def pay(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    inv = ctx.get("invoice", id)
    if p.bool("paid_out_of_band"):
        if inv["status"] == "draft":
            invoicing.finalize(ctx, inv)
        if inv["status"] != "open":
            raise invalid(f"This invoice can't be paid because it is {inv['status']}.", None)
        invoicing.mark_paid(ctx, inv, out_of_band=True)
        return respond(ctx, inv, p)
    pm = p.str("payment_method")
    if pm:
        pm = cards.resolve(ctx, pm)["id"]
    err = invoicing.pay(ctx, inv, pm)
    if err is not None:
        raise err
    return respond(ctx, inv, p)


@route("POST", "/v1/invoices/{id}/void", "invoice", sdk="InvoiceVoidInvoiceParams")
def void(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    inv = ctx.get("invoice", id)
    if inv["status"] not in ("open", "uncollectible"):
        raise invalid(f"You can only void open or uncollectible invoices; this one is {inv['status']}.", None,
                      "invoice_not_editable")
    invoicing.void(ctx, inv)
    return respond(ctx, inv, p)


@route("POST", "/v1/invoices/{id}/mark_uncollectible", "invoice", sdk="InvoiceMarkUncollectibleParams")
def mark_uncollectible(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    inv = ctx.get("invoice", id)
    if inv["status"] != "open":
        raise invalid("You can only mark open invoices as uncollectible.", None, "invoice_not_editable")
    inv["status"] = "uncollectible"
    inv["next_payment_attempt"] = None
    inv["status_transitions"]["marked_uncollectible_at"] = ctx.now()
    ctx.save(inv)
    ctx.emit("invoice.marked_uncollectible", inv)
    return respond(ctx, inv, p)


@route("POST", "/v1/invoices/{id}/send", "invoice", sdk="InvoiceSendInvoiceParams")
def send(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    inv = ctx.get("invoice", id)
    if inv["collection_method"] != "send_invoice":
        raise invalid("You can only send invoices that have collection_method=send_invoice.", None)
    if inv["status"] == "draft":
        invoicing.finalize(ctx, inv)
    if inv["status"] != "open":
        raise invalid(f"You can only send open invoices; this one is {inv['status']}.", None)
    ctx.emit("invoice.sent", inv)
    return respond(ctx, inv, p)


@route("GET", "/v1/invoices", "invoice", sdk="InvoiceListParams")
def list_invoices(ctx: Ctx, p: Params) -> dict[str, Any]:
    preds = field_filters(p, {"customer": "customer", "subscription": "_subscription",
                              "collection_method": "collection_method"})
    status = p.str("status", choices=STATUSES)
    if status:
        preds.append(lambda o: o["status"] == status)
    preds.append(range_filter(p, "due_date"))
    return paginate(ctx, "invoice", p, "/v1/invoices", preds)


@route("GET", "/v1/invoices/search", "invoice", sdk="InvoiceSearchParams")
def search_invoices(ctx: Ctx, p: Params) -> dict[str, Any]:
    return search(ctx, "invoice", p, "/v1/invoices/search",
                  {"created", "currency", "customer", "metadata", "number", "status", "subscription", "total"})


@route("GET", "/v1/invoices/{id}/lines", "invoice")
def lines(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    inv = ctx.get("invoice", id)
    rows = list(enumerate(inv["lines"]["data"]))
    rows = [(len(rows) - i, line) for i, line in rows]  # keep the invoice's own order
    if not rows:
        return list_object(f"/v1/invoices/{id}/lines", [])
    return paginate(ctx, "line_item", p, f"/v1/invoices/{id}/lines", rows=rows)
