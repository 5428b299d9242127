"""What a payment bought: the products and prices behind a Stripe payment event, for the post-purchase sequence.

Sources, first that answers:
- a checkout session's line items (in the payload when expanded, else GET /v1/checkout/sessions/{id}/line_items,
  https://docs.stripe.com/api/checkout/sessions/line_items);
- an invoice's lines (`lines.data` in the payload, else GET /v1/invoices/{id}/lines). Since 2025-03-31 a line
  names its price as `pricing.price_details.price` and its product as `pricing.price_details.product`
  (https://docs.stripe.com/changelog/basil/2025-03-31/add-support-for-multiple-partial-payments-on-invoices);
  the older `price` field is read too;
- the metadata our payment links carry (`price_id`, copied onto the payment intent or subscription; see
  stripe_mcp/client/payments.py create_payment_link);
- for a payment intent or charge, the checkout session that made it (GET /v1/checkout/sessions?payment_intent=),
  else the invoice it paid (GET /v1/invoice_payments).
Product names come from the products themselves (GET /v1/products/{id}), else the line's description (which
Stripe defaults to the product name). Metadata found on the way (e.g. the selling campaign) is returned too.

An object that no longer exists or cannot be read is skipped; a rate limit, server or network error is raised so
the event is retried later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from orchestrator_mcp.events.money import object_id, payment_metadata
from shared.errors import BadRequest, InputError, NotFound, PermissionDenied

if TYPE_CHECKING:
    from stripe_mcp.client.api import StripeApi

_SKIPPABLE = (NotFound, PermissionDenied, BadRequest, InputError)


@dataclass
class Item:
    price_id: str | None
    product_id: str | None
    name: str | None
    quantity: int = 1


@dataclass
class Purchase:
    items: list[Item] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def variables(self) -> dict[str, Any]:
        """Lead variables: product_name (names joined with ", " when several), product_id, price_id."""
        out: dict[str, Any] = {}
        names = [i.name for i in self.items if i.name]
        if names:
            out["product_name"] = ", ".join(dict.fromkeys(names))
        first = self.items[0] if self.items else None
        if first is not None:
            out.update({k: v for k, v in {"product_id": first.product_id, "price_id": first.price_id}.items() if v})
        return out


async def _soft(coro: Any) -> Any:
    try:
        return await coro
    except _SKIPPABLE:
        return None


async def _listed(api: StripeApi, method: str, path: str, fn: Any, owner: str) -> list[dict[str, Any]]:
    from stripe_mcp.client.core import as_dict

    page = await _soft(api._call(method, path, fn, owner, params={"limit": 100}))  # noqa: SLF001 - error mapping
    return [as_dict(line) for line in page.data] if page is not None else []


async def _session_lines(api: StripeApi, session: dict[str, Any]) -> list[dict[str, Any]]:
    expanded = session.get("line_items")
    if isinstance(expanded, dict) and expanded.get("data") and not expanded.get("has_more"):
        return list(expanded["data"])
    sid = str(session["id"])
    return await _listed(api, "GET", f"/v1/checkout/sessions/{sid}/line_items",
                         api.sdk.v1.checkout.sessions.line_items.list_async, sid)


async def _invoice_lines(api: StripeApi, invoice: dict[str, Any]) -> list[dict[str, Any]]:
    lines = invoice.get("lines")
    if isinstance(lines, dict) and lines.get("data") and not lines.get("has_more"):
        return list(lines["data"])
    iid = str(invoice["id"])
    return await _listed(api, "GET", f"/v1/invoices/{iid}/lines", api.sdk.v1.invoices.line_items.list_async, iid)


async def _invoice_of(api: StripeApi, intent_id: str) -> dict[str, Any] | None:
    """The invoice a payment intent paid: GET /v1/invoice_payments (https://docs.stripe.com/api/invoice-payment/list;
    since 2025-03-31 a payment intent no longer names its invoice)."""
    from stripe_mcp.client.core import as_dict

    params = {"payment": {"type": "payment_intent", "payment_intent": intent_id}, "limit": 1}
    page = await _soft(api._call("GET", "/v1/invoice_payments",  # noqa: SLF001 - error mapping
                                 api.sdk.v1.invoice_payments.list_async, params=params))
    if page is None or not page.data:
        return None
    invoice = object_id(as_dict(page.data[0]).get("invoice"))
    return await _soft(api.retrieve("invoices", invoice)) if invoice else None


def _line_ids(line: dict[str, Any]) -> tuple[str | None, str | None]:
    details = (line.get("pricing") or {}).get("price_details") or {}
    price = line.get("price")
    price_id = object_id(details.get("price")) or object_id(price)
    product = object_id(details.get("product")) or (object_id(price.get("product")) if isinstance(price, dict)
                                                     else None)
    return price_id, product


async def _items(api: StripeApi, lines: list[dict[str, Any]]) -> list[Item]:
    names: dict[str, str | None] = {}
    out = []
    for line in lines:
        price_id, product_id = _line_ids(line)
        if product_id is None and price_id:
            price = await _soft(api.get_price(price_id))
            product_id = object_id((price or {}).get("product"))
        name = None
        if product_id:
            if product_id not in names:
                product = await _soft(api.get_product(product_id))
                names[product_id] = (product or {}).get("name")
            name = names[product_id]
        out.append(Item(price_id=price_id, product_id=product_id, name=name or line.get("description"),
                        quantity=int(line.get("quantity") or 1)))
    return out


async def purchase_of(api: StripeApi, obj: dict[str, Any]) -> Purchase:
    """The products and prices this payment object paid for (empty when nothing names them)."""
    meta = payment_metadata(obj)
    kind = obj.get("object")
    intent_id = obj.get("id") if kind == "payment_intent" else object_id(obj.get("payment_intent"))
    if kind == "charge" and not meta.get("price_id") and intent_id:
        intent = await _soft(api.get_payment_intent(intent_id))
        meta = {**payment_metadata(intent or {}), **meta}
    lines: list[dict[str, Any]] = []
    if kind == "checkout.session" and obj.get("id"):
        lines = await _session_lines(api, obj)
    elif kind == "invoice" and obj.get("id"):
        lines = await _invoice_lines(api, obj)
    if not lines and meta.get("price_id"):
        lines = [{"price": meta["price_id"]}]
    elif not lines and kind in ("payment_intent", "charge") and intent_id:
        page = await _soft(api.list_page("checkout_sessions", {"payment_intent": intent_id}, limit=1))
        if page is not None and page.items:
            session = page.items[0]
            meta = {**payment_metadata(session), **meta}
            lines = await _session_lines(api, session)
        else:
            invoice = await _invoice_of(api, intent_id)
            if invoice is not None:
                meta = {**payment_metadata(invoice), **meta}
                lines = await _invoice_lines(api, invoice)
    return Purchase(items=await _items(api, lines), metadata=meta)
