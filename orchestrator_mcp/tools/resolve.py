"""Names work wherever ids do: one resolver for every orchestrator tool (issue 14 §3).

A campaign is given by its id or its name (any case); a Stripe price by its id, its nickname or lookup key, or
its product's name (the product's default price); a product by its id or name. An unknown or ambiguous name is an
InputError naming the field and listing the close matches, never a silent empty result.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from orchestrator_mcp.deps import OrchestratorDeps
from shared.errors import InputError

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_MAX_LISTED = 1000  # campaigns or products read to match a name


def short_id(value: str) -> str:
    """'01a2b3c4-...' -> '01a2b3c4…' (Stripe ids are short enough to show whole)."""
    return value[:8] + "…" if _UUID.match(value) else value


def label(name: str | None, id_: str | None) -> str:
    """'Q4 outreach (01a2b3c4…)'; the bare id when there is no name."""
    if not id_:
        return name or "none"
    return f"{name} ({short_id(id_)})" if name and name != id_ else id_


def _norm(text: str) -> str:
    return " ".join(text.strip().lower().split())


def _no_match(kind: str, ref: str, field_name: str, names: list[str]) -> InputError:
    close = difflib.get_close_matches(ref, names, n=5, cutoff=0.5)
    close += [n for n in names if _norm(ref) in _norm(n) and n not in close][: 5 - len(close)]
    hint = f" Close matches: {', '.join(repr(n) for n in close)}." if close else (
        f" Known: {', '.join(repr(n) for n in names[:10])}." if names else f" There are no {kind}s yet.")
    return InputError(f"no {kind} with the id or name {ref!r}.{hint}", field_name)


def _ambiguous(kind: str, ref: str, field_name: str, matches: list[tuple[str, str]]) -> InputError:
    listed = "; ".join(label(name, id_) + f" id={id_}" for id_, name in matches)
    return InputError(f"{len(matches)} {kind}s are named {ref!r}: {listed}. Give the id instead.", field_name)


@dataclass
class Resolver:
    """Resolves names for one tool call; each list is read at most once."""

    deps: OrchestratorDeps
    _campaigns: dict[str, str] | None = None  # id -> name
    _products: list[dict[str, Any]] | None = None
    _prices: list[dict[str, Any]] | None = None
    names: dict[str, str] = field(default_factory=dict)  # every id resolved or looked up -> its name

    async def campaigns(self) -> dict[str, str]:
        if self._campaigns is None:
            instantly = await self.deps.instantly_client()
            page = await instantly.list_campaigns(max_items=_MAX_LISTED)
            self._campaigns = {c.id: c.name or "" for c in page.items}
            self.names.update(self._campaigns)
        return self._campaigns

    async def campaign(self, ref: str | None, field_name: str = "campaign_id") -> str | None:
        """The id of the campaign named or identified by `ref` (None stays None)."""
        if not ref:
            return None
        ref = ref.strip()
        known = await self.campaigns()
        if ref in known:
            return ref
        matches = [(id_, name) for id_, name in known.items() if _norm(name) == _norm(ref)]
        if len(matches) == 1:
            return matches[0][0]
        if matches:
            raise _ambiguous("campaign", ref, field_name, matches)
        if _UUID.match(ref):  # beyond the first page of campaigns: ask for it
            try:
                found = await (await self.deps.instantly_client()).get_campaign(ref)
            except Exception:  # noqa: BLE001 - reported as an unknown campaign below
                pass
            else:
                self.names[found.id] = found.name or ""
                return found.id
        raise _no_match("campaign", ref, field_name, sorted(set(known.values()) - {""}))

    async def campaign_name(self, id_: str | None) -> str:
        """'Q4 outreach (01a2…)' for a campaign id, or the id when it is unknown."""
        if not id_:
            return "all campaigns"
        if id_ not in self.names:
            try:
                await self.campaigns()
            except Exception:  # noqa: BLE001 - a label is never worth a failed call
                pass
        return label(self.names.get(id_), id_)

    async def _catalog(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        if self._products is None or self._prices is None:
            stripe_api = await self.deps.stripe_client()
            self._products = [p async for p in stripe_api.iterate("products", {"active": True},
                                                                  max_items=_MAX_LISTED)]
            self._prices = [p async for p in stripe_api.iterate("prices", {"active": True}, max_items=_MAX_LISTED)]
        return self._products, self._prices

    async def product(self, ref: str | None, field_name: str = "product_id") -> str | None:
        if not ref or ref.startswith("prod_"):
            return ref
        products, _ = await self._catalog()
        matches = [(str(p["id"]), str(p.get("name") or "")) for p in products if _norm(str(p.get("name") or ""))
                   == _norm(ref)]
        if len(matches) == 1:
            return matches[0][0]
        if matches:
            raise _ambiguous("product", ref, field_name, matches)
        raise _no_match("product", ref, field_name, sorted({str(p.get("name")) for p in products if p.get("name")}))

    async def price(self, ref: str | None, field_name: str = "price_id") -> str | None:
        """A price id, from an id, a price's nickname or lookup key, or a product name (its default price)."""
        if not ref or ref.startswith("price_"):
            return ref
        products, prices = await self._catalog()
        by_price = [(str(p["id"]), str(p.get("nickname") or p.get("lookup_key") or p["id"])) for p in prices
                    if _norm(ref) in {_norm(str(p.get("nickname") or "")), _norm(str(p.get("lookup_key") or ""))}]
        if len(by_price) == 1:
            return by_price[0][0]
        if by_price:
            raise _ambiguous("price", ref, field_name, by_price)
        named = [p for p in products if _norm(str(p.get("name") or "")) == _norm(ref)]
        if len(named) > 1:
            raise _ambiguous("product", ref, field_name, [(str(p["id"]), str(p.get("name"))) for p in named])
        if named:
            default = named[0].get("default_price")
            price_id = default.get("id") if isinstance(default, dict) else default
            if price_id:
                return str(price_id)
            own = [str(p["id"]) for p in prices if (p.get("product") if isinstance(p.get("product"), str)
                                                     else (p.get("product") or {}).get("id")) == named[0]["id"]]
            if len(own) == 1:
                return own[0]
            raise InputError(f"product {named[0].get('name')!r} ({named[0]['id']}) has "
                             f"{'no prices' if not own else f'{len(own)} prices and no default price'}; "
                             f"give a price id{': ' + ', '.join(own) if own else ''}", field_name)
        names = sorted({str(p.get("name")) for p in products if p.get("name")}
                       | {str(p.get("nickname")) for p in prices if p.get("nickname")})
        raise _no_match("price or product", ref, field_name, names)
