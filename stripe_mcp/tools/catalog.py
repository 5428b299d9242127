"""Products, prices (one-off and recurring) and coupons."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.tooling import Call
from stripe_mcp.deps import StripeDeps
from stripe_mcp.tools._common import META, LiveConfirmInput, Metadata, ObjectResult, create, stripe, write_tool

CURRENCY = "3-letter lowercase ISO code, e.g. usd."


class CreateProductInput(LiveConfirmInput):
    name: str = Field(description="Name shown to customers.")
    description: str | None = Field(None, description="Longer description.")
    metadata: Metadata | None = Field(None, description=META)


@write_tool(toolset="catalog", title="Create product")
async def stripe_create_product(call: Call[StripeDeps], args: CreateProductInput) -> ObjectResult:
    """Create a product (then add prices)."""
    api = await stripe(call)
    fields = args.model_dump(exclude={"confirm"})
    return await create(api, "stripe_create_product", args, "product",
                        lambda key: api.create_product(**fields, idempotency_key=key))


class CreatePriceInput(LiveConfirmInput):
    product: str = Field(description="Product id (prod_...).")
    unit_amount: int = Field(description="Minor units: 1999 = 19.99.")
    currency: str = Field(description=CURRENCY)
    interval: Literal["day", "week", "month", "year"] | None = Field(
        None, description="Recurring interval; omit for one-off.")
    interval_count: int = Field(1, description="E.g. 3 months = quarterly.")
    metadata: Metadata | None = Field(None, description=META)


@write_tool(toolset="catalog", title="Create price")
async def stripe_create_price(call: Call[StripeDeps], args: CreatePriceInput) -> ObjectResult:
    """Create a one-off or recurring price for a product."""
    api = await stripe(call)
    fields = args.model_dump(exclude={"confirm"})
    return await create(api, "stripe_create_price", args, "price",
                        lambda key: api.create_price(**fields, idempotency_key=key))


class CreateCouponInput(LiveConfirmInput):
    percent_off: float | None = Field(None, description="Percent off; or amount_off.")
    amount_off: int | None = Field(None, description="Minor units off; needs currency.")
    currency: str | None = Field(None, description="For amount_off.")
    duration: Literal["once", "repeating", "forever"] = Field("once", description="How long it applies.")
    duration_in_months: int | None = Field(None, description="For 'repeating'.")
    name: str | None = Field(None, description="Shown on invoices.")
    max_redemptions: int | None = Field(None, description="Max total redemptions.")


@write_tool(toolset="catalog", title="Create coupon")
async def stripe_create_coupon(call: Call[StripeDeps], args: CreateCouponInput) -> ObjectResult:
    """Create a coupon (percent or amount off)."""
    api = await stripe(call)
    fields = args.model_dump(exclude={"confirm"})
    return await create(api, "stripe_create_coupon", args, "coupon",
                        lambda key: api.create_coupon(**fields, idempotency_key=key))
