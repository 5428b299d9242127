"""List objects (`limit`, `starting_after`, `ending_before`, `created[gte]`...), newest first, and `expand[]`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import invalid
from .params import Params
from .runtime import LABELS, public

if TYPE_CHECKING:
    from .runtime import Ctx

Predicate = Callable[[dict[str, Any]], bool]

PREFIX_TYPES = {
    "cus_": "customer", "prod_": "product", "price_": "price", "plink_": "payment_link", "cs_": "checkout.session",
    "pi_": "payment_intent", "ch_": "charge", "py_": "charge", "sub_": "subscription", "in_": "invoice",
    "ii_": "invoiceitem", "re_": "refund", "evt_": "event", "we_": "webhook_endpoint", "dp_": "dispute",
    "du_": "dispute", "pm_": "payment_method", "inpay_": "invoice_payment",
}
# Fields that are not ids but can be expanded: (object type, field) -> builder
SPECIAL_EXPANSIONS: dict[tuple[str, str], Callable[[Ctx, dict[str, Any]], Any]] = {}


def list_object(url: str, data: list[dict[str, Any]], has_more: bool = False, **extra: Any) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url, **extra}


def range_filter(p: Params, key: str, field: str | None = None) -> Predicate | None:
    """`created=N` or `created[gt|gte|lt|lte]=N` as a predicate on the object's field."""
    field = field or key
    raw = p.raw(key)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, dict):
        exact = p.int(key)
        return lambda o: o.get(field) == exact
    sub = Params(raw, p.name(key))
    bounds = {op: sub.int(op) for op in ("gt", "gte", "lt", "lte")}
    for op in sub.keys():
        if op not in bounds:
            raise invalid(f"Received unknown parameter: {p.name(key)}[{op}]", f"{p.name(key)}[{op}]")

    def check(o: dict[str, Any]) -> bool:
        v = o.get(field, o.get("_" + field))  # e.g. `created` of objects that do not render it
        if not isinstance(v, int):
            return False
        return ((bounds["gt"] is None or v > bounds["gt"]) and (bounds["gte"] is None or v >= bounds["gte"])
                and (bounds["lt"] is None or v < bounds["lt"]) and (bounds["lte"] is None or v <= bounds["lte"]))

    return check


def field_filters(p: Params, fields: dict[str, str]) -> list[Predicate]:
    """Exact-match filters: request param name -> object field (e.g. {"customer": "customer"})."""
    preds: list[Predicate] = []
    for param, field in fields.items():
        value = p.str(param)
        if value is not None:
            preds.append(lambda o, f=field, v=value: _ref(o.get(f)) == v)
    return preds


def _ref(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def paginate(ctx: Ctx, type_: str, p: Params, url: str, preds: list[Predicate | None] | None = None,
             rows: list[tuple[int, dict[str, Any]]] | None = None) -> dict[str, Any]:
    limit = p.int("limit", min=1, max=100, default=10)
    assert limit is not None
    after, before = p.str("starting_after"), p.str("ending_before")
    if after and before:
        raise invalid("You may only specify one of these parameters: ending_before, starting_after.", "ending_before")
    rows = rows if rows is not None else ctx.store.all(type_, ctx.livemode)
    checks = [c for c in [range_filter(p, "created"), *(preds or [])] if c is not None]
    cursor_seq = None
    if after or before:
        cursor = after or before
        seqs = {obj["id"]: seq for seq, obj in rows}
        if cursor not in seqs:
            raise invalid(f"No such {LABELS.get(type_, type_)}: '{cursor}'",
                          "starting_after" if after else "ending_before", "resource_missing")
        cursor_seq = seqs[cursor]
    matching = [(seq, o) for seq, o in rows if all(c(o) for c in checks)]
    if after:
        page_rows = [r for r in matching if r[0] < cursor_seq]  # type: ignore[operator]
        page, has_more = page_rows[:limit], len(page_rows) > limit
    elif before:
        page_rows = [r for r in matching if r[0] > cursor_seq]  # type: ignore[operator]
        page, has_more = page_rows[-limit:], len(page_rows) > limit
    else:
        page, has_more = matching[:limit], len(matching) > limit
    data = [public(o) for _, o in page]
    result = list_object(url, data, has_more)
    return expand_response(ctx, result, p)


def expand_paths(p: Params) -> list[str]:
    return p.strs("expand")


def expand_response(ctx: Ctx, body: dict[str, Any], p: Params) -> dict[str, Any]:
    for path in expand_paths(p):
        if path == "total_count" and body.get("object") in ("list", "search_result"):
            continue
        _expand(ctx, body, path.split("."), 0)
    return body


def _expand(ctx: Ctx, node: Any, parts: list[str], depth: int) -> None:
    if depth > 4 or not parts:
        return
    if isinstance(node, list):
        for item in node:
            _expand(ctx, item, parts, depth)
        return
    if not isinstance(node, dict):
        return
    head, rest = parts[0], parts[1:]
    value = node.get(head)
    if isinstance(value, str):
        resolved = resolve(ctx, value)
        if resolved is not None:
            node[head] = value = resolved
    elif value is None:
        builder = SPECIAL_EXPANSIONS.get((str(node.get("object")), head))
        if builder is not None:
            node[head] = value = builder(ctx, node)
    if rest:
        _expand(ctx, value, rest, depth + 1)


def resolve(ctx: Ctx, object_id: str) -> dict[str, Any] | None:
    for prefix, type_ in PREFIX_TYPES.items():
        if object_id.startswith(prefix):
            obj = ctx.find(type_, object_id)
            return public(obj) if obj is not None else None
    return None


def retrieve(ctx: Ctx, type_: str, object_id: str, p: Params) -> dict[str, Any]:
    return expand_response(ctx, public(ctx.get(type_, object_id)), p)


def respond(ctx: Ctx, obj: dict[str, Any], p: Params) -> dict[str, Any]:
    """The public view of an object as a write returns it, with `expand[]` applied."""
    return expand_response(ctx, public(obj), p)
