"""Products, prices (one-off and recurring) and coupons."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from shared.tooling import Call
from stripe_mcp.deps import StripeDeps
from stripe_mcp.tools.resolve import RefKind
from stripe_mcp.tools._common import (
    CURRENCY,
    MINOR,
    PRODUCT,
    LiveConfirmInput,
    Metadata,
    ObjectResult,
    create,
    stripe,
    write_tool,
)


class CreateProductInput(LiveConfirmInput):
    name: str = Field(description="Shown to buyers.")
    description: str | None = None
    metadata: Metadata | None = None


@write_tool(toolset="catalog", title="Create product")
async def stripe_create_product(call: Call[StripeDeps], args: CreateProductInput) -> ObjectResult:
    """Create a product; then give it a price (stripe_create_price) to sell it."""
    api = await stripe(call)
    fields = args.model_dump(exclude={"confirm"})
    return await create(api, "stripe_create_product", args, "product",
                        lambda key: api.create_product(**fields, idempotency_key=key))


class CreatePriceInput(LiveConfirmInput):
    refs: ClassVar[dict[str, RefKind]] = {"product": "product"}

    product: str = Field(description=PRODUCT)
    unit_amount: int = Field(description=MINOR)
    currency: str = Field(description=CURRENCY)
    interval: Literal["day", "week", "month", "year"] | None = Field(None, description="Recurring; omit = one-off.")
    interval_count: int = Field(1, description="3 + month = quarterly.")
    metadata: Metadata | None = None


@write_tool(toolset="catalog", title="Create price")
async def stripe_create_price(call: Call[StripeDeps], args: CreatePriceInput) -> ObjectResult:
    """Add a one-off or recurring price to an existing product."""
    api = await stripe(call)
    fields = args.model_dump(exclude={"confirm"})
    return await create(api, "stripe_create_price", args, "price",
                        lambda key: api.create_price(**fields, idempotency_key=key))


class CreateCouponInput(LiveConfirmInput):
    percent_off: float | None = Field(None, description="Or amount_off.")
    amount_off: int | None = Field(None, description="Minor units; needs currency.")
    currency: str | None = None
    duration: Literal["once", "repeating", "forever"] = "once"
    duration_in_months: int | None = Field(None, description="For repeating.")
    name: str | None = None
    max_redemptions: int | None = None


@write_tool(toolset="catalog", title="Create coupon")
async def stripe_create_coupon(call: Call[StripeDeps], args: CreateCouponInput) -> ObjectResult:
    """Create a coupon: percent or amount off."""
    api = await stripe(call)
    fields = args.model_dump(exclude={"confirm"})
    return await create(api, "stripe_create_coupon", args, "coupon",
                        lambda key: api.create_coupon(**fields, idempotency_key=key))
