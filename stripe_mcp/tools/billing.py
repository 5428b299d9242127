"""Subscriptions and invoices."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import InputError
from shared.safety import ConfirmInput
from shared.tooling import Call
from stripe_mcp.client import validation as v
from stripe_mcp.deps import StripeDeps
from stripe_mcp.tools import TOOLBOX
from stripe_mcp.tools._common import (
    META,
    LiveConfirmInput,
    Metadata,
    ObjectResult,
    done,
    live_blocked,
    live_preview,
    preview,
    stripe,
)


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    price: str | None = Field(None, description="Price id.")
    quantity: int | None = Field(None, description="Quantity.")
    id: str | None = Field(None, description="Existing item (si_...) to change.")
    deleted: bool | None = Field(None, description="Remove item id.")


class NewItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    price: str = Field(description="Price id.")
    quantity: int = Field(1, description="Quantity.")


class CreateSubscriptionInput(LiveConfirmInput):
    customer: str = Field(description="Customer id (cus_...).")
    items: list[NewItem] = Field(description="Recurring prices to bill.")
    trial_period_days: int | None = Field(None, description="Free trial days.")
    collection_method: Literal["charge_automatically", "send_invoice"] = Field(
        "charge_automatically", description="Charge the saved card, or email invoices.")
    days_until_due: int | None = Field(None, description="For send_invoice (default 30).")
    coupon: str | None = Field(None, description="Coupon id to apply.")
    metadata: Metadata | None = Field(None, description=META)


@TOOLBOX.tool(toolset="billing", title="Create subscription", read_only=False, destructive=False,
              idempotent=False, open_world=True)
async def stripe_create_subscription(call: Call[StripeDeps], args: CreateSubscriptionInput) -> ObjectResult:
    """Subscribe a customer to recurring prices."""
    api = await stripe(call)
    if live_blocked(api, args):
        return live_preview(api, f"subscribe {args.customer} to {len(args.items)} price(s)")
    fields = args.model_dump(exclude={"confirm"}, exclude_none=True)
    return done(api, "created", await api.create_subscription(**fields))


class UpdateSubscriptionInput(LiveConfirmInput):
    subscription: str = Field(description="Subscription id (sub_...).")
    items: list[Item] | None = Field(None, description="Changes; one item without id replaces a "
                                                       "one-item plan.")
    proration_behavior: Literal["create_prorations", "none", "always_invoice"] | None = Field(
        None, description="Billing of the change; default create_prorations.")
    metadata: Metadata | None = Field(None, description=META)


@TOOLBOX.tool(toolset="billing", title="Update subscription", read_only=False, destructive=False,
              idempotent=False, open_world=True)
async def stripe_update_subscription(call: Call[StripeDeps], args: UpdateSubscriptionInput) -> ObjectResult:
    """Change a subscription's prices, quantities or metadata."""
    api = await stripe(call)
    if live_blocked(api, args):
        return live_preview(api, f"change {args.subscription}")
    items = [i.model_dump(exclude_none=True) for i in args.items] if args.items else None
    result = await api.update_subscription(args.subscription, items=items,
                                           proration_behavior=args.proration_behavior, metadata=args.metadata)
    return done(api, "updated", result)


class CancelInput(ConfirmInput):
    subscription: str = Field(description="Subscription id (sub_...).")
    at_period_end: bool = Field(False, description="At the end of the paid period, not now.")


@TOOLBOX.tool(toolset="billing", title="Cancel subscription", read_only=False, destructive=True,
              idempotent=True, open_world=True)
async def stripe_cancel_subscription(call: Call[StripeDeps], args: CancelInput) -> ObjectResult:
    """Cancel a subscription now or at period end."""
    api = await stripe(call)
    sub = await api.get_subscription(args.subscription)
    if not args.confirm:
        when = "at the end of the current period" if args.at_period_end else "immediately"
        return preview(api, f"would cancel {args.subscription} ({sub.get('status')}) {when}.", sub)
    return done(api, "canceled" if not args.at_period_end else "set to cancel at period end",
                await api.cancel_subscription(args.subscription, at_period_end=args.at_period_end))


class InvoiceLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    price: str | None = Field(None, description="Price id; or amount.")
    quantity: int = Field(1, description="Quantity.")
    amount: int | None = Field(None, description="One-off amount, minor units.")
    description: str | None = Field(None, description="Line text (needed with amount).")


class InvoiceInput(LiveConfirmInput):
    customer: str | None = Field(None, description="Customer id, for a new draft.")
    invoice: str | None = Field(None, description="Or an existing draft (in_...).")
    items: list[InvoiceLine] | None = Field(None, description="Lines to add.")
    currency: str | None = Field(None, description="For amount lines.")
    finalize: bool = Field(False, description="Finalize it: payable, lines fixed.")
    days_until_due: int | None = Field(None, description="Days to pay (default 30).")
    description: str | None = Field(None, description="Memo.")
    metadata: Metadata | None = Field(None, description=META)


def _check_lines(args: InvoiceInput) -> None:
    """Cheap checks on every line before anything is created, so a bad line leaves no stray draft."""
    if args.currency:
        v.currency(args.currency)
    for i, line in enumerate(args.items or []):
        field = f"items[{i}]"
        if (line.price is None) == (line.amount is None):
            raise InputError("give exactly one of price or amount", field)
        if line.price:
            v.object_id(line.price, "price_", f"{field}.price")
            v.quantity(line.quantity, f"{field}.quantity")
        else:
            v.amount(line.amount, f"{field}.amount")  # type: ignore[arg-type]
            if not line.description:
                raise InputError("an amount line needs a description (the line text)", field)


@TOOLBOX.tool(toolset="billing", title="Create or finalize invoice", read_only=False, destructive=False,
              idempotent=False, open_world=True)
async def stripe_create_invoice(call: Call[StripeDeps], args: InvoiceInput) -> ObjectResult:
    """Create a draft invoice with lines, or add lines to a draft; finalize=true makes it payable."""
    if (args.customer is None) == (args.invoice is None):
        raise InputError("pass exactly one of customer (new draft) or invoice (existing draft)", "customer")
    _check_lines(args)
    api = await stripe(call)
    if live_blocked(api, args):
        target = args.invoice or f"a new invoice for {args.customer}"
        fin = " and finalize it" if args.finalize else ""
        return live_preview(api, f"add {len(args.items or [])} line(s) to {target}{fin}")
    if args.invoice:
        invoice_id = args.invoice
    else:
        created = await api.create_invoice(customer=args.customer, days_until_due=args.days_until_due,
                                           description=args.description, metadata=args.metadata)
        invoice_id = created["id"]
    for i, line in enumerate(args.items or []):
        try:
            await api.add_invoice_item(invoice_id, price=line.price, amount=line.amount, currency=args.currency,
                                       description=line.description, quantity=line.quantity)
        except InputError as exc:
            raise InputError(f"{exc} (draft {invoice_id} keeps the lines before it)", f"items[{i}]") from None
    if args.finalize:
        return done(api, "finalized", await api.finalize_invoice(invoice_id))
    return done(api, "draft", await api.get_invoice(invoice_id))
