"""Generic reads over every object kind (get one, list/search many) and the gated delete."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from shared.errors import InputError
from shared.safety import ConfirmInput
from shared.tooling import Call, ToolInput
from stripe_mcp.client import KINDS, compact, kind_for_id, label
from stripe_mcp.client import validation as v
from stripe_mcp.client.kinds import KindName
from stripe_mcp.client.validation import quote
from stripe_mcp.deps import StripeDeps
from stripe_mcp.tools import TOOLBOX
from stripe_mcp.tools._common import CURSOR, LIMIT, ObjectResult, StripeResult, done, preview, stripe, write_tool

# id prefix of `related_to` -> the list filter it fills
_RELATED = {"cus_": "customer", "prod_": "product", "price_": "price", "pi_": "payment_intent", "ch_": "charge",
            "py_": "charge", "in_": "invoice", "sub_": "subscription", "plink_": "payment_link"}
_STATUSES = {
    "subscriptions": {"active", "past_due", "unpaid", "canceled", "incomplete", "incomplete_expired", "trialing",
                      "paused", "all"},
    "invoices": {"draft", "open", "paid", "uncollectible", "void"},
    "checkout_sessions": {"open", "complete", "expired"},
}


COUPON = "'coupon' for a coupon id (no prefix)."


class GetInput(ToolInput):
    id: str = Field(description="Any id: cus_, pi_, sub_, si_, in_, pm_, txn_...")
    kind: Literal["coupon"] | None = Field(None, description=COUPON)


@TOOLBOX.tool(toolset="objects", title="Get a Stripe object", read_only=True, destructive=False, idempotent=True,
              open_world=True)
async def stripe_get(call: Call[StripeDeps], args: GetInput) -> ObjectResult:
    """Fetch one Stripe object by id, in full."""
    k = kind_for_id(args.id, coupon=args.kind == "coupon")  # before any call: an unknown prefix costs nothing
    api = await stripe(call)
    return done(api, "", await api.retrieve(k.name, args.id), full=True)


class ListInput(ToolInput):
    audit_exclude = frozenset({"email", "name", "query"})  # personal data stays out of the audit log

    kind: KindName = Field(description="What to list.")
    related_to: str | None = Field(None, description="Of this customer/product/price/pi/charge/"
                                                     "invoice/subscription/link id.")
    status: str | None = Field(None, description="Subscription, invoice or checkout status.")
    email: str | None = Field(None, description="Customers: exact email.")
    name: str | None = Field(None, description="Customers/products: name search.")
    query: str | None = Field(None, description="Stripe search query, e.g. metadata['k']:'v'.")
    active: bool | None = Field(None, description="Products/prices/links.")
    type: str | None = Field(None, description="Price type, or event type (invoice.paid).")
    created_after: str | None = Field(None, description="Date or unix time.")
    created_before: str | None = Field(None, description="Date or unix time.")
    limit: int = Field(10, ge=1, le=100, description=LIMIT)
    cursor: str | None = Field(None, description=CURSOR)


class ListResult(StripeResult):
    kind: str
    items: list[dict[str, Any]]
    has_more: bool
    next_cursor: str | None = None

    def summary(self) -> str:
        if not self.items:
            return f"no {self.kind} found"
        shown = "; ".join(label(i) for i in self.items[:10])
        more = f" ... more: cursor={self.next_cursor}" if self.has_more else ""
        return f"{len(self.items)} {self.kind}: {shown}{more}"


def _filters(args: ListInput) -> dict[str, Any]:
    k = KINDS[args.kind]
    out: dict[str, Any] = {}

    def put(name: str, value: Any, field: str) -> None:
        if value is None:
            return
        if name not in k.filters:
            raise InputError(f"does not apply to {k.name}", field)
        out[name] = value

    if args.related_to:
        target = next((f for p, f in _RELATED.items() if args.related_to.startswith(p)), None)
        if target is None:
            raise InputError(f"{args.related_to!r} is not a customer, product, price, payment intent, charge, "
                             "invoice, subscription or payment link id", "related_to")
        put(target, args.related_to, "related_to")
    if args.status is not None and args.status not in _STATUSES.get(k.name, {args.status}):
        raise InputError(f"{args.status!r} is not a {k.name} status ({'|'.join(sorted(_STATUSES[k.name]))})",
                         "status")
    put("status", args.status, "status")
    put("email", args.email, "email")
    put("active", args.active, "active")
    put("type", args.type, "type")
    created = {key: v.timestamp(val, field) for key, val, field in (
        ("gte", args.created_after, "created_after"), ("lt", args.created_before, "created_before")) if val}
    if created:
        out["created"] = created
    return out


@TOOLBOX.tool(toolset="objects", title="List or search Stripe objects", read_only=True, destructive=False,
              idempotent=True, open_world=True)
async def stripe_list(call: Call[StripeDeps], args: ListInput) -> ListResult:
    """List or search Stripe objects of one kind, newest first, key fields only."""
    api = await stripe(call)
    k = KINDS[args.kind]
    if args.query or args.name:
        if not k.searchable:
            raise InputError(f"{k.name} cannot be searched; use the filters", "query")
        if args.name and k.name not in ("customers", "products"):
            raise InputError("name search applies to customers and products", "name")
        parts = [args.query] if args.query else []
        if args.name:
            parts.append(f"name~{quote(args.name)}" if len(args.name) >= 3 else f"name:{quote(args.name)}")
        if args.email:
            parts.append(f"email:{quote(args.email)}")
        page = await api.search_page(k.name, " AND ".join(parts), limit=args.limit, cursor=args.cursor)
    else:
        page = await api.list_page(k.name, _filters(args), limit=args.limit, cursor=args.cursor)
    return ListResult(mode=api.mode, kind=k.name, items=[compact(i) for i in page.items], has_more=page.has_more,
                      next_cursor=page.next_cursor)


class DeleteInput(ConfirmInput):
    id: str = Field(description="Customer, product, coupon, draft invoice or invoice item id.")
    kind: Literal["coupon"] | None = Field(None, description=COUPON)


@write_tool(toolset="objects", title="Delete a Stripe object", destructive=True, idempotent=True)
async def stripe_delete(call: Call[StripeDeps], args: DeleteInput) -> ObjectResult:
    """Permanently delete an object."""
    k = kind_for_id(args.id, coupon=args.kind == "coupon")
    if not k.deletable:
        raise InputError(f"{k.name} cannot be deleted", "id")
    api = await stripe(call)
    current = await api.retrieve(k.name, args.id)
    if not args.confirm:
        return preview(api, f"would permanently delete {label(compact(current))}.", current)
    return done(api, "deleted", await api.delete(k.name, args.id))
