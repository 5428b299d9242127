"""Products and prices (one-off and recurring), including `default_price_data` and `product_data`."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ..errors import invalid, missing_param
from ..listing import field_filters, paginate, respond
from ..params import Params
from ..routing import route
from ..runtime import changed, public
from ..search import search

if TYPE_CHECKING:
    from ..runtime import Ctx

INTERVALS = ("day", "week", "month", "year")
MAX_INTERVAL_COUNT = {"day": 1095, "week": 156, "month": 36, "year": 3}


def new_product(ctx: Ctx, p: Params, *, insert: bool = True) -> dict[str, Any]:
    """A product from create params (`/v1/products` or `product_data`); inserted with its event unless insert=False."""
    prod = ctx.base("product", "prod_")
    custom_id = p.str("id")
    if custom_id:
        if ctx.find("product", custom_id):
            raise invalid("Product already exists.", "id", "resource_already_exists")
        prod["id"] = custom_id
    prod.update({
        "active": p.bool("active", True), "default_price": None,
        "description": p.str("description"), "images": p.strs("images"), "marketing_features": [],
        "metadata": p.metadata(), "name": p.str("name", required=True), "package_dimensions": None,
        "shippable": p.bool("shippable"), "statement_descriptor": p.str("statement_descriptor"),
        "tax_code": p.str("tax_code"), "type": "service", "unit_label": p.str("unit_label"),
        "updated": ctx.now(), "url": p.str("url"),
    })
    if insert:
        ctx.insert(prod)
        ctx.emit("product.created", prod)
    return prod


def recurring_from(p: Params, key: str = "recurring") -> dict[str, Any] | None:
    rec = p.sub(key)
    if rec is None:
        return None
    interval = rec.str("interval", required=True, choices=INTERVALS)
    assert interval is not None
    count = rec.int("interval_count", min=1, max=MAX_INTERVAL_COUNT[interval], default=1)
    return {
        "interval": interval, "interval_count": count, "meter": None,
        "trial_period_days": rec.int("trial_period_days", min=0), "usage_type":
        rec.str("usage_type", choices=("licensed", "metered"), default="licensed"),
    }


def new_price(ctx: Ctx, p: Params, product_id: str | None = None, *, product_param: str = "product",
              emit: bool = True) -> dict[str, Any]:
    """A price from create params (`/v1/prices`), `default_price_data` or `price_data`."""
    currency = p.currency()
    amount = p.int("unit_amount", min=0)
    decimal = p.str("unit_amount_decimal")
    if decimal is not None:
        try:
            dec = Decimal(decimal)
        except InvalidOperation:
            raise invalid(f"Invalid decimal: {decimal}", p.name("unit_amount_decimal")) from None
        if dec < 0:
            raise invalid("This value must be greater than or equal to 0.", p.name("unit_amount_decimal"))
        if amount is None and dec == dec.to_integral_value():
            amount = int(dec)
    if amount is None and decimal is None and p.sub("custom_unit_amount") is None:
        if p.str("billing_scheme") != "tiered":
            raise missing_param(p.name("unit_amount"))
    if product_id is None:
        product_id = p.str("product")
        data = p.sub("product_data")
        if product_id:
            product = ctx.get("product", product_id, p.name("product"))
            if not product.get("active", True):
                raise invalid(f"The product `{product_id}` is inactive.", p.name("product"))
        elif data is not None:
            product_id = new_product(ctx, data)["id"]
        else:
            raise missing_param(p.name(product_param))
    recurring = recurring_from(p)
    price = ctx.base("price", "price_")
    price.update({
        "active": p.bool("active", True), "billing_scheme": p.str("billing_scheme", default="per_unit"),
        "currency": currency, "custom_unit_amount": None, "lookup_key": p.str("lookup_key"),
        "metadata": p.metadata(), "nickname": p.str("nickname"), "product": product_id, "recurring": recurring,
        "tax_behavior": p.str("tax_behavior", choices=("exclusive", "inclusive", "unspecified"),
                              default="unspecified"),
        "tiers_mode": None, "transform_quantity": None, "type": "recurring" if recurring else "one_time",
        "unit_amount": amount, "unit_amount_decimal": decimal if decimal is not None else str(amount),
    })
    if price["lookup_key"] and p.bool("transfer_lookup_key"):
        for other in ctx.all("price"):
            if other.get("lookup_key") == price["lookup_key"]:
                other["lookup_key"] = None
                ctx.save(other)
    ctx.insert(price)
    if emit:
        ctx.emit("price.created", price)
    return price


@route("POST", "/v1/products", "product", sdk="ProductCreateParams")
def create_product(ctx: Ctx, p: Params) -> dict[str, Any]:
    prod = new_product(ctx, p, insert=False)
    dpd = p.sub("default_price_data")
    price = new_price(ctx, dpd, prod["id"], emit=False) if dpd is not None else None
    if price is not None:
        prod["default_price"] = price["id"]
    ctx.insert(prod)
    ctx.emit("product.created", prod)
    if price is not None:
        ctx.emit("price.created", price)
    return respond(ctx, prod, p)


@route("GET", "/v1/products/{id}", "product")
def get_product(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    return respond(ctx, ctx.get("product", id), p)


@route("POST", "/v1/products/{id}", "product", sdk="ProductUpdateParams")
def update_product(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    prod = ctx.get("product", id)
    before = public(prod)
    for key in ("name", "description", "statement_descriptor", "unit_label", "url", "tax_code"):
        if key in p:
            if key == "name" and p.is_empty("name"):
                raise invalid("You cannot unset the name of a product.", "name")
            prod[key] = p.str(key)
    for key in ("active", "shippable"):
        if key in p:
            prod[key] = p.bool(key)
    if "images" in p:
        prod["images"] = p.strs("images")
    if "default_price" in p:
        price_id = p.str("default_price")
        if price_id:
            price = ctx.get("price", price_id, "default_price")
            if price["product"] != id:
                raise invalid(f"The price `{price_id}` does not belong to product `{id}`.", "default_price")
            if not price["active"]:
                raise invalid(f"The price `{price_id}` is inactive and cannot be the default price.", "default_price")
        prod["default_price"] = price_id
    prod["metadata"] = p.metadata(prod["metadata"])
    prev = changed(before, prod)
    if prev:
        prod["updated"] = ctx.now()
        ctx.save(prod)
        ctx.emit("product.updated", prod, prev)
    return respond(ctx, prod, p)


@route("DELETE", "/v1/products/{id}", "product")
def delete_product(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    prod = ctx.get("product", id)
    if any(pr["product"] == id for pr in ctx.all("price")):
        raise invalid("This product cannot be deleted because it has one or more user-created prices.", "id")
    ctx.store.delete("product", id)
    ctx.emit("product.deleted", prod)
    return {"id": id, "object": "product", "deleted": True}


@route("GET", "/v1/products", "product", sdk="ProductListParams")
def list_products(ctx: Ctx, p: Params) -> dict[str, Any]:
    preds = []
    for key in ("active", "shippable"):
        flag = p.bool(key)
        if flag is not None:
            preds.append(lambda o, k=key, f=flag: o.get(k) == f)
    ids = p.strs("ids")
    if ids:
        preds.append(lambda o: o["id"] in ids)
    preds += field_filters(p, {"url": "url"})
    return paginate(ctx, "product", p, "/v1/products", preds)


@route("GET", "/v1/products/search", "product", sdk="ProductSearchParams")
def search_products(ctx: Ctx, p: Params) -> dict[str, Any]:
    return search(ctx, "product", p, "/v1/products/search", {"active", "created", "description", "metadata", "name",
                                                              "shippable", "url"})


@route("POST", "/v1/prices", "price", sdk="PriceCreateParams")
def create_price(ctx: Ctx, p: Params) -> dict[str, Any]:
    return respond(ctx, new_price(ctx, p), p)


@route("GET", "/v1/prices/{id}", "price")
def get_price(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    return respond(ctx, ctx.get("price", id), p)


@route("POST", "/v1/prices/{id}", "price", sdk="PriceUpdateParams")
def update_price(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    price = ctx.get("price", id)
    before = public(price)
    if "active" in p:
        price["active"] = p.bool("active")
    for key in ("nickname", "lookup_key"):
        if key in p:
            price[key] = p.str(key)
    if "tax_behavior" in p:
        price["tax_behavior"] = p.str("tax_behavior", choices=("exclusive", "inclusive", "unspecified"))
    price["metadata"] = p.metadata(price["metadata"])
    prev = changed(before, price)
    if prev:
        ctx.save(price)
        ctx.emit("price.updated", price, prev)
    return respond(ctx, price, p)


@route("GET", "/v1/prices", "price", sdk="PriceListParams")
def list_prices(ctx: Ctx, p: Params) -> dict[str, Any]:
    preds = field_filters(p, {"product": "product", "currency": "currency"})
    active = p.bool("active")
    if active is not None:
        preds.append(lambda o: o["active"] == active)
    kind = p.str("type", choices=("one_time", "recurring"))
    if kind:
        preds.append(lambda o: o["type"] == kind)
    rec = p.sub("recurring")
    if rec is not None:
        interval = rec.str("interval", choices=INTERVALS)
        if interval:
            preds.append(lambda o: (o.get("recurring") or {}).get("interval") == interval)
    keys = p.strs("lookup_keys")
    if keys:
        preds.append(lambda o: o.get("lookup_key") in keys)
    return paginate(ctx, "price", p, "/v1/prices", preds)


@route("GET", "/v1/prices/search", "price", sdk="PriceSearchParams")
def search_prices(ctx: Ctx, p: Params) -> dict[str, Any]:
    return search(ctx, "price", p, "/v1/prices/search", {"active", "created", "currency", "lookup_key", "metadata",
                                                          "product", "type"})


def price_amount(price: dict[str, Any]) -> int:
    if price.get("unit_amount") is not None:
        return int(price["unit_amount"])
    return int(Decimal(price.get("unit_amount_decimal") or "0").to_integral_value())
