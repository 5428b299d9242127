"""StripeApi: the one object the tools and the orchestrator use, assembled from the per-area mixins."""

from __future__ import annotations

import os

from stripe_mcp.client.billing import BillingApi
from stripe_mcp.client.core import DEFAULT_RETRIES
from stripe_mcp.client.customers import CustomersApi
from stripe_mcp.client.money import MoneyApi
from stripe_mcp.client.payments import PaymentsApi
from stripe_mcp.client.reporting import ReportingApi


class StripeApi(CustomersApi, PaymentsApi, BillingApi, MoneyApi, ReportingApi):
    """Async Stripe API over the official SDK. Construct it inside a running event loop; `await aclose()` after."""


def retries_from_env(default: int = DEFAULT_RETRIES) -> int:
    raw = os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "").strip()
    return int(raw) if raw.isdigit() else default
