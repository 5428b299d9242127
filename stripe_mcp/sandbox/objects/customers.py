"""Customers: create, retrieve (deleted ones too), update, delete, list (email filter), search."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import invalid
from ..listing import field_filters, paginate, respond
from ..params import Params
from ..routing import route
from ..runtime import changed, public
from ..search import search
from ..store import DELETED

if TYPE_CHECKING:
    from ..runtime import Ctx

ADDRESS_FIELDS = ("city", "country", "line1", "line2", "postal_code", "state")
SEARCH_FIELDS = {"created", "email", "metadata", "name", "phone"}


def address(p: Params, key: str) -> dict[str, Any] | None:
    sub = p.sub(key)
    if sub is None:
        return None
    return {f: sub.str(f) for f in ADDRESS_FIELDS}


def new_customer(ctx: Ctx, *, email: str | None, name: str | None = None, metadata: dict[str, str] | None = None,
                 phone: str | None = None, description: str | None = None) -> dict[str, Any]:
    cus = ctx.base("customer", "cus_")
    cus.update({
        "address": None, "balance": 0, "currency": None, "default_source": None, "delinquent": False,
        "description": description, "discount": None, "email": email,
        "invoice_prefix": ctx.sb.new_id("", 8).upper(),
        "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None,
                             "rendering_options": None},
        "metadata": metadata or {}, "name": name, "next_invoice_sequence": 1, "phone": phone,
        "preferred_locales": [], "shipping": None, "tax_exempt": "none", "test_clock": None,
    })
    return cus


def find_by_email(ctx: Ctx, email: str) -> dict[str, Any] | None:
    for cus in ctx.all("customer"):
        if (cus.get("email") or "").lower() == email.lower():
            return cus
    return None


def _apply(ctx: Ctx, cus: dict[str, Any], p: Params) -> None:
    for key in ("email", "name", "phone", "description"):
        if key in p:
            cus[key] = p.str(key, max_len=512 if key == "email" else 5000)
    if "address" in p:
        cus["address"] = address(p, "address")
    if "balance" in p:
        cus["balance"] = p.int("balance") or 0
    if "preferred_locales" in p:
        cus["preferred_locales"] = p.strs("preferred_locales")
    if "tax_exempt" in p:
        cus["tax_exempt"] = p.str("tax_exempt", choices=("exempt", "none", "reverse")) or "none"
    attached = None
    pm_ref = p.str("payment_method")
    if pm_ref:
        from .payments import attach_payment_method

        attached = attach_payment_method(ctx, pm_ref, cus, "payment_method")
    settings = p.sub("invoice_settings")
    if settings is not None and "default_payment_method" in settings:
        pm_id = settings.str("default_payment_method")
        param = settings.name("default_payment_method")
        if pm_id and attached is not None and pm_id in (pm_ref, attached["id"]):
            pm_id = attached["id"]  # the payment method attached by this same request (a test token is resolved)
        elif pm_id:
            pm = ctx.get("payment_method", pm_id, param)
            if pm.get("customer") != cus["id"]:  # Stripe uses only a payment method attached to the customer
                raise invalid(f"The customer does not have a payment method with the ID {pm_id}. The payment method "
                              "must be attached to the customer.", param, "resource_missing")
        cus["invoice_settings"]["default_payment_method"] = pm_id
    cus["metadata"] = p.metadata(cus.get("metadata"))


@route("POST", "/v1/customers", "customer", sdk="CustomerCreateParams")
def create(ctx: Ctx, p: Params) -> dict[str, Any]:
    cus = new_customer(ctx, email=None)
    _apply(ctx, cus, p)
    ctx.insert(cus)
    ctx.emit("customer.created", cus)
    return respond(ctx, cus, p)


@route("GET", "/v1/customers/{id}", "customer", sdk="CustomerRetrieveParams")
def retrieve(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    cus = ctx.find("customer", id)
    if cus is None:
        tomb = ctx.store.get(DELETED + "customer", id, ctx.livemode)
        if tomb is not None:
            return tomb
        cus = ctx.get("customer", id)
    return respond(ctx, cus, p)


@route("POST", "/v1/customers/{id}", "customer", sdk="CustomerUpdateParams")
def update(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    cus = ctx.get("customer", id)
    before = public(cus)
    _apply(ctx, cus, p)
    ctx.save(cus)
    prev = changed(before, cus)
    if prev:
        ctx.emit("customer.updated", cus, prev)
    return respond(ctx, cus, p)


@route("DELETE", "/v1/customers/{id}", "customer")
def delete(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    cus = ctx.get("customer", id)
    from ..billing import cancel_subscription

    for sub in ctx.all("subscription"):
        if sub["customer"] == id and sub["status"] not in ("canceled", "incomplete_expired"):
            cancel_subscription(ctx, sub, reason="cancellation_requested")
    tomb = {"id": id, "object": "customer", "deleted": True, "livemode": ctx.livemode}
    ctx.store.delete("customer", id, tombstone=tomb)
    ctx.emit("customer.deleted", cus)
    return {"id": id, "object": "customer", "deleted": True}


@route("GET", "/v1/customers", "customer", sdk="CustomerListParams")
def list_customers(ctx: Ctx, p: Params) -> dict[str, Any]:
    preds = field_filters(p, {"email": "email", "test_clock": "test_clock"})
    email = p.str("email")
    # `email` is "a case-sensitive filter on the list based on the customer's email field"
    # (https://docs.stripe.com/api/customers/list); without a cursor the rows are narrowed in SQL first (a cursor
    # may name any customer, so it keeps the full list)
    rows = (ctx.store.all("customer", ctx.livemode, email=email)
            if email is not None and not (p.str("starting_after") or p.str("ending_before")) else None)
    return paginate(ctx, "customer", p, "/v1/customers", preds, rows=rows)


@route("GET", "/v1/customers/search", "customer", sdk="CustomerSearchParams")
def search_customers(ctx: Ctx, p: Params) -> dict[str, Any]:
    return search(ctx, "customer", p, "/v1/customers/search", SEARCH_FIELDS)
