"""Getting paid: payment links, checkout sessions, payment intents, a customer's payment history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from shared.safety import ConfirmInput
from shared.tooling import Call, ToolInput
from stripe_mcp.client.shapes import label
from stripe_mcp.deps import StripeDeps
from stripe_mcp.tools import TOOLBOX
from stripe_mcp.tools._common import (
    META,
    LiveConfirmInput,
    Metadata,
    ObjectResult,
    StripeResult,
    create,
    done,
    preview,
    stripe,
    write_tool,
)
from stripe_mcp.tools.catalog import CURRENCY

if TYPE_CHECKING:
    from stripe_mcp.client.api import StripeApi


class PaymentLinkInput(LiveConfirmInput):
    price: str = Field(description="Price id (price_...).")
    quantity: int = Field(1, description="Quantity.")
    product: str | None = Field(None, description="Check the price is this product's.")
    metadata: Metadata | None = Field(None, description=META)
    redirect_url: str | None = Field(None, description="Where to go after paying.")
    max_completed_sessions: int | None = Field(None, description="Stop after N payments.")


async def _price_check(api: StripeApi, args: PaymentLinkInput | CheckoutInput) -> str:
    price = await api.get_price(args.price, product=getattr(args, "product", None))
    return f"The price is {label(price)}"


@write_tool(toolset="payments", title="Create payment link", check=_price_check)
async def stripe_create_payment_link(call: Call[StripeDeps], args: PaymentLinkInput) -> ObjectResult:
    """Create a shareable payment link (url) for a price."""
    api = await stripe(call)
    fields = args.model_dump(exclude={"confirm"})
    return await create(api, "stripe_create_payment_link", args, "payment link",
                        lambda key: api.create_payment_link(**fields, idempotency_key=key))


class LinkIdInput(ConfirmInput):
    payment_link: str = Field(description="Payment link id (plink_...).")


@write_tool(toolset="payments", title="Deactivate payment link", destructive=True, idempotent=True)
async def stripe_deactivate_payment_link(call: Call[StripeDeps], args: LinkIdInput) -> ObjectResult:
    """Deactivate a payment link."""
    api = await stripe(call)
    link = await api.get_payment_link(args.payment_link)
    if not args.confirm:
        state = "active" if link.get("active") else "already inactive"
        return preview(api, f"would deactivate {args.payment_link} ({state}, {link.get('url')}).", link)
    return done(api, "deactivated", await api.deactivate_payment_link(args.payment_link))


class CheckoutInput(LiveConfirmInput):
    customer: str = Field(description="Customer id (cus_...).")
    price: str = Field(description="Price id (recurring = subscription).")
    quantity: int = Field(1, description="Quantity.")
    success_url: str = Field(description="URL after paying.")
    cancel_url: str | None = Field(None, description="URL if abandoned.")
    metadata: Metadata | None = Field(None, description=META)


@write_tool(toolset="payments", title="Create checkout session", check=_price_check)
async def stripe_create_checkout_session(call: Call[StripeDeps], args: CheckoutInput) -> ObjectResult:
    """Create a hosted checkout page (url, 24 h) for a customer."""
    api = await stripe(call)
    fields = args.model_dump(exclude={"confirm"})
    return await create(api, "stripe_create_checkout_session", args, "checkout session",
                        lambda key: api.create_checkout_session(**fields, idempotency_key=key))


class PaymentIntentInput(LiveConfirmInput):
    amount: int = Field(description="Amount in minor units (cents).")
    currency: str = Field(description=CURRENCY)
    customer: str | None = Field(None, description="Customer id (cus_...).")
    description: str | None = Field(None, description="Shown on receipts.")
    metadata: Metadata | None = Field(None, description=META)


@write_tool(toolset="payments", title="Create payment intent")
async def stripe_create_payment_intent(call: Call[StripeDeps], args: PaymentIntentInput) -> ObjectResult:
    """Create an unconfirmed payment intent."""
    api = await stripe(call)
    fields = args.model_dump(exclude={"confirm"})
    return await create(api, "stripe_create_payment_intent", args, "payment intent",
                        lambda key: api.create_payment_intent(**fields, idempotency_key=key))


class HistoryInput(ToolInput):
    customer: str = Field(description="Customer id (cus_...).")
    limit: int = Field(20, ge=1, le=100, description="Max entries.")


class HistoryResult(StripeResult):
    customer: str
    entries: list[dict[str, Any]]

    def summary(self) -> str:
        if not self.entries:
            return f"no payments for {self.customer}"
        shown = "; ".join(f"{e['type']} {e['id']} {e.get('amount')} {e.get('currency')} {e.get('status')}"
                          for e in self.entries[:10])
        return f"{len(self.entries)} entries for {self.customer}, newest first: {shown}"


@TOOLBOX.tool(toolset="payments", title="Customer payment history", read_only=True, destructive=False,
              idempotent=True, open_world=True)
async def stripe_payment_history(call: Call[StripeDeps], args: HistoryInput) -> HistoryResult:
    """A customer's payments and invoices, newest first."""
    api = await stripe(call)
    entries = await api.payment_history(args.customer, limit=args.limit)
    return HistoryResult(mode=api.mode, customer=args.customer, entries=entries)


class DisputeInput(LiveConfirmInput):
    dispute: str = Field(description="Dispute id (dp_...).")
    evidence: dict[str, str] | None = Field(
        None, description="Evidence fields, e.g. uncategorized_text.")
    submit: bool = Field(False, description="Submit now (final; needs confirm).")
    confirm: bool = Field(False, description="Needed to submit, and with a live key.")


@write_tool(toolset="payments", title="Update dispute")
async def stripe_update_dispute(call: Call[StripeDeps], args: DisputeInput) -> ObjectResult:
    """Add evidence to a dispute, optionally submit it."""
    api = await stripe(call)
    if args.submit and not args.confirm:
        current = await api.retrieve("disputes", args.dispute)
        return preview(api, f"would submit the evidence for {args.dispute}; it cannot be changed after.", current)
    result = await api.update_dispute(args.dispute, evidence=args.evidence, submit=args.submit)
    return done(api, "submitted" if args.submit else "updated", result)

