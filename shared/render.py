"""Tool results as text a model can read, and the size budget every result is held to.

Some clients pass only a result's text to the model, so the text carries the data: the summary line, then
a compact rendering of the result's fields (lists of objects as small tables, other values as compact JSON).
Money is shown with its currency ("$499.00", never 49900), epoch timestamps as ISO dates, and nothing empty
is shown at all (never "None" or a Python repr).

`fit_budget` keeps a result within BUDGET bytes (UTF-8) of text and of structured content: it shortens the
longest lists first (keeping their first items and saying how many were left out), then over-long strings,
so what remains is always whole, valid data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

BUDGET = 20_000  # bytes (UTF-8) of text, and of structured content as compact JSON: "20 KB" as a client counts
TRUNCATION_KEY = "shortened"

# Currencies whose amounts have no minor unit (Stripe's list of zero-decimal currencies).
ZERO_DECIMAL = frozenset({
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
})
_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "cad": "CA$", "aud": "A$", "inr": "₹", "chf": "CHF "}
_MONEY_NAMES = frozenset({"amount", "unit_amount", "total", "subtotal", "revenue", "cost", "balance", "amount_off"})
_MONEY_PREFIXES = ("amount_", "revenue_", "cost_")
_TIME_NAMES = frozenset({"created", "updated", "at", "timestamp", "date", "trial_end", "trial_start", "ended_at",
                         "current_period_end", "current_period_start", "period_end", "period_start", "due_date",
                         "cancel_at", "canceled_at", "next_payment_attempt", "available_on", "arrival_date"})
# Epoch seconds between 2001 and 2096: anything else named like a time is left as it is.
_EPOCH_MIN, _EPOCH_MAX = 1_000_000_000, 4_000_000_000
_TABLE_MAX_COLUMNS = 12
_CELL_MAX = 80


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """'1 campaign', '3 campaigns', '0 campaigns'."""
    return f"{count} {noun if count == 1 else plural_form or noun + 's'}"


def money(amount: int | float, currency: str) -> str:
    """Minor units to a readable amount: money(49900, 'usd') == '$499.00'; money(500, 'jpy') == '¥500'."""
    cur = currency.lower()
    major = amount if cur in ZERO_DECIMAL else amount / 100
    digits = 0 if cur in ZERO_DECIMAL else 2
    sign = "-" if major < 0 else ""
    text = f"{abs(major):,.{digits}f}"
    symbol = _SYMBOLS.get(cur)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {cur.upper()}"


def iso_time(epoch: int | float) -> str:
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    if moment.hour == moment.minute == moment.second == 0:
        return moment.date().isoformat()
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_money_name(key: str) -> bool:
    return key in _MONEY_NAMES or key.endswith("_amount") or key.startswith(_MONEY_PREFIXES)


def _is_time_name(key: str) -> bool:
    return key in _TIME_NAMES or key.endswith("_at") or key.endswith("_on")


def readable(value: Any, key: str = "", currency: str | None = None) -> Any:
    """A copy of JSON data for reading: None and empty strings dropped, money and epoch times formatted."""
    if isinstance(value, dict):
        cur = value.get("currency") if isinstance(value.get("currency"), str) else currency
        out = {}
        for k, v in value.items():
            if v is None or v == "":
                continue
            out[k] = readable(v, str(k), cur)
        return out
    if isinstance(value, list):
        return [readable(v, key, currency) for v in value if v is not None]
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if currency and _is_money_name(key):
            return money(value, currency)
        if _is_time_name(key) and _EPOCH_MIN <= value <= _EPOCH_MAX:
            return iso_time(value)
    return value


def _compact(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _cell(value: Any) -> str:
    text = _compact(value).replace("\n", " ").replace("|", "/")
    return text if len(text) <= _CELL_MAX else text[: _CELL_MAX - 1] + "…"


def table(rows: list[dict[str, Any]]) -> str:
    """Rows as a small pipe table: the columns are the keys in order of first appearance."""
    columns: list[str] = []
    for row in rows:
        for k in row:
            if k not in columns:
                columns.append(k)
    hidden = columns[_TABLE_MAX_COLUMNS:]
    columns = columns[:_TABLE_MAX_COLUMNS]
    lines = [" | ".join(columns)]
    lines += [" | ".join(_cell(row[c]) if c in row else "" for c in columns) for row in rows]
    if hidden:
        lines.append(f"(more fields in the structured result: {', '.join(hidden)})")
    return "\n".join(lines)


def render_data(data: dict[str, Any]) -> str:
    """The readable body under a summary: one line per field, lists of objects as tables."""
    lines: list[str] = []
    for key, value in readable(data).items():
        if key == TRUNCATION_KEY:
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            lines.append(f"{key} ({len(value)}):")
            lines.append(table(value))
        elif isinstance(value, list) and value and all(isinstance(v, str) and v.rstrip().endswith(".") for v in value):
            lines.append(f"{key}:")  # sentences, one per line (a comma after each full stop reads badly)
            lines += [f"- {v}" for v in value]
        elif isinstance(value, list):
            lines.append(f"{key}: {', '.join(_compact(v) for v in value) if value else 'none'}")
        elif isinstance(value, dict):
            lines.append(f"{key}: {_compact(value) if value else 'none'}")
        elif isinstance(value, bool):
            lines.append(f"{key}: {'yes' if value else 'no'}")
        else:
            lines.append(f"{key}: {_compact(value)}")
    return "\n".join(lines)


# --- the budget ---


def _size(data: Any) -> int:
    return len(json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str).encode())


def _bytes(text: str) -> int:
    return len(text.encode())


def _longest_list(node: Any, path: tuple[Any, ...] = ()) -> tuple[tuple[Any, ...], list[Any]] | None:
    """The list with the largest JSON size that can still be shortened (more than one item)."""
    best: tuple[int, tuple[Any, ...], list[Any]] | None = None

    def visit(n: Any, p: tuple[Any, ...]) -> None:
        nonlocal best
        if isinstance(n, dict):
            for k, v in n.items():
                if k != TRUNCATION_KEY:
                    visit(v, (*p, k))
        elif isinstance(n, list):
            if len(n) > 1:
                size = _size(n)
                if best is None or size > best[0]:
                    best = (size, p, n)
            for i, v in enumerate(n):
                visit(v, (*p, i))

    visit(node, path)
    return None if best is None else (best[1], best[2])


def _longest_string(node: Any) -> tuple[Any, Any, str] | None:
    best: tuple[Any, Any, str] | None = None

    def visit(n: Any) -> None:
        nonlocal best
        items = n.items() if isinstance(n, dict) else enumerate(n) if isinstance(n, list) else ()
        for k, v in items:
            if isinstance(v, str) and (best is None or len(v) > len(best[2])):
                best = (n, k, v)
            else:
                visit(v)

    visit(node)
    return best


def _path_name(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "result"


CURSOR_FIELDS = ("next_starting_after", "next_cursor")


def fit_budget(
    data: dict[str, Any], render: Callable[[dict[str, Any]], str], budget: int = BUDGET,
    cursor_for: Callable[[dict[str, Any]], str | None] | None = None,
) -> tuple[dict[str, Any], str]:
    """(structured content, text) both within `budget` bytes (UTF-8).

    `render` turns the (possibly shortened) data into the result's text. Lists are shortened first, keeping
    their first items; what was left out is recorded under data["shortened"] and said in the text, with how to
    get the rest.

    A page (a result with a cursor field) stays truthful when shortened: its cursor would skip the items left out,
    so it becomes `cursor_for(last shown item)` when the result can say what that is, and otherwise is removed
    and the text says which smaller limit pages through everything.
    """
    text = render(data)
    if _size(data) <= budget and _bytes(text) <= budget:
        return data, text
    data = json.loads(json.dumps(data, default=str))  # a private copy to shorten
    cut: dict[str, dict[str, int]] = {}
    for _ in range(200):
        over = max(_size(data) / budget, _bytes(text) / budget)
        if over <= 1:
            break
        found = _longest_list(data)
        if found is not None:
            path, items = found
            name = _path_name(path)
            total = cut.get(name, {}).get("total", len(items))
            keep = max(1, min(len(items) - 1, int(len(items) / over * 0.9)))
            del items[keep:]
            cut[name] = {"shown": keep, "total": total}
        else:
            found_str = _longest_string(data)
            if found_str is None or len(found_str[2]) < 200:
                break
            parent, key, value = found_str
            keep = max(100, int(len(value) / over * 0.9))
            parent[key] = value[:keep] + f"… [{len(value) - keep} characters cut]"
        if cut:
            data[TRUNCATION_KEY] = {
                "lists": cut,
                "how": "Only the first items are shown. Narrow the request (filters, a smaller limit) or page on "
                       "with the cursor to see the rest.",
            }
        text = render(data)
    if cut:
        how = _repage(data, cut, cursor_for)
        data[TRUNCATION_KEY]["how"] = how
        text = render(data)
        notes = "; ".join(f"{name}: first {c['shown']} of {c['total']} shown, {c['total'] - c['shown']} left out"
                          for name, c in cut.items())
        text = f"{text}\n[Result shortened to fit the size budget. {notes}. {how}]"
    if _bytes(text) > budget:  # a last resort that still never cuts structured data: the text alone is shortened
        text = text.encode()[: budget - 60].decode(errors="ignore") + "\n[text cut at the size budget]"
    return data, text


def _repage(data: dict[str, Any], cut: dict[str, dict[str, int]], cursor_for: Callable[[dict[str, Any]], str | None]
            | None) -> str:
    """Make a shortened page's cursor truthful; say how to get the rest."""
    cursor_field = next((f for f in CURSOR_FIELDS if f in data), None)
    top = [name for name in cut if "." not in name and "[" not in name and isinstance(data.get(name), list)]
    if cursor_field is None or len(top) != 1:
        return "Narrow the request (filters, a smaller limit) to see the rest."
    shown = data[top[0]]
    cursor = cursor_for(shown[-1]) if cursor_for and shown and isinstance(shown[-1], dict) else None
    if "has_more" in data:
        data["has_more"] = True
    data[cursor_field] = cursor
    if cursor:
        return f"To see the rest, call again with the cursor {cursor_field}={cursor} (or narrow the request)."
    return (f"To page through all of them, call again with limit={len(shown)} (and the same cursor as this call, "
            "if any); each page then carries its own cursor.")
