"""Payment links, checkout sessions and payment intents."""

from __future__ import annotations

from typing import Any

from shared.errors import InputError
from stripe_mcp.client import validation as v
from stripe_mcp.client.catalog import CatalogApi, price_product_id
from stripe_mcp.client.core import idem


class PaymentsApi(CatalogApi):
    async def create_payment_link(
        self, *, price: str, quantity: int = 1, product: str | None = None, metadata: dict[str, str] | None = None,
        redirect_url: str | None = None, max_completed_sessions: int | None = None,
        idempotency_key: str | None = None, price_object: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A payment link for one price. The metadata is also copied onto the resulting payment intent or
        subscription, so a payment can be traced back (a link cannot be tied to an existing customer).
        `price_object`: the price as the caller just fetched it, which saves fetching it again."""
        v.quantity(quantity)
        meta = v.metadata(metadata)
        v.url(redirect_url, "redirect_url")
        known = price_object is not None and price_object.get("id") == price and (
            product is None or price_product_id(price_object) == product)
        price_obj = price_object if known else await self.get_price(price, product=product)
        if price_obj.get("active") is False:
            raise InputError(f"{price} is archived (inactive); use an active price", "price")
        params: dict[str, Any] = {"line_items": [{"price": price, "quantity": quantity}]}
        if meta:
            params["metadata"] = meta
            key = "subscription_data" if price_obj.get("recurring") else "payment_intent_data"
            params[key] = {"metadata": meta}
        if redirect_url:
            params["after_completion"] = {"type": "redirect", "redirect": {"url": redirect_url}}
        if max_completed_sessions is not None:
            params["restrictions"] = {"completed_sessions": {"limit": v.quantity(max_completed_sessions,
                                                                                "max_completed_sessions")}}
        return await self._dict("POST", "/v1/payment_links", self.sdk.v1.payment_links.create_async, params=params,
                                options=idem(idempotency_key))

    async def get_payment_link(self, link_id: str) -> dict[str, Any]:
        v.object_id(link_id, "plink_", "payment_link")
        return await self.retrieve("payment_links", link_id)

    async def deactivate_payment_link(self, link_id: str, *, idempotency_key: str | None = None) -> dict[str, Any]:
        v.object_id(link_id, "plink_", "payment_link")
        return await self._dict("POST", f"/v1/payment_links/{link_id}", self.sdk.v1.payment_links.update_async,
                                link_id, params={"active": False}, options=idem(idempotency_key))

    async def create_checkout_session(
        self, *, customer: str, price: str, quantity: int = 1, success_url: str, cancel_url: str | None = None,
        metadata: dict[str, str] | None = None, idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """A hosted checkout for a known customer; mode follows the price (recurring -> subscription)."""
        v.object_id(customer, "cus_", "customer")
        v.quantity(quantity)
        v.url(success_url, "success_url")
        v.url(cancel_url, "cancel_url")
        meta = v.metadata(metadata)
        price_obj = await self.get_price(price)
        recurring = bool(price_obj.get("recurring"))
        params: dict[str, Any] = {
            "mode": "subscription" if recurring else "payment", "customer": customer,
            "line_items": [{"price": price, "quantity": quantity}], "success_url": success_url,
        }
        if cancel_url:
            params["cancel_url"] = cancel_url
        if meta:
            params["metadata"] = meta
            params["subscription_data" if recurring else "payment_intent_data"] = {"metadata": meta}
        svc = self.sdk.v1.checkout.sessions
        return await self._dict("POST", "/v1/checkout/sessions", svc.create_async, params=params,
                                options=idem(idempotency_key))

    async def create_payment_intent(
        self, *, amount: int, currency: str, customer: str | None = None, description: str | None = None,
        metadata: dict[str, str] | None = None, receipt_email: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """An unconfirmed payment intent (no money moves until it is confirmed with a payment method)."""
        params: dict[str, Any] = {"amount": v.amount(amount), "currency": v.currency(currency)}
        if customer:
            params["customer"] = v.object_id(customer, "cus_", "customer")
        if description:
            params["description"] = description
        if metadata:
            params["metadata"] = v.metadata(metadata)
        if receipt_email:
            params["receipt_email"] = receipt_email
        return await self._dict("POST", "/v1/payment_intents", self.sdk.v1.payment_intents.create_async,
                                params=params, options=idem(idempotency_key))

    async def get_payment_intent(self, intent_id: str) -> dict[str, Any]:
        v.object_id(intent_id, "pi_", "payment_intent")
        return await self.retrieve("payment_intents", intent_id)
