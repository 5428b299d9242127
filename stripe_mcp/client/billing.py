"""Subscriptions (create, update items and proration, cancel now or at period end) and invoices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from shared.errors import InputError
from stripe_mcp.client import validation as v
from stripe_mcp.client.core import StripeCore, idem

Proration = Literal["create_prorations", "none", "always_invoice"]
CollectionMethod = Literal["charge_automatically", "send_invoice"]


def _items(items: Sequence[dict[str, Any]], field: str = "items") -> list[dict[str, Any]]:
    out = []
    for i, item in enumerate(items):
        entry = {k: val for k, val in item.items() if val is not None and val is not False}
        if item.get("deleted"):
            entry["deleted"] = True
        if "price" in entry:
            v.object_id(entry["price"], "price_", f"{field}[{i}].price")
        if "quantity" in entry:
            v.quantity(entry["quantity"], f"{field}[{i}].quantity")
        out.append(entry)
    return out


class BillingApi(StripeCore):
    async def create_subscription(
        self, *, customer: str, items: Sequence[dict[str, Any]], trial_period_days: int | None = None,
        collection_method: CollectionMethod = "charge_automatically", days_until_due: int | None = None,
        coupon: str | None = None, metadata: dict[str, str] | None = None, payment_behavior: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """items: [{"price": "price_...", "quantity": 1}, ...] (recurring prices)."""
        v.object_id(customer, "cus_", "customer")
        if not items:
            raise InputError("at least one item (a recurring price) is needed", "items")
        params: dict[str, Any] = {"customer": customer, "items": _items(items),
                                  "collection_method": collection_method}
        if collection_method == "send_invoice":
            params["days_until_due"] = days_until_due if days_until_due is not None else 30
        elif days_until_due is not None:
            raise InputError("only used with collection_method 'send_invoice'", "days_until_due")
        if trial_period_days:
            params["trial_period_days"] = v.quantity(trial_period_days, "trial_period_days")
        if coupon:
            params["discounts"] = [{"coupon": coupon}]
        if metadata:
            params["metadata"] = v.metadata(metadata)
        if payment_behavior:
            params["payment_behavior"] = payment_behavior
        return await self._dict("POST", "/v1/subscriptions", self.sdk.v1.subscriptions.create_async,
                                params=params, options=idem(idempotency_key))

    async def get_subscription(self, subscription_id: str) -> dict[str, Any]:
        v.object_id(subscription_id, "sub_", "subscription")
        return await self.retrieve("subscriptions", subscription_id)

    async def update_subscription(
        self, subscription_id: str, *, items: Sequence[dict[str, Any]] | None = None,
        proration_behavior: Proration | None = None, metadata: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """items: [{"id": "si_..."?, "price"?, "quantity"?, "deleted"?}]. An item without an id on a single-item
        subscription replaces that item (a plan change); otherwise it is added."""
        v.object_id(subscription_id, "sub_", "subscription")
        params: dict[str, Any] = {}
        if items:
            entries = _items(items)
            if len(entries) == 1 and "id" not in entries[0] and not entries[0].get("deleted"):
                current = await self.get_subscription(subscription_id)
                existing = (current.get("items") or {}).get("data") or []
                if len(existing) == 1:
                    entries[0]["id"] = existing[0]["id"]
            params["items"] = entries
        if proration_behavior:
            params["proration_behavior"] = proration_behavior
        if metadata:
            params["metadata"] = v.metadata(metadata)
        if not params:
            raise InputError("nothing to update: pass items, proration_behavior or metadata", "items")
        return await self._dict("POST", f"/v1/subscriptions/{subscription_id}",
                                self.sdk.v1.subscriptions.update_async, subscription_id, params=params,
                                options=idem(idempotency_key))

    async def cancel_subscription(self, subscription_id: str, *, at_period_end: bool = False,
                                  idempotency_key: str | None = None) -> dict[str, Any]:
        """Cancel now (DELETE), or at the end of the current period (cancel_at_period_end=true)."""
        v.object_id(subscription_id, "sub_", "subscription")
        svc = self.sdk.v1.subscriptions
        if at_period_end:
            return await self._dict("POST", f"/v1/subscriptions/{subscription_id}", svc.update_async,
                                    subscription_id, params={"cancel_at_period_end": True},
                                    options=idem(idempotency_key))
        return await self._dict("DELETE", f"/v1/subscriptions/{subscription_id}", svc.cancel_async,
                                subscription_id, options=idem(idempotency_key))

    async def create_invoice(
        self, *, customer: str, days_until_due: int | None = None,
        collection_method: CollectionMethod = "send_invoice", description: str | None = None,
        metadata: dict[str, str] | None = None, currency: str | None = None, idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """A draft invoice (not finalized, nothing sent) that includes only the items added to it afterwards.
        `currency`: the invoice's currency, needed when its items are in another currency than the customer's
        default (Stripe's `currency` parameter on invoice creation)."""
        v.object_id(customer, "cus_", "customer")
        params: dict[str, Any] = {"customer": customer, "collection_method": collection_method,
                                  "auto_advance": False, "pending_invoice_items_behavior": "exclude"}
        if currency:
            params["currency"] = v.currency(currency)
        if collection_method == "send_invoice":
            params["days_until_due"] = days_until_due if days_until_due is not None else 30
        if description:
            params["description"] = description
        if metadata:
            params["metadata"] = v.metadata(metadata)
        return await self._dict("POST", "/v1/invoices", self.sdk.v1.invoices.create_async, params=params,
                                options=idem(idempotency_key))

    async def get_invoice(self, invoice_id: str) -> dict[str, Any]:
        v.object_id(invoice_id, "in_", "invoice")
        return await self.retrieve("invoices", invoice_id)

    async def add_invoice_item(
        self, invoice_id: str, *, price: str | None = None, amount: int | None = None, currency: str | None = None,
        description: str | None = None, quantity: int = 1, idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Add a line to a draft invoice: a price, or a one-off amount (minor units) with currency and description."""
        invoice = await self.get_invoice(invoice_id)
        if invoice.get("status") != "draft":
            raise InputError(f"{invoice_id} is {invoice.get('status')}; items can only be added to a draft", "invoice")
        customer = invoice.get("customer")
        params: dict[str, Any] = {"invoice": invoice_id,
                                  "customer": customer.get("id") if isinstance(customer, dict) else customer}
        if (price is None) == (amount is None):
            raise InputError("pass exactly one of price or amount", "price")
        if price:
            v.object_id(price, "price_", "price")
            params["pricing"] = {"price": price}
            params["quantity"] = v.quantity(quantity)
        else:
            if quantity != 1:
                raise InputError("quantity applies to a price; for an amount put the total in amount", "quantity")
            params["amount"] = v.amount(amount)  # type: ignore[arg-type]
            params["currency"] = v.currency(currency or invoice.get("currency") or "")
            if not description:
                raise InputError("a one-off amount needs a description (it is the invoice line text)", "description")
        if description:
            params["description"] = description
        return await self._dict("POST", "/v1/invoiceitems", self.sdk.v1.invoice_items.create_async, params=params,
                                options=idem(idempotency_key))

    async def finalize_invoice(self, invoice_id: str, *, idempotency_key: str | None = None) -> dict[str, Any]:
        v.object_id(invoice_id, "in_", "invoice")
        return await self._dict("POST", f"/v1/invoices/{invoice_id}/finalize",
                                self.sdk.v1.invoices.finalize_invoice_async, invoice_id,
                                options=idem(idempotency_key))
