"""Products, prices (one-off and recurring) and coupons."""

from __future__ import annotations

from typing import Any, Literal

from shared.errors import InputError
from stripe_mcp.client import validation as v
from stripe_mcp.client.core import StripeCore, idem

Interval = Literal["day", "week", "month", "year"]
Duration = Literal["once", "repeating", "forever"]


def price_product_id(price: dict[str, Any]) -> str | None:
    product = price.get("product")
    return product.get("id") if isinstance(product, dict) else product


class CatalogApi(StripeCore):
    async def create_product(self, *, name: str, description: str | None = None,
                             metadata: dict[str, str] | None = None, idempotency_key: str | None = None
                             ) -> dict[str, Any]:
        if not name.strip():
            raise InputError("must not be empty", "name")
        params: dict[str, Any] = {"name": name}
        if description:
            params["description"] = description
        if metadata:
            params["metadata"] = v.metadata(metadata)
        return await self._dict("POST", "/v1/products", self.sdk.v1.products.create_async, params=params,
                                options=idem(idempotency_key))

    async def set_default_price(self, product_id: str, price_id: str, *, idempotency_key: str | None = None
                                ) -> dict[str, Any]:
        """POST /v1/products/{id} default_price (https://docs.stripe.com/api/products/update)."""
        v.object_id(product_id, "prod_", "product")
        v.object_id(price_id, "price_", "default_price")
        return await self._dict("POST", f"/v1/products/{product_id}", self.sdk.v1.products.update_async, product_id,
                                params={"default_price": price_id}, options=idem(idempotency_key))

    async def get_product(self, product_id: str) -> dict[str, Any]:
        v.object_id(product_id, "prod_", "product")
        return await self.retrieve("products", product_id)

    async def create_price(
        self, *, product: str, unit_amount: int, currency: str, interval: Interval | None = None,
        interval_count: int = 1, nickname: str | None = None, metadata: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """A one-off price, or a recurring one when `interval` is given (e.g. month)."""
        v.object_id(product, "prod_", "product")
        params: dict[str, Any] = {
            "product": product, "unit_amount": v.amount(unit_amount, "unit_amount", allow_zero=True),
            "currency": v.currency(currency),
        }
        if interval:
            params["recurring"] = {"interval": interval, "interval_count": v.quantity(interval_count,
                                                                                   "interval_count")}
        if nickname:
            params["nickname"] = nickname
        if metadata:
            params["metadata"] = v.metadata(metadata)
        return await self._dict("POST", "/v1/prices", self.sdk.v1.prices.create_async, params=params,
                                options=idem(idempotency_key))

    async def get_price(self, price_id: str, *, product: str | None = None) -> dict[str, Any]:
        """The price; with `product`, also checks that the price belongs to that product (InputError if not)."""
        v.object_id(price_id, "price_", "price")
        price = await self.retrieve("prices", price_id)
        owner = price_product_id(price)
        if product and owner != product:
            raise InputError(f"{price_id} belongs to product {owner}, not {product}", "price")
        return price

    async def create_coupon(
        self, *, percent_off: float | None = None, amount_off: int | None = None, currency: str | None = None,
        duration: Duration = "once", duration_in_months: int | None = None, name: str | None = None,
        max_redemptions: int | None = None, metadata: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Either percent_off (0-100] or amount_off with currency. duration_in_months only for 'repeating'."""
        if (percent_off is None) == (amount_off is None):
            raise InputError("pass exactly one of percent_off or amount_off", "percent_off")
        params: dict[str, Any] = {"duration": duration}
        if percent_off is not None:
            if not 0 < percent_off <= 100:
                raise InputError(f"must be more than 0 and at most 100, got {percent_off}", "percent_off")
            params["percent_off"] = percent_off
        else:
            if currency is None:
                raise InputError("required with amount_off", "currency")
            params["amount_off"] = v.amount(amount_off, "amount_off")  # type: ignore[arg-type]
            params["currency"] = v.currency(currency)
        if duration == "repeating":
            if not duration_in_months:
                raise InputError("required when duration is 'repeating'", "duration_in_months")
            params["duration_in_months"] = v.quantity(duration_in_months, "duration_in_months")
        elif duration_in_months:
            raise InputError("only allowed when duration is 'repeating'", "duration_in_months")
        if name:
            params["name"] = name
        if max_redemptions:
            params["max_redemptions"] = v.quantity(max_redemptions, "max_redemptions")
        if metadata:
            params["metadata"] = v.metadata(metadata)
        return await self._dict("POST", "/v1/coupons", self.sdk.v1.coupons.create_async, params=params,
                                options=idem(idempotency_key))
