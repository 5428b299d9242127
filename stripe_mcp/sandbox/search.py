"""Stripe's Search query language (the part clients use) and `search_result` pages.

Supported: `field:'value'` (exact, case-insensitive), `field~'value'` (substring, 3+ characters),
`field>N` / `>=` / `<` / `<=` for numbers, `-field:'x'` (negation), `metadata['key']:'value'`,
`field:null`, and up to 10 clauses joined by a space (AND), by `AND` or by `OR` (keywords case-insensitive;
AND and OR not both). Stripe: "You can combine multiple query clauses in a search by either separating them with
a space, or using the AND or OR keywords (case insensitive). By default, the API combines clauses with AND logic.
AND and OR operators are mutually exclusive." (https://docs.stripe.com/search#search-query-language)

Freshness: Stripe says "Under normal operating conditions, data is searchable in under 1 minute" (same page), so a
new object is found only `search_lag_seconds` after it was created (sandbox setting, 1 s by default; tests that
search right after creating set it to 0 through POST /_sandbox/config).
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import invalid
from .listing import expand_response
from .params import Params
from .runtime import public

if TYPE_CHECKING:
    from .runtime import Ctx

Clause = Callable[[dict[str, Any]], bool]
MAX_CLAUSES = 10
_JOIN = re.compile(r"(AND|OR)\s+", re.IGNORECASE)

_CLAUSE = re.compile(
    r"""\s*(?P<neg>-)?(?P<field>metadata\[(?P<q>['"])(?P<mkey>.+?)(?P=q)\]|[a-z_][a-z0-9_.]*)\s*"""
    r"""(?P<op>>=|<=|:|~|>|<)\s*"""
    r"""(?P<value>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|null)\s*"""
)


def _unquote(text: str) -> str | float | None:
    if text == "null":
        return None
    if text[0] in "'\"":
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return float(text)


def _field_value(obj: dict[str, Any], field: str, mkey: str | None) -> Any:
    if mkey is not None:
        return (obj.get("metadata") or {}).get(mkey)
    node: Any = obj
    for i, part in enumerate(field.split(".")):
        if not isinstance(node, dict):
            return None
        # a search field the pinned version no longer renders (invoice `subscription`) is kept as `_subscription`
        node = node.get(part) if part in node or i else node.get("_" + part)
    return node


def parse_query(query: str, fields: set[str]) -> Clause:
    pos, clauses, joins = 0, [], []
    while True:
        m = _CLAUSE.match(query, pos)
        if not m:
            raise invalid("We were unable to parse your search query. Try using the format "
                          "`metadata[\"key\"]:\"value\"` to query for metadata or key:\"value\" to query for other "
                          f"fields. (near position {pos})", "query")
        clauses.append(_clause(m, fields))
        pos = m.end()
        if pos >= len(query):
            break
        j = _JOIN.match(query, pos)
        if j:
            joins.append(j.group(1).upper())
            pos = j.end()
        elif query[pos - 1].isspace():
            joins.append("AND")  # clauses separated by a space are ANDed
        else:
            raise invalid(f"We were unable to parse your search query (near position {pos}).", "query")
        if len(clauses) >= MAX_CLAUSES:
            raise invalid(f"Search queries can have at most {MAX_CLAUSES} clauses.", "query")
    if len(set(joins)) > 1:
        raise invalid("Search queries cannot mix AND and OR.", "query")
    if joins and joins[0] == "OR":
        return lambda o: any(c(o) for c in clauses)
    return lambda o: all(c(o) for c in clauses)


def _clause(m: re.Match[str], fields: set[str]) -> Clause:
    field, mkey, op = m.group("field"), m.group("mkey"), m.group("op")
    name = "metadata" if mkey is not None else field
    if name not in fields:
        raise invalid(f"Field `{field}` is an unsupported search field for this resource. Supported fields: "
                      + ", ".join(sorted(fields)), "query")
    value = _unquote(m.group("value"))
    negate = bool(m.group("neg"))
    if op == "~":
        if not isinstance(value, str) or len(value) < 3:
            raise invalid("Substring search (`~`) requires a value of at least 3 characters.", "query")
    if op in (">", "<", ">=", "<=") and not isinstance(value, float):
        raise invalid(f"Comparison `{op}` requires a number.", "query")

    def test(o: dict[str, Any]) -> bool:
        actual = _field_value(o, field, mkey)
        if op == ":":
            if value is None:
                result = actual in (None, "")
            elif isinstance(value, float):
                result = isinstance(actual, (int, float)) and not isinstance(actual, bool) and actual == value
            else:
                result = actual is not None and str(actual).lower() == value.lower()
        elif op == "~":
            result = actual is not None and str(value).lower() in str(actual).lower()
        else:
            if not isinstance(actual, (int, float)) or isinstance(actual, bool):
                return False
            num = float(value)  # type: ignore[arg-type]
            result = {">": actual > num, "<": actual < num, ">=": actual >= num, "<=": actual <= num}[op]
        return not result if negate else result

    return test


def search(ctx: Ctx, type_: str, p: Params, url: str, fields: set[str]) -> dict[str, Any]:
    query = p.str("query", required=True) or ""
    limit = p.int("limit", min=1, max=100, default=10) or 10
    page = p.str("page")
    offset = 0
    if page:
        try:
            offset = int(base64.urlsafe_b64decode(page.encode()).decode().removeprefix("offset:"))
        except ValueError:
            raise invalid(f"Invalid page: {page}", "page") from None
    clause = parse_query(query, fields)
    indexed_before = time.time() - ctx.sb.search_lag_seconds
    matching = [o for _, o in ctx.store.all(type_, ctx.livemode)
                if o.get("_indexed_at", 0) <= indexed_before and clause(o)]
    chunk = matching[offset: offset + limit]
    has_more = offset + limit < len(matching)
    next_page = base64.urlsafe_b64encode(f"offset:{offset + limit}".encode()).decode() if has_more else None
    body: dict[str, Any] = {"object": "search_result", "data": [public(o) for o in chunk], "has_more": has_more,
                            "next_page": next_page, "url": url}
    if "total_count" in p.strs("expand"):
        body["total_count"] = len(matching)
    return expand_response(ctx, body, p)
