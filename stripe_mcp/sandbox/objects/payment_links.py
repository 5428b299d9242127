"""Payment links: create (line items, after_completion, restrictions), update (deactivate), list, line items."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import invalid
from ..listing import SPECIAL_EXPANSIONS, list_object, paginate, respond
from ..params import Params
from ..routing import route
from ..runtime import changed, public
from .catalog import price_amount

if TYPE_CHECKING:
    from ..runtime import Ctx


def item_object(ctx: Ctx, line: dict[str, Any], discount: int = 0) -> dict[str, Any]:
    """A line as Stripe's `item` object (payment link and checkout session line items)."""
    price = ctx.find("price", line["price"]) or line.get("_price") or {}
    product = ctx.find("product", price.get("product")) or {}
    subtotal = price_amount(price) * int(line["quantity"]) if price else 0
    return {
        "id": line["id"], "object": "item", "adjustable_quantity": line.get("adjustable_quantity"),
        "amount_discount": discount, "amount_subtotal": subtotal, "amount_tax": 0, "amount_total": subtotal - discount,
        "currency": price.get("currency"), "description": product.get("name") or "", "metadata": {},
        "price": public(price) if price else None, "quantity": int(line["quantity"]),
    }


def line_items_list(ctx: Ctx, owner: dict[str, Any], url: str) -> dict[str, Any]:
    data = [item_object(ctx, line) for line in owner.get("_line_items", [])]
    return list_object(url, data)


def parse_line_items(ctx: Ctx, p: Params, *, allow_price_data: bool = False) -> list[dict[str, Any]]:
    from .catalog import new_price

    lines = []
    for item in p.items("line_items", required=True, max_items=20):
        if item.str("price"):
            price = ctx.get("price", item.str("price"), item.name("price"))
            if not price["active"]:
                raise invalid(f"The price `{price['id']}` is not active.", item.name("price"))
        elif allow_price_data and item.sub("price_data") is not None:
            price = new_price(ctx, item.sub("price_data"), emit=False)  # type: ignore[arg-type]
        else:
            raise invalid(f"Missing required param: {item.name('price')}.", item.name("price"), "parameter_missing")
        quantity = item.int("quantity", required=True, min=1, max=999999)
        adjustable = item.sub("adjustable_quantity")
        lines.append({
            "id": ctx.id("li_"), "price": price["id"], "quantity": quantity,
            "adjustable_quantity": {"enabled": bool(adjustable.bool("enabled")), "maximum": adjustable.int("maximum"),
                                    "minimum": adjustable.int("minimum")} if adjustable is not None else None,
            "_price": public(price),
        })
    currencies = {line["_price"]["currency"] for line in lines}
    if len(currencies) > 1:
        raise invalid("All prices must be in the same currency.", "line_items")
    intervals = {(r["interval"], r["interval_count"]) for line in lines if (r := line["_price"].get("recurring"))}
    if len(intervals) > 1:
        raise invalid("All recurring prices must have the same billing interval.", "line_items")
    return lines


def _after_completion(p: Params, current: dict[str, Any] | None = None) -> dict[str, Any]:
    ac = p.sub("after_completion")
    if ac is None:
        return current or {"hosted_confirmation": {"custom_message": None}, "type": "hosted_confirmation"}
    kind = ac.str("type", required=True, choices=("hosted_confirmation", "redirect"))
    if kind == "redirect":
        redirect = ac.sub("redirect", required=True)
        assert redirect is not None
        url = redirect.str("url", required=True)
        if not (url or "").startswith(("http://", "https://")):
            raise invalid(f"Not a valid URL: {url}", redirect.name("url"), "url_invalid")
        return {"redirect": {"url": url}, "type": "redirect"}
    conf = ac.sub("hosted_confirmation")
    return {"hosted_confirmation": {"custom_message": conf.str("custom_message") if conf else None},
            "type": "hosted_confirmation"}


def _restrictions(p: Params, current: dict[str, Any] | None) -> dict[str, Any] | None:
    if p.is_empty("restrictions"):
        return None
    r = p.sub("restrictions")
    if r is None:
        return current
    cs = r.sub("completed_sessions", required=True)
    assert cs is not None
    limit = cs.int("limit", required=True, min=1, max=10000)
    count = ((current or {}).get("completed_sessions") or {}).get("count", 0)
    return {"completed_sessions": {"count": count, "limit": limit}}


@route("POST", "/v1/payment_links", "payment_link", sdk="PaymentLinkCreateParams")
def create(ctx: Ctx, p: Params) -> dict[str, Any]:
    lines = parse_line_items(ctx, p)
    recurring = any(line["_price"]["type"] == "recurring" for line in lines)
    sd = p.sub("subscription_data")
    if sd is not None and not recurring:
        raise invalid("subscription_data can only be used with recurring prices.", "subscription_data")
    pid = p.sub("payment_intent_data")
    if pid is not None and recurring:
        raise invalid("payment_intent_data can only be used with one-time prices.", "payment_intent_data")
    link = ctx.base("payment_link", "plink_")
    link["_created"] = link.pop("created")  # a payment link has no `created` (fixture `payment_link`, SDK)
    link.update({
        "active": p.bool("active", True), "after_completion": _after_completion(p),
        "allow_promotion_codes": bool(p.bool("allow_promotion_codes", False)), "application": None,
        "application_fee_amount": None, "application_fee_percent": None,
        "automatic_tax": {"enabled": False, "liability": None},
        "billing_address_collection": p.str("billing_address_collection", choices=("auto", "required"),
                                            default="auto"),
        "consent_collection": None, "currency": lines[0]["_price"]["currency"], "custom_fields": [],
        "custom_text": {"after_submit": None, "shipping_address": None, "submit": None,
                        "terms_of_service_acceptance": None},
        "customer_creation": p.str("customer_creation", choices=("always", "if_required"), default="if_required"),
        "inactive_message": p.str("inactive_message"), "invoice_creation": None, "managed_payments": None,
        "metadata": p.metadata(),
        "on_behalf_of": None,
        "payment_intent_data": {"capture_method": None, "description": pid.str("description"),
                                "metadata": pid.metadata(), "setup_future_usage": None,
                                "statement_descriptor": None, "statement_descriptor_suffix": None,
                                "transfer_group": None} if pid is not None else None,
        "payment_method_collection": "always", "payment_method_options": None, "payment_method_types": None,
        "phone_number_collection": {"enabled": False}, "restrictions": _restrictions(p, None),
        "shipping_address_collection": None, "shipping_options": [], "submit_type": "auto",
        "subscription_data": {"description": sd.str("description"), "invoice_settings": {"issuer": {"type": "self"}},
                              "metadata": sd.metadata(), "trial_period_days": sd.int("trial_period_days", min=1),
                              "trial_settings": None} if sd is not None else None,
        "tax_id_collection": {"enabled": False, "required": "never"}, "transfer_data": None,
        "url": f"https://buy.stripe.com/{'live' if ctx.livemode else 'test'}_{ctx.sb.new_id('', 14)}",
        "_line_items": lines,
    })
    ctx.insert(link)
    ctx.emit("payment_link.created", link)
    return respond(ctx, link, p)


@route("GET", "/v1/payment_links/{id}", "payment_link")
def retrieve(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    return respond(ctx, ctx.get("payment_link", id), p)


@route("POST", "/v1/payment_links/{id}", "payment_link", sdk="PaymentLinkUpdateParams")
def update(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    link = ctx.get("payment_link", id)
    before = public(link)
    if "active" in p:
        link["active"] = bool(p.bool("active"))
    if "after_completion" in p:
        link["after_completion"] = _after_completion(p, link["after_completion"])
    if "restrictions" in p:
        link["restrictions"] = _restrictions(p, link.get("restrictions"))
    for key in ("inactive_message",):
        if key in p:
            link[key] = p.str(key)
    if "allow_promotion_codes" in p:
        link["allow_promotion_codes"] = bool(p.bool("allow_promotion_codes"))
    for spec in p.items("line_items"):
        line_id = spec.str("id", required=True)
        line = next((x for x in link["_line_items"] if x["id"] == line_id), None)
        if line is None:
            raise invalid(f"No such line item: '{line_id}'", spec.name("id"), "resource_missing")
        if "quantity" in spec:
            line["quantity"] = spec.int("quantity", min=1)
    link["metadata"] = p.metadata(link["metadata"])
    prev = changed(before, link)
    ctx.save(link)
    if prev or "line_items" in p:
        ctx.emit("payment_link.updated", link, prev)
    return respond(ctx, link, p)


@route("GET", "/v1/payment_links", "payment_link", sdk="PaymentLinkListParams")
def list_links(ctx: Ctx, p: Params) -> dict[str, Any]:
    active = p.bool("active")
    return paginate(ctx, "payment_link", p, "/v1/payment_links",
                    [None if active is None else (lambda o: o["active"] == active)])


@route("GET", "/v1/payment_links/{id}/line_items", "payment_link")
def line_items(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    link = ctx.get("payment_link", id)
    items = [(len(link["_line_items"]) - i, item_object(ctx, line)) for i, line in enumerate(link["_line_items"])]
    return paginate(ctx, "item", p, f"/v1/payment_links/{id}/line_items", rows=items)


SPECIAL_EXPANSIONS[("payment_link", "line_items")] = lambda ctx, obj: line_items_list(
    ctx, ctx.get("payment_link", obj["id"]), f"/v1/payment_links/{obj['id']}/line_items")
