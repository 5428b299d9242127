"""Balance and revenue figures."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

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
        fmt = lambda rows: ", ".join(f"{r['amount']} {r['currency']}" for r in rows) or "0"  # noqa: E731
        return f"available {fmt(self.available)}; pending {fmt(self.pending)} (minor units)"


@TOOLBOX.tool(toolset="reporting", title="Get balance", read_only=True, destructive=False, idempotent=True,
              open_world=True)
async def stripe_get_balance(call: Call[StripeDeps], args: NoInput) -> BalanceResult:
    """Account balance per currency (minor units)."""
    api = await stripe(call)
    bal = compact(await api.get_balance())
    return BalanceResult(mode=api.mode, available=bal.get("available", []), pending=bal.get("pending", []))


class RevenueInput(ToolInput):
    period: Literal["day", "week", "month"] = Field("month", description="Bucket size.")
    start: str | None = Field(None, description="From date; default 30 days/12 weeks/12 months ago.")
    end: str | None = Field(None, description="Until date (exclusive); default now.")
    currency: str | None = Field(None, description="Only this currency.")


class RevenueResult(StripeResult):
    period: str
    start: str
    end: str
    buckets: list[Bucket]
    totals: list[CurrencyTotals]
    truncated: bool

    def summary(self) -> str:
        if not self.totals:
            return f"no revenue or subscriptions {self.start}..{self.end}"
        parts = [f"{t.currency}: net {t.net} (gross {t.gross} - refunds {t.refunded}), MRR {t.mrr}, ARR {t.arr}, "
                 f"churned MRR {t.churned_mrr}" for t in self.totals]
        return f"{self.start}..{self.end} by {self.period}, minor units: " + "; ".join(parts)


@TOOLBOX.tool(toolset="reporting", title="Revenue and MRR", read_only=True, destructive=False, idempotent=True,
              open_world=True)
async def stripe_revenue(call: Call[StripeDeps], args: RevenueInput) -> RevenueResult:
    """Revenue per period and currency, refunds netted; current MRR/ARR; churned MRR. Minor units."""
    api = await stripe(call)
    report = await api.revenue(period=args.period, start=v.timestamp(args.start, "start"),
                               end=v.timestamp(args.end, "end"), currency=args.currency)
    return RevenueResult.model_validate({"mode": api.mode, **report.model_dump()})
