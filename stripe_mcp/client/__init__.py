"""A small async Stripe client on the official SDK, usable as a library (the orchestrator does).

    api = StripeApi(key, api_base="http://127.0.0.1:12111")   # inside a running event loop
    try:
        cus = await api.find_customer_by_email("ada@example.com") or await api.create_customer(
            email="ada@example.com", name="Ada", metadata={"lead_id": "42"}, idempotency_key="op:ab12:create_customer")
        link = await api.create_payment_link(price="price_1", quantity=1, metadata={"lead_id": "42"},
                                             idempotency_key="op:ab12:create_payment_link")
    finally:
        await api.aclose()

Transport: `stripe.StripeClient` with its `_async` methods over httpx, `base_addresses={"api": api_base}` (the
sandbox, or STRIPE_API_BASE), and `max_network_retries` (3 by default; STRIPE_MAX_NETWORK_RETRIES). The SDK sends an
Idempotency-Key on every POST and reuses it on retry; writes done for a composite operation should pass their own
`idempotency_key` (e.g. `op:<hash>:create_customer`) so a retry of the whole operation cannot duplicate anything.
The stripe-mcp tools derive theirs from the call's arguments and a time window (intents.py), so a tool call
repeated after a lost answer returns the object the first one created.

`api.mode` is "test" or "live" (from the key prefix sk_test_/rk_test_/sk_live_/rk_live_), `api.restricted` is
True for rk_ keys. `StripeApi(..., refuse_live=True)` raises LiveModeRefused for a live key.

Every method returns plain dicts of Stripe objects (`StripeObject.to_dict()`), `Page` for one page of a list or
search, or `RevenueReport`. Errors are shared.errors types (see errors.py): CardDeclined, IdempotencyConflict,
StripeNotFound, BadRequest (with `param`), AuthError, StripePermissionDenied (Stripe's message names the missing
permission), RateLimited, NetworkError, ServerError; bad input is InputError naming the field, raised before any call.

Methods (keyword arguments; writes accept `idempotency_key=`):
- customers: create_customer, get_customer, update_customer, find_customer_by_email, list_customers,
  search_customers(name|email|query), delete_customer
- catalog: create_product, get_product, create_price (one-off, or recurring with interval), get_price(price,
  product=... checks ownership), create_coupon
- payments: create_payment_link(price, quantity, product?, metadata, redirect_url, max_completed_sessions),
  get_payment_link, deactivate_payment_link, create_checkout_session(customer, price, ...), create_payment_intent,
  get_payment_intent
- billing: create_subscription(customer, items), get_subscription, update_subscription(items, proration_behavior),
  cancel_subscription(at_period_end), create_invoice, get_invoice, add_invoice_item, finalize_invoice
- money: refundable (preview of a refund), create_refund (full or partial), update_dispute, get_balance,
  payment_history(customer)
- reporting: revenue(period, start, end, currency) -> RevenueReport, list_events(since, types)
- generic: retrieve(kind, id), list_page(kind, filters, limit, cursor), search_page(kind, query), iterate(kind,
  filters) (auto-paginated), delete(kind, id); kinds are listed in kinds.py. shapes.compact() gives short views.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stripe_mcp.client.api import StripeApi, retries_from_env
    from stripe_mcp.client.core import Page, as_dict
    from stripe_mcp.client.errors import CardDeclined, IdempotencyConflict, StripeNotFound, StripePermissionDenied
    from stripe_mcp.client.kinds import KINDS, kind_for_id
    from stripe_mcp.client.mode import LiveModeRefused, Mode, key_mode
    from stripe_mcp.client.revenue import RevenueReport
    from stripe_mcp.client.shapes import compact, label

# The public names, loaded on first use: the stripe SDK takes ~150 ms to import, and a server that only
# lists its tools (or the orchestrator, until it first calls Stripe) should not pay for it at start-up.
_HOMES = {
    "StripeApi": "api", "retries_from_env": "api", "Page": "core", "as_dict": "core", "CardDeclined": "errors",
    "IdempotencyConflict": "errors", "StripeNotFound": "errors", "StripePermissionDenied": "errors",
    "KINDS": "kinds", "kind_for_id": "kinds", "LiveModeRefused": "mode", "Mode": "mode", "key_mode": "mode",
    "RevenueReport": "revenue", "compact": "shapes", "label": "shapes",
}

__all__ = [
    "KINDS", "CardDeclined", "IdempotencyConflict", "LiveModeRefused", "Mode", "Page", "RevenueReport", "StripeApi",
    "StripeNotFound", "StripePermissionDenied", "as_dict", "compact", "key_mode", "kind_for_id", "label",
    "retries_from_env",
]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f"stripe_mcp.client.{_HOMES[name]}"), name)
    raise AttributeError(name)
