"""Generic reads over every object kind (get one, list/search many) and the gated delete."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, PrivateAttr

from shared.errors import InputError
from shared.render import plural
from shared.safety import ConfirmInput
from shared.tooling import Call, ToolInput
from stripe_mcp.client import KINDS, compact, kind_for_id, label
from stripe_mcp.client import validation as v
from stripe_mcp.client.kinds import KNOWN_PREFIXES, KindName
from stripe_mcp.client.validation import quote
from stripe_mcp.deps import StripeDeps
from stripe_mcp.tools import TOOLBOX
from stripe_mcp.tools._common import CURSOR, ObjectResult, StripeResult, done, preview, stripe, write_tool
from stripe_mcp.tools.names import annotate
from stripe_mcp.tools.resolve import any_id

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
ANY_ID = "Any id (cus_, pi_, sub_, in_, pm_...), a customer email or a product name."


def id_shaped(value: str) -> bool:
    """prefix_rest without spaces or @: meant as an id (a wrong prefix is then refused without any call)."""
    return "_" in value and " " not in value and "@" not in value


async def _object_id(call: Call[StripeDeps], value: str, coupon: bool) -> str:
    """The id a get/delete argument means: an id as given, else the customer (email) or product (name) it names."""
    value = value.strip()
    if coupon or id_shaped(value):
        return value
    try:
        return await any_id(await stripe(call), value, "id")
    except InputError as exc:
        raise InputError(f"{str(exc).removeprefix('id: ')}. As an id it has no known id prefix ({KNOWN_PREFIXES}); "
                         "coupon ids have none: pass kind='coupon' for one", "id") from None


class GetInput(ToolInput):
    audit_exclude = frozenset({"id"})  # may be an email

    id: str = Field(description=ANY_ID)
    kind: Literal["coupon"] | None = Field(None, description=COUPON)


@TOOLBOX.tool(toolset="objects", title="Get object", read_only=True, destructive=False, idempotent=True,
              open_world=True)
async def stripe_get(call: Call[StripeDeps], args: GetInput) -> ObjectResult:
    """Fetch one Stripe object in full."""
    ident = await _object_id(call, args.id, args.kind == "coupon")
    k = kind_for_id(ident, coupon=args.kind == "coupon")  # before any call: an unknown prefix costs nothing
    api = await stripe(call)
    result = done(api, "", await api.retrieve(k.name, ident), full=True)
    await annotate(api, [result.object])
    return result


class ListInput(ToolInput):
    audit_exclude = frozenset({"email", "name", "query", "related_to"})  # personal data stays out of the audit log

    kind: KindName = Field(description="What to list.")
    related_to: str | None = Field(None, description="Of this object: id, customer email or product name.")
    status: str | None = Field(None, description="Subscription, invoice or checkout status.")
    email: str | None = Field(None, description="Customers: exact email.")
    name: str | None = Field(None, description="Customers/products: name search.")
    query: str | None = Field(None, description="Search query: metadata['k']:'v'")
    active: bool | None = Field(None, description="Products/prices/links.")
    type: str | None = Field(None, description="Price type, or event type (invoice.paid).")
    created_after: str | None = Field(None, description="Date.")
    created_before: str | None = Field(None, description="Date.")
    limit: int = Field(10, ge=1, le=100)
    cursor: str | None = Field(None, description=CURSOR)


class ListResult(StripeResult):
    kind: str
    items: list[dict[str, Any]]
    has_more: bool
    next_cursor: str | None = None
    _search: bool = PrivateAttr(default=False)  # a search page's cursor is a page token, not an object id

    def summary(self) -> str:
        noun = self.kind[:-1].replace("_", " ")
        if not self.items:
            return f"No {noun}s found."
        shown = "; ".join(label(i) for i in self.items[:10]) + ("; ..." if len(self.items) > 10 else "")
        page = (f" More exist: call again with cursor={self.next_cursor} for the next page."
                if self.has_more and self.next_cursor else "")
        return f"{plural(len(self.items), noun)}: {shown}.{page}"

    def cursor_for(self, item: dict[str, Any]) -> str | None:
        """A list page resumes after any object (starting_after=its id); a search page only at its own token."""
        ident = item.get("id")
        return None if self._search or not isinstance(ident, str) else ident


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


@TOOLBOX.tool(toolset="objects", title="List or search objects", read_only=True, destructive=False,
              idempotent=True, open_world=True)
async def stripe_list(call: Call[StripeDeps], args: ListInput) -> ListResult:
    """List or search Stripe objects of one kind, newest first, key fields only."""
    api = await stripe(call)
    k = KINDS[args.kind]
    if args.related_to and not id_shaped(args.related_to.strip()):
        args = args.model_copy(update={"related_to": await any_id(api, args.related_to, "related_to")})
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
    items = [compact(i) for i in page.items]
    await annotate(api, items)
    result = ListResult(mode=api.mode, kind=k.name, items=items, has_more=page.has_more, next_cursor=page.next_cursor)
    result._search = bool(args.query or args.name)
    return result


class DeleteInput(ConfirmInput):
    audit_exclude = frozenset({"id"})  # may be an email

    id: str = Field(description="Customer, product, coupon, draft invoice, invoice item or payment link id; "
                                "email or product name.")
    kind: Literal["coupon"] | None = Field(None, description=COUPON)


@write_tool(toolset="objects", title="Delete object", destructive=True, idempotent=True)
async def stripe_delete(call: Call[StripeDeps], args: DeleteInput) -> ObjectResult:
    """Permanently delete an object; a payment link is deactivated instead."""
    ident = await _object_id(call, args.id, args.kind == "coupon")
    k = kind_for_id(ident, coupon=args.kind == "coupon")
    if k.name == "payment_links":
        return await _deactivate(call, ident, args.confirm)
    if not k.deletable:
        raise InputError(f"{k.name} cannot be deleted", "id")
    api = await stripe(call)
    current = await api.retrieve(k.name, ident)
    if not args.confirm:
        return preview(api, f"would permanently delete {label(compact(current))}.", current)
    return done(api, "deleted", await api.delete(k.name, ident))


async def _deactivate(call: Call[StripeDeps], link_id: str, confirm: bool) -> ObjectResult:
    api = await stripe(call)
    link = await api.get_payment_link(link_id)
    if not confirm:
        state = "active" if link.get("active") else "already inactive"
        return preview(api, f"would deactivate {link_id} ({state}, {link.get('url')}).", link)
    return done(api, "deactivated", await api.deactivate_payment_link(link_id))
