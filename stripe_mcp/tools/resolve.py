"""Names work wherever ids do: every tool argument that takes a product, price or customer id also takes

- a product by its name (case-insensitive, exact);
- a price by its lookup_key, or by its product's name when that product has exactly one active price;
- a customer by email (or by name).

An unknown or ambiguous name is an InputError naming the field, with the close matches (and their ids) to pick
from. A value shaped like a Stripe id (a known prefix, e.g. prod_..., price_...) is taken as an id and costs no
call: a wrong kind of id is then refused by the tool's own checks, before anything is written.

Names are found by listing (exact and read-after-write safe), never by Stripe search, which lags about a minute
behind writes (https://docs.stripe.com/search#data-freshness).

Input models say which fields hold such references with a `refs` class variable ({"customer": "customer"});
nested item models (subscription or invoice lines) carry their own. `resolve_refs` returns the arguments with
every name replaced by its id, so the call's idempotency key (derived from its arguments) is the same whether
the model named an object or gave its id.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from shared.errors import InputError
from shared.render import money
from stripe_mcp.client.kinds import KINDS

if TYPE_CHECKING:
    from stripe_mcp.client.api import StripeApi

RefKind = Literal["customer", "product", "price"]
M = TypeVar("M", bound=BaseModel)



class Named(BaseModel):
    """A nested argument (e.g. a subscription item) whose `refs` fields may name a product, price or customer."""

    model_config = ConfigDict(extra="forbid")
    refs: ClassVar[dict[str, RefKind]] = {}


SCAN_LIMIT = 1000  # objects read at most to find a name (ten list pages)
_PREFIXES = tuple(p for k in KINDS.values() for p in k.prefixes)
_ID = re.compile(r"[a-z]{2,6}_[A-Za-z0-9_]+")


def looks_like_id(value: str) -> bool:
    """A Stripe id (e.g. cus_Abc): a known prefix and no spaces."""
    return bool(_ID.fullmatch(value)) and value.startswith(_PREFIXES)


def names_in(args: BaseModel) -> bool:
    """Whether any reference field of `args` (nested items included) holds a name rather than an id."""
    for name in getattr(type(args), "refs", {}):
        value = getattr(args, name)
        if isinstance(value, str) and value and not looks_like_id(value.strip()):
            return True
    for name in type(args).model_fields:
        value = getattr(args, name)
        if isinstance(value, list) and any(isinstance(v, BaseModel) and names_in(v) for v in value):
            return True
    return False


async def any_id(api: StripeApi, value: str, field: str) -> str:
    """For arguments that take any kind of id: a customer email or a product name also works."""
    value = value.strip()
    if looks_like_id(value) or "/" in value or not value:
        return value
    return await (customer_id(api, value, field) if "@" in value else resolve(api, "product", value, field))


async def resolve_refs(api: StripeApi, args: M, where: str = "") -> M:
    """`args` with every named product, price or customer (per its `refs`, nested models included) as its id."""
    refs: dict[str, RefKind] = getattr(type(args), "refs", {})
    updates: dict[str, Any] = {}
    for name, kind in refs.items():
        value = getattr(args, name)
        if isinstance(value, str) and value:
            found = await resolve(api, kind, value, f"{where}{name}")
            if found != value:
                updates[name] = found
    for name in type(args).model_fields:
        value = getattr(args, name)
        if isinstance(value, list) and any(isinstance(v, BaseModel) for v in value):
            new = [await resolve_refs(api, v, f"{where}{name}[{i}].") if isinstance(v, BaseModel) else v
                   for i, v in enumerate(value)]
            if any(a is not b for a, b in zip(new, value, strict=True)):
                updates[name] = new
    return args.model_copy(update=updates) if updates else args


async def resolve(api: StripeApi, kind: RefKind, value: str, field: str) -> str:
    """The id of the customer, product or price that `value` is or names."""
    value = value.strip()
    if looks_like_id(value):
        return value
    if kind == "customer":
        return await customer_id(api, value, field)
    if kind == "product":
        return str((await product(api, value, field))["id"])
    return await price_id(api, value, field)


# --- customers ----------------------------------------------------------------------------------------------------


def _who(c: dict[str, Any]) -> str:
    parts = [p for p in (c.get("name"), c.get("email")) if p]
    return f"{c['id']} ({', '.join(parts)})" if parts else str(c["id"])


async def customer_id(api: StripeApi, value: str, field: str) -> str:
    if "@" in value:
        found = (await api.list_page("customers", {"email": value}, limit=10)).items
        if not found and value != value.lower():
            found = (await api.list_page("customers", {"email": value.lower()}, limit=10)).items
        if len(found) == 1:
            return str(found[0]["id"])
        if found:
            raise InputError(f"{len(found)} customers have the email {value!r}: {'; '.join(_who(c) for c in found)}. "
                             "Pass the id of the one you mean", field)
    everyone = [c async for c in api.iterate("customers", max_items=SCAN_LIMIT)]
    if "@" not in value:
        named = [c for c in everyone if (c.get("name") or "").casefold() == value.casefold()]
        if len(named) == 1:
            return str(named[0]["id"])
        if named:
            raise InputError(f"{len(named)} customers are named {value!r}: {'; '.join(_who(c) for c in named)}. "
                             "Pass the id or email of the one you mean", field)
    keys = {c["id"]: [c.get("email") or "", c.get("name") or ""] for c in everyone}
    by_id = {c["id"]: c for c in everyone}
    close = _close(value, keys)
    raise InputError(f"no customer with the email or name {value!r}" + _suggest([_who(by_id[i]) for i in close]),
                     field)


# --- products and prices ------------------------------------------------------------------------------------------


def _what(p: dict[str, Any]) -> str:
    return f"'{p.get('name')}' ({p['id']}{'' if p.get('active', True) else ', archived'})"


async def product(api: StripeApi, name: str, field: str) -> dict[str, Any]:
    """The product with this name: active ones first; an ambiguous or unknown name is an InputError."""
    everything = [p async for p in api.iterate("products", max_items=SCAN_LIMIT)]
    named = [p for p in everything if (p.get("name") or "").casefold() == name.casefold()]
    if len(named) > 1:
        named = [p for p in named if p.get("active", True)] or named
    if len(named) == 1:
        return named[0]
    if named:
        raise InputError(f"{len(named)} products are named {name!r}: {', '.join(_what(p) for p in named)}. "
                         "Pass the id of the one you mean", field)
    by_id = {p["id"]: p for p in everything}
    close = _close(name, {p["id"]: [p.get("name") or ""] for p in everything})
    raise InputError(f"no product named {name!r}" + _suggest([_what(by_id[i]) for i in close]), field)


def price_text(p: dict[str, Any]) -> str:
    """'price_1 ($49.00/month, lookup_key pro_monthly)'."""
    amount = p.get("unit_amount")
    shown = money(amount, p["currency"]) if isinstance(amount, int) and p.get("currency") else "custom amount"
    rec = p.get("recurring") or {}
    if rec.get("interval"):
        count = rec.get("interval_count") or 1
        shown += f"/{rec['interval']}" if count == 1 else f" every {count} {rec['interval']}s"
    extra = f", lookup_key {p['lookup_key']}" if p.get("lookup_key") else ""
    return f"{p['id']} ({shown}{extra})"


async def price_id(api: StripeApi, value: str, field: str) -> str:
    by_key = (await api.list_page("prices", {"lookup_keys": [value], "active": True}, limit=2)).items
    if by_key:
        return str(by_key[0]["id"])
    try:
        prod = await product(api, value, field)
    except InputError as exc:
        raise InputError(f"no price with the lookup_key {value!r}, and {str(exc).removeprefix(f'{field}: ')}. A price "
                         "is named by its lookup_key, or by its product's name when that product has one active "
                         "price", field) from None
    prices = (await api.list_page("prices", {"product": prod["id"], "active": True}, limit=20)).items
    if len(prices) == 1:
        return str(prices[0]["id"])
    if not prices:
        raise InputError(f"product {_what(prod)} has no active price: create one with stripe_create_price", field)
    raise InputError(f"product {_what(prod)} has {len(prices)} active prices: "
                     f"{'; '.join(price_text(p) for p in prices)}. Pass the price id or lookup_key you mean", field)


# --- close matches ------------------------------------------------------------------------------------------------


def _close(value: str, keys: dict[str, list[str]], n: int = 5) -> list[str]:
    """Ids whose names (or emails) are closest to `value`: containing it, or similar by difflib."""
    wanted = value.casefold()
    scored: list[tuple[float, str]] = []
    for ident, names in keys.items():
        best = 0.0
        for name in names:
            have = name.casefold()
            if not have:
                continue
            ratio = difflib.SequenceMatcher(None, wanted, have).ratio()
            if wanted in have or have in wanted:
                ratio = max(ratio, 0.8)
            best = max(best, ratio)
        if best >= 0.5:
            scored.append((best, ident))
    scored.sort(key=lambda s: -s[0])
    return [ident for _, ident in scored[:n]]


def _suggest(shown: list[str]) -> str:
    if not shown:
        return ". No close matches; stripe_list shows what exists"
    return f". Close matches: {'; '.join(shown)}"
