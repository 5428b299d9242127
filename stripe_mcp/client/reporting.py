"""Fetching what the revenue figures and event polling need (auto-paginated), on top of revenue.py."""

from __future__ import annotations

import time
from typing import Any

from shared.errors import InputError
from stripe_mcp.client import validation as v
from stripe_mcp.client.core import StripeCore
from stripe_mcp.client.revenue import Period, RevenueReport, bucket_starts, compute_revenue

MAX_BUCKETS = 120
MAX_OBJECTS = 20_000  # per object type; beyond it the report says truncated
DEFAULT_DAYS = {"day": 30, "week": 84, "month": 365}


class ReportingApi(StripeCore):
    async def revenue(self, *, period: Period = "month", start: int | None = None, end: int | None = None,
                      currency: str | None = None, max_objects: int = MAX_OBJECTS) -> RevenueReport:
        """Revenue per period and currency in [start, end) with refunds netted, plus current MRR/ARR and the MRR
        churned in the window. Defaults: end = now, start = 30 days / 12 weeks / 12 months before it."""
        end = end or int(time.time()) + 1
        start = start or end - DEFAULT_DAYS[period] * 86_400
        if start >= end:
            raise InputError("must be before end", "start")
        if currency:
            v.currency(currency)
        if len(bucket_starts(start, end, period)) > MAX_BUCKETS:
            raise InputError(f"more than {MAX_BUCKETS} {period} buckets; use a longer period or a shorter range",
                             "period")
        window = {"created": {"gte": start, "lt": end}}
        truncated = False

        async def collect(kind: str, params: dict[str, Any]) -> list[dict[str, Any]]:
            nonlocal truncated
            out = [o async for o in self.iterate(kind, params, max_items=max_objects)]
            truncated = truncated or len(out) >= max_objects
            return out

        charges = await collect("charges", window)
        refunds = await collect("refunds", window)
        subscriptions = await collect("subscriptions", {"status": "all"})
        return compute_revenue(period=period, start=start, end=end, charges=charges, refunds=refunds,
                               subscriptions=subscriptions, currency=currency, truncated=truncated)

    async def list_events(self, *, since: int | None = None, types: list[str] | None = None, limit: int = 100
                          ) -> list[dict[str, Any]]:
        """Events newest first (Stripe keeps 30 days), created at or after `since`; for polling when webhooks
        are missed: keep the newest id/created seen and dedupe by event id."""
        params: dict[str, Any] = {}
        if since is not None:
            params["created"] = {"gte": since}
        if types:
            if len(types) > 20:
                raise InputError("at most 20 event types", "types")
            params["types"] = types
        return [e async for e in self.iterate("events", params, max_items=limit, page_size=min(limit, 100))]
