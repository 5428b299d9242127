"""Names beside ids in results: a customer's email beside its cus_ id, a product's name beside a price or product
id, so a model reading a result never has to look an id up to know what it is.

`annotate` adds, in place and right after the id it describes:
- `customer_email` beside `customer` (the customer's email, else its name);
- `product_name` beside `product` (prices) and beside `price` (subscription items, invoice items).

Stripe objects hold these as ids only (unless expanded), so the names are fetched: each distinct id once per
result, a few at a time, at most MAX_LOOKUPS of them (beyond that the ids stay bare). A name that cannot be
fetched (deleted, no permission) is simply left out; it never fails the result.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from shared.errors import AppError

if TYPE_CHECKING:
    from stripe_mcp.client.api import StripeApi

MAX_LOOKUPS = 30
_PARALLEL = 5


async def annotate(api: StripeApi, objects: list[dict[str, Any]]) -> None:
    """Add customer emails and product names beside the ids in these (compact) objects and their items."""
    wanted: list[str] = []
    for obj in objects:
        for target, key in _slots(obj):
            ident = target.get(key)
            if isinstance(ident, str) and ident not in wanted:
                wanted.append(ident)
    names = await _fetch(api, wanted[:MAX_LOOKUPS])
    for obj in objects:
        for target, key in _slots(obj):
            name = names.get(target.get(key))  # type: ignore[arg-type]
            if name:
                _insert_after(target, key, "customer_email" if key == "customer" else "product_name", name)


def _slots(obj: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """(dict, key) pairs whose value is an id to name."""
    out: list[tuple[dict[str, Any], str]] = []
    if str(obj.get("customer") or "").startswith("cus_") and not obj.get("customer_email"):
        out.append((obj, "customer"))
    if str(obj.get("product") or "").startswith("prod_") and not obj.get("product_name"):
        out.append((obj, "product"))
    if str(obj.get("price") or "").startswith("price_") and not obj.get("product_name"):
        out.append((obj, "price"))
    for item in obj.get("items") or []:
        if isinstance(item, dict) and str(item.get("price") or "").startswith("price_") and not item.get(
                "product_name"):
            out.append((item, "price"))
    return out


async def _fetch(api: StripeApi, ids: list[str]) -> dict[str, str]:
    gate = asyncio.Semaphore(_PARALLEL)

    async def one(ident: str) -> tuple[str, str]:
        async with gate:
            try:
                if ident.startswith("cus_"):
                    c = await api.retrieve("customers", ident)
                    return ident, str(c.get("email") or c.get("name") or "")
                if ident.startswith("prod_"):
                    return ident, str((await api.retrieve("products", ident)).get("name") or "")
                price = await api.retrieve("prices", ident, expand=["product"])
                prod = price.get("product")
                return ident, str(prod.get("name") or "") if isinstance(prod, dict) else ""
            except AppError:
                return ident, ""

    return dict(await asyncio.gather(*(one(i) for i in ids)))


def _insert_after(target: dict[str, Any], key: str, new_key: str, value: str) -> None:
    items = list(target.items())
    target.clear()
    for k, v in items:
        target[k] = v
        if k == key:
            target[new_key] = value
