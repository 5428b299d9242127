"""Invoice items: pending (picked up by the next invoice) or added to a draft invoice."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import invalid, missing_param
from ..invoicing import line_for_item, line_source, recompute
from ..listing import field_filters, paginate, respond
from ..params import Params
from ..routing import route
from ..runtime import changed, public
from .catalog import new_price, price_amount

if TYPE_CHECKING:
    from ..runtime import Ctx


def new_item(ctx: Ctx, cus: dict[str, Any], *, amount: int, currency: str, quantity: int = 1,
             description: str | None = None, price: dict[str, Any] | None = None, proration: bool = False,
             subscription: str | None = None, period: tuple[int, int] | None = None,
             metadata: dict[str, str] | None = None, discountable: bool = True) -> dict[str, Any]:
    ii = ctx.base("invoiceitem", "ii_")
    ii["_created"] = ii.pop("created")  # an invoice item has `date`, no `created` (fixture `invoiceitem`, SDK)
    start, end = period or (ctx.now(), ctx.now())
    unit = price_amount(price) if price else (amount // quantity if quantity else amount)
    ii.update({  # the shape at the pinned version: no price/subscription/unit_amount (parent, pricing instead)
        "amount": amount, "currency": currency, "customer": cus["id"], "customer_account": None, "date": ctx.now(),
        "description": description, "discountable": discountable and not proration, "discounts": [],
        "invoice": None, "metadata": metadata or {}, "net_amount": amount,
        "parent": {"subscription_details": {"subscription": subscription, "subscription_item": None},
                   "type": "subscription_details"} if subscription else None,
        "period": {"end": end, "start": start},
        "pricing": {"price_details": {"price": price["id"], "product": price["product"]}, "type": "price_details",
                    "unit_amount_decimal": price.get("unit_amount_decimal")} if price else None,
        "proration": proration, "quantity": quantity, "quantity_decimal": str(quantity), "tax_rates": [],
        "test_clock": None, "_price": price, "_subscription": subscription, "_unit_amount": unit,
    })
    ctx.insert(ii)
    ctx.emit("invoiceitem.created", ii)
    return ii


def item_from_params(ctx: Ctx, p: Params, cus: dict[str, Any], invoice: dict[str, Any] | None) -> dict[str, Any]:
    quantity = p.int("quantity", min=0, default=1)
    assert quantity is not None
    price_id = p.str("price")
    pricing = p.sub("pricing")
    if pricing is not None and pricing.str("price"):
        price_id = pricing.str("price")
    price = None
    if price_id:
        price = ctx.get("price", price_id, "pricing[price]" if pricing is not None else "price")
    elif p.sub("price_data") is not None:
        price = new_price(ctx, p.sub("price_data"), emit=False)  # type: ignore[arg-type]
    if price is not None:
        amount, currency = price_amount(price) * quantity, price["currency"]
        if p.str("currency") and p.currency() != currency:
            raise invalid("The currency of the price does not match the currency parameter.", "currency")
    else:
        amount = p.int("amount")
        if amount is None:
            if p.int("unit_amount_decimal") is not None:
                amount = (p.int("unit_amount_decimal") or 0) * quantity
            else:
                raise missing_param("amount")
        currency = p.currency(required=False) or (invoice or {}).get("currency") or cus.get("currency")
        if currency is None:
            raise missing_param("currency")
    if invoice is not None and invoice["currency"] != currency:
        raise invalid(f"The currency of the invoice item ({currency}) must match the invoice ({invoice['currency']}).",
                      "currency")
    period = None
    per = p.sub("period")
    if per is not None:
        period = (per.int("start", required=True) or 0, per.int("end", required=True) or 0)
    sub_id = p.str("subscription")
    if sub_id:
        ctx.get("subscription", sub_id, "subscription")
    return new_item(ctx, cus, amount=amount, currency=currency, quantity=quantity, description=p.str("description"),
                    price=public(price) if price else None, subscription=sub_id, period=period,
                    metadata=p.metadata(), discountable=bool(p.bool("discountable", True)))


def add_to_invoice(ctx: Ctx, inv: dict[str, Any], ii: dict[str, Any]) -> None:
    ii["invoice"] = inv["id"]
    ctx.save(ii)
    inv["lines"]["data"].append(line_for_item(ctx, inv, ii))
    recompute(inv)
    ctx.save(inv)


def draft_invoice(ctx: Ctx, invoice_id: str, customer_id: str, param: str = "invoice") -> dict[str, Any]:
    inv = ctx.get("invoice", invoice_id, param)
    if inv["status"] != "draft":
        raise invalid(f"You can only add invoice items to draft invoices; {invoice_id} is {inv['status']}.", param,
                      "invoice_not_editable")
    if inv["customer"] != customer_id:
        raise invalid("The invoice item's customer must match the invoice's customer.", "customer")
    return inv


@route("POST", "/v1/invoiceitems", "invoice", sdk="InvoiceItemCreateParams", extra=("price", "unit_amount"))
def create(ctx: Ctx, p: Params) -> dict[str, Any]:
    cus = ctx.get("customer", p.str("customer", required=True), "customer")
    inv = draft_invoice(ctx, p.str("invoice") or "", cus["id"]) if p.str("invoice") else None
    ii = item_from_params(ctx, p, cus, inv)
    if inv is not None:
        add_to_invoice(ctx, inv, ii)
    return respond(ctx, ii, p)


@route("GET", "/v1/invoiceitems/{id}", "invoice")
def retrieve(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    return respond(ctx, ctx.get("invoiceitem", id), p)


@route("POST", "/v1/invoiceitems/{id}", "invoice", sdk="InvoiceItemUpdateParams")
def update(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    ii = ctx.get("invoiceitem", id)
    before = public(ii)
    inv = ctx.find("invoice", ii.get("invoice"))
    if inv is not None and inv["status"] != "draft" and any(k != "metadata" for k in p.keys()):
        raise invalid("Invoice items on finalized invoices can't be modified.", None, "invoice_not_editable")
    if "description" in p:
        ii["description"] = p.str("description")
    if "quantity" in p or "amount" in p:
        ii["quantity"] = p.int("quantity", min=0, default=ii["quantity"])
        if "amount" in p:
            ii["amount"] = p.int("amount")
        else:
            ii["amount"] = int(ii["_unit_amount"] or 0) * ii["quantity"]
        ii["net_amount"] = ii["amount"]
        ii["quantity_decimal"] = str(ii["quantity"])
    ii["metadata"] = p.metadata(ii.get("metadata"))
    prev = changed(before, ii)
    if prev:
        ctx.save(ii)
        if inv is not None:
            for line in inv["lines"]["data"]:
                if line_source(line) == id:
                    line.update({"amount": ii["amount"], "subtotal": ii["amount"], "quantity": ii["quantity"],
                                 "quantity_decimal": str(ii["quantity"]), "description": ii["description"]})
            recompute(inv)
            ctx.save(inv)
        ctx.emit("invoiceitem.updated", ii, prev)
    return respond(ctx, ii, p)


@route("DELETE", "/v1/invoiceitems/{id}", "invoice")
def delete(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    ii = ctx.get("invoiceitem", id)
    inv = ctx.find("invoice", ii.get("invoice"))
    if inv is not None:
        if inv["status"] != "draft":
            raise invalid("Invoice items on finalized invoices can't be deleted.", None, "invoice_not_editable")
        inv["lines"]["data"] = [line for line in inv["lines"]["data"] if line_source(line) != id]
        recompute(inv)
        ctx.save(inv)
    ctx.store.delete("invoiceitem", id)
    ctx.emit("invoiceitem.deleted", ii)
    return {"id": id, "object": "invoiceitem", "deleted": True}


@route("GET", "/v1/invoiceitems", "invoice", sdk="InvoiceItemListParams")
def list_items(ctx: Ctx, p: Params) -> dict[str, Any]:
    preds = field_filters(p, {"customer": "customer", "invoice": "invoice"})
    pending = p.bool("pending")
    if pending is not None:
        preds.append(lambda o: (o.get("invoice") is None) == pending)
    return paginate(ctx, "invoiceitem", p, "/v1/invoiceitems", preds)
