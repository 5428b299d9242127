"""Revenue figures computed from charges, refunds and subscriptions: pure functions, integer minor units only.

- Revenue: succeeded charges (captured amount) bucketed by day, ISO week (Monday) or month of their `created`
  (UTC); refunds are netted in the bucket of the refund's own `created`. Grouped per currency, never converted.
- MRR: active and past_due subscriptions, unit amount x quantity normalised to a month (year/12, week*52/12,
  day*365/12, divided by interval_count), before discounts and tax; summed exactly, rounded once per currency.
- Churned MRR: the MRR of subscriptions that ended (ended_at, else canceled_at) inside the window.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any, Literal

from pydantic import BaseModel

Period = Literal["day", "week", "month"]
MRR_STATUSES = frozenset({"active", "past_due"})
# one interval's amount times this = the monthly amount
_TO_MONTHLY = {"day": Fraction(365, 12), "week": Fraction(52, 12), "month": Fraction(1), "year": Fraction(1, 12)}


class Bucket(BaseModel):
    start: str  # YYYY-MM-DD, first day of the bucket
    currency: str
    gross: int
    refunded: int
    net: int
    charges: int
    refunds: int


class CurrencyTotals(BaseModel):
    currency: str
    gross: int = 0
    refunded: int = 0
    net: int = 0
    mrr: int = 0
    arr: int = 0
    churned_mrr: int = 0
    active_subscriptions: int = 0
    churned_subscriptions: int = 0


class RevenueReport(BaseModel):
    period: Period
    start: str
    end: str  # exclusive
    buckets: list[Bucket]
    totals: list[CurrencyTotals]
    truncated: bool = False


def bucket_start(ts: int, period: Period) -> date:
    day = datetime.fromtimestamp(ts, UTC).date()
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def next_bucket(day: date, period: Period) -> date:
    if period == "day":
        return day + timedelta(days=1)
    if period == "week":
        return day + timedelta(days=7)
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def bucket_starts(start: int, end: int, period: Period) -> list[date]:
    out, day, last = [], bucket_start(start, period), datetime.fromtimestamp(end - 1, UTC).date()
    while day <= last:
        out.append(day)
        day = next_bucket(day, period)
    return out


def _round(value: Fraction) -> int:
    """Half away from zero, so 0.5 cent rounds up: the one rounding step, per currency."""
    return int(value + Fraction(1, 2)) if value >= 0 else -int(-value + Fraction(1, 2))


def _price(item: dict[str, Any]) -> dict[str, Any]:
    price = item.get("price") or item.get("plan") or {}
    return price if isinstance(price, dict) else {}


def monthly_amount(item: dict[str, Any]) -> tuple[str, Fraction] | None:
    """(currency, exact monthly amount) of one subscription item, or None when it has no flat recurring price."""
    price = _price(item)
    recurring = price.get("recurring") or ({"interval": price.get("interval"),
                                            "interval_count": price.get("interval_count")}
                                           if price.get("interval") else None)
    unit = price.get("unit_amount")
    if unit is None and price.get("unit_amount_decimal") not in (None, ""):
        unit = Fraction(str(price["unit_amount_decimal"]))
    if not recurring or unit is None or not price.get("currency"):
        return None
    per_month = _TO_MONTHLY.get(recurring.get("interval") or "")
    if per_month is None:
        return None
    count = int(recurring.get("interval_count") or 1)
    quantity = int(item.get("quantity") if item.get("quantity") is not None else 1)
    return price["currency"], Fraction(unit) * quantity * per_month / count


def subscription_mrr(sub: dict[str, Any]) -> dict[str, Fraction]:
    out: dict[str, Fraction] = defaultdict(Fraction)
    for item in (sub.get("items") or {}).get("data") or []:
        found = monthly_amount(item)
        if found:
            out[found[0]] += found[1]
    return out


def compute_revenue(
    *, period: Period, start: int, end: int, charges: Iterable[dict[str, Any]], refunds: Iterable[dict[str, Any]],
    subscriptions: Iterable[dict[str, Any]], currency: str | None = None, truncated: bool = False,
) -> RevenueReport:
    """The report for [start, end) from already fetched objects (only objects in the window are counted)."""
    cells: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # gross, refunded, n_ch, n_re
    for ch in charges:
        created = int(ch.get("created") or 0)
        if not start <= created < end or ch.get("status") != "succeeded" or ch.get("captured") is False:
            continue
        cur = ch.get("currency") or ""
        if currency and cur != currency:
            continue
        captured = ch.get("amount_captured")
        cell = cells[(bucket_start(created, period), cur)]
        cell[0] += int(captured if captured else ch.get("amount") or 0)
        cell[2] += 1
    for re in refunds:
        created = int(re.get("created") or 0)
        if not start <= created < end or re.get("status") in ("failed", "canceled"):
            continue
        cur = re.get("currency") or ""
        if currency and cur != currency:
            continue
        cell = cells[(bucket_start(created, period), cur)]
        cell[1] += int(re.get("amount") or 0)
        cell[3] += 1

    mrr: dict[str, Fraction] = defaultdict(Fraction)
    churned: dict[str, Fraction] = defaultdict(Fraction)
    active_n: dict[str, int] = defaultdict(int)
    churned_n: dict[str, int] = defaultdict(int)
    for sub in subscriptions:
        status = sub.get("status")
        ended = sub.get("ended_at") or sub.get("canceled_at")
        if status in MRR_STATUSES:
            target, counter = mrr, active_n
        elif status == "canceled" and ended and start <= int(ended) < end:
            target, counter = churned, churned_n
        else:
            continue
        for cur, amount in subscription_mrr(sub).items():
            if currency and cur != currency:
                continue
            target[cur] += amount
            counter[cur] += 1

    currencies = sorted({cur for _, cur in cells} | set(mrr) | set(churned))
    buckets: list[Bucket] = []
    totals: list[CurrencyTotals] = []
    for cur in currencies:
        tot = CurrencyTotals(currency=cur)
        if any(c == cur for _, c in cells):
            for day in bucket_starts(start, end, period):
                g, r, nc, nr = cells.get((day, cur), [0, 0, 0, 0])
                buckets.append(Bucket(start=day.isoformat(), currency=cur, gross=g, refunded=r, net=g - r,
                                      charges=nc, refunds=nr))
                tot.gross += g
                tot.refunded += r
        tot.net = tot.gross - tot.refunded
        tot.mrr = _round(mrr.get(cur, Fraction(0)))
        tot.arr = _round(mrr.get(cur, Fraction(0)) * 12)
        tot.churned_mrr = _round(churned.get(cur, Fraction(0)))
        tot.active_subscriptions = active_n.get(cur, 0)
        tot.churned_subscriptions = churned_n.get(cur, 0)
        totals.append(tot)
    fmt = lambda ts: datetime.fromtimestamp(ts, UTC).date().isoformat()  # noqa: E731
    return RevenueReport(period=period, start=fmt(start), end=fmt(end), buckets=buckets, totals=totals,
                         truncated=truncated)
