"""Balance and revenue figures."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from shared.render import money, render_data
from shared.tooling import Call, ToolInput
from stripe_mcp.client import compact
from stripe_mcp.client import validation as v
from stripe_mcp.client.revenue import Bucket, CurrencyTotals
from stripe_mcp.deps import StripeDeps
from stripe_mcp.tools import TOOLBOX
from stripe_mcp.tools._common import StripeResult, stripe


class NoInput(ToolInput):
    pass


class BalanceResult(StripeResult):
    available: list[dict[str, Any]]
    pending: list[dict[str, Any]]

    def summary(self) -> str:
        fmt = lambda rows: ", ".join(money(r["amount"], r["currency"]) for r in rows) or "nothing"  # noqa: E731
        return f"Balance: available {fmt(self.available)}; pending {fmt(self.pending)}."


@TOOLBOX.tool(toolset="reporting", title="Get balance", read_only=True, destructive=False, idempotent=True,
              open_world=True)
async def stripe_get_balance(call: Call[StripeDeps], args: NoInput) -> BalanceResult:
    """Balance per currency: available, and pending (not yet paid out)."""
    api = await stripe(call)
    bal = compact(await api.get_balance())
    return BalanceResult(mode=api.mode, available=bal.get("available", []), pending=bal.get("pending", []))


class RevenueInput(ToolInput):
    period: Literal["day", "week", "month"] = "month"
    start: str | None = Field(None, description="Date; default 30 days/12 weeks/12 months ago.")
    end: str | None = Field(None, description="Date, exclusive; default now.")
    currency: str | None = None


class RevenueResult(StripeResult):
    period: str
    start: str
    end: str
    buckets: list[Bucket]
    totals: list[CurrencyTotals]
    truncated: bool

    def summary(self) -> str:
        if not self.totals:
            return f"No revenue or subscriptions {self.start}..{self.end}."
        parts = []
        for t in self.totals:
            m = lambda amount, cur=t.currency: money(amount, cur)  # noqa: E731
            parts.append(f"{t.currency}: net {m(t.net)} (gross {m(t.gross)} - refunds {m(t.refunded)}), "
                         f"MRR {m(t.mrr)}, ARR {m(t.arr)}, churned MRR {m(t.churned_mrr)}")
        return f"{self.start}..{self.end} by {self.period}: " + "; ".join(parts)

    def render_body(self, data: dict[str, Any]) -> str:
        """Every figure as money in its currency (the field names say what they are; the values are minor units)."""
        shown = dict(data)
        for key in ("buckets", "totals"):
            if isinstance(data.get(key), list):
                shown[key] = [_as_money(row) for row in data[key]]
        return render_data(shown)


_MONEY_FIELDS = ("gross", "refunded", "net", "mrr", "arr", "churned_mrr")


def _as_money(row: Any) -> Any:
    if not isinstance(row, dict) or not isinstance(row.get("currency"), str):
        return row
    return {k: money(v, row["currency"]) if k in _MONEY_FIELDS and isinstance(v, int) else v for k, v in row.items()}


@TOOLBOX.tool(toolset="reporting", title="Revenue and MRR", read_only=True, destructive=False, idempotent=True,
              open_world=True)
async def stripe_revenue(call: Call[StripeDeps], args: RevenueInput) -> RevenueResult:
    """Revenue per period and currency, refunds netted; current MRR/ARR; churned MRR."""
    api = await stripe(call)
    report = await api.revenue(period=args.period, start=v.timestamp(args.start, "start"),
                               end=v.timestamp(args.end, "end"), currency=args.currency)
    return RevenueResult.model_validate({"mode": api.mode, **report.model_dump()})
