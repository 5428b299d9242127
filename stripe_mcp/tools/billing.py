"""Subscriptions and invoices."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from shared.errors import ApiError, InputError
from shared.render import money
from shared.safety import ConfirmInput
from shared.tooling import Call
from stripe_mcp.client import validation as v
from stripe_mcp.client.core import track_replays
from stripe_mcp.deps import StripeDeps
from stripe_mcp.tools._common import (
    CUSTOMER,
    MINOR,
    PRICE,
    REUSED,
    CreateFailed,
    LiveConfirmInput,
    Metadata,
    ObjectResult,
    create,
    done,
    intent,
    preview,
    refusal,
    stripe,
    write_tool,
)
from stripe_mcp.tools.resolve import Named, RefKind

if TYPE_CHECKING:
    from stripe_mcp.client.api import StripeApi


class Item(Named):
    refs: ClassVar[dict[str, RefKind]] = {"price": "price"}

    price: str | None = Field(None, description=PRICE)
    quantity: int | None = None
    id: str | None = Field(None, description="Existing item (si_...) to change.")
    deleted: bool | None = Field(None, description="Remove item id.")


class NewItem(Named):
    refs: ClassVar[dict[str, RefKind]] = {"price": "price"}

    price: str = Field(description=PRICE)
    quantity: int = 1


class CreateSubscriptionInput(LiveConfirmInput):
    audit_exclude = frozenset({"customer"})  # may be an email
    refs: ClassVar[dict[str, RefKind]] = {"customer": "customer"}

    customer: str = Field(description=CUSTOMER)
    items: list[NewItem] = Field(description="Recurring prices.")
    trial_period_days: int | None = None
    collection_method: Literal["charge_automatically", "send_invoice"] = "charge_automatically"
    days_until_due: int | None = Field(None, description="For send_invoice (default 30).")
    payment_behavior: Literal["default_incomplete"] | None = Field(
        None, description="No saved card: the buyer pays the first invoice.")
    coupon: str | None = Field(None, description="Coupon id.")
    metadata: Metadata | None = None


def _day(ts: Any) -> str:
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%d") if ts else "?"


async def _next_step(api: StripeApi, sub: dict[str, Any]) -> str:
    """What has to happen next for this new subscription to be paid, in words."""
    status = sub.get("status")
    if status == "trialing":
        return f"Trial until {_day(sub.get('trial_end'))}; nothing is charged before then."
    latest = sub.get("latest_invoice")
    try:
        inv = latest if isinstance(latest, dict) else (await api.get_invoice(latest) if latest else {})
    except ApiError:  # the subscription exists; a failed look-up of its invoice must not turn that into an error
        return f"Status {status}; its first invoice is {latest} (stripe_get it for the payment page)."
    if not inv:
        return f"Status {status}."
    due = money(inv["amount_due"], inv["currency"]) if isinstance(inv.get("amount_due"), int) else "?"
    where = f" at {inv['hosted_invoice_url']}" if inv.get("hosted_invoice_url") else ""
    if inv.get("status") == "paid" or (status == "active" and sub.get("collection_method") != "send_invoice"):
        return f"Active; first invoice {inv.get('id')} is {inv.get('status')}."
    if sub.get("collection_method") == "send_invoice":
        return (f"Invoice {inv.get('id')} for {due} is {inv.get('status')}, due {_day(inv.get('due_date'))}: "
                f"the buyer pays it{where}.")
    return (f"Status {status}: the buyer must pay the first invoice {inv.get('id')} for {due}{where} (or you "
            "confirm its payment in your own page); unpaid, Stripe expires the subscription after 23 hours.")


NO_CARD = ("Without a saved card, use payment_behavior=default_incomplete (the buyer pays the first invoice), "
           "collection_method=send_invoice, or a checkout session/payment link.")


@write_tool(toolset="billing", title="Create subscription")
async def stripe_create_subscription(call: Call[StripeDeps], args: CreateSubscriptionInput) -> ObjectResult:
    """Subscribe a customer to recurring prices. Automatic charging needs a saved card, else use
    payment_behavior or send_invoice. Says what the buyer must do next."""
    api = await stripe(call)
    fields = args.model_dump(exclude={"confirm"}, exclude_none=True)
    advice = NO_CARD if args.collection_method == "charge_automatically" and not args.payment_behavior else ""
    result = await create(api, "stripe_create_subscription", args, "subscription",
                          lambda key: api.create_subscription(**fields, idempotency_key=key), advice=advice)
    step = await _next_step(api, result.object)
    result._note = f"{step} {result._note}".strip()
    return result


class UpdateSubscriptionInput(LiveConfirmInput):
    subscription: str = Field(description="sub_ id.")
    items: list[Item] | None = Field(None, description="Changes; one item without id replaces a one-item plan.")
    proration_behavior: Literal["create_prorations", "none", "always_invoice"] | None = Field(
        None, description="Default create_prorations.")
    metadata: Metadata | None = None


@write_tool(toolset="billing", title="Update subscription")
async def stripe_update_subscription(call: Call[StripeDeps], args: UpdateSubscriptionInput) -> ObjectResult:
    """Change a subscription's prices, quantities or metadata."""
    api = await stripe(call)
    items = [i.model_dump(exclude_none=True) for i in args.items] if args.items else None
    result = await api.update_subscription(args.subscription, items=items,
                                           proration_behavior=args.proration_behavior, metadata=args.metadata)
    return done(api, "updated", result)


class CancelInput(ConfirmInput):
    subscription: str = Field(description="sub_ id.")
    at_period_end: bool = Field(False, description="At the end of the paid period, not now.")


@write_tool(toolset="billing", title="Cancel subscription", destructive=True, idempotent=True)
async def stripe_cancel_subscription(call: Call[StripeDeps], args: CancelInput) -> ObjectResult:
    """Cancel a subscription now or at period end."""
    api = await stripe(call)
    sub = await api.get_subscription(args.subscription)
    if not args.confirm:
        when = "at the end of the current period" if args.at_period_end else "immediately"
        return preview(api, f"would cancel {args.subscription} ({sub.get('status')}) {when}.", sub)
    return done(api, "canceled" if not args.at_period_end else "set to cancel at period end",
                await api.cancel_subscription(args.subscription, at_period_end=args.at_period_end))


class InvoiceLine(Named):
    refs: ClassVar[dict[str, RefKind]] = {"price": "price"}

    price: str | None = Field(None, description=PRICE + " Or amount.")
    quantity: int = 1
    amount: int | None = Field(None, description=MINOR)
    description: str | None = Field(None, description="Line text (needed with amount).")


class InvoiceInput(LiveConfirmInput):
    audit_exclude = frozenset({"customer"})  # may be an email
    refs: ClassVar[dict[str, RefKind]] = {"customer": "customer"}

    customer: str | None = Field(None, description=CUSTOMER + " For a new draft.")
    invoice: str | None = Field(None, description="Or an existing draft (in_...).")
    items: list[InvoiceLine] | None = None
    currency: str | None = Field(None, description="Default: the first price's.")
    finalize: bool = Field(False, description="Make it payable; lines fixed.")
    days_until_due: int | None = Field(None, description="Default 30.")
    description: str | None = None
    metadata: Metadata | None = None


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


async def _invoice_currency(api: StripeApi, args: InvoiceInput) -> str | None:
    """The currency of a new draft: as given, else the first price line's (it may differ from the customer's)."""
    if args.currency or args.invoice:
        return args.currency
    first = next((line.price for line in args.items or [] if line.price), None)
    return str((await api.get_price(first))["currency"]) if first else None


@write_tool(toolset="billing", title="Create or finalize invoice")
async def stripe_create_invoice(call: Call[StripeDeps], args: InvoiceInput) -> ObjectResult:
    """Create a draft invoice with lines, or add lines to a draft; finalize=true makes it payable."""
    if (args.customer is None) == (args.invoice is None):
        raise InputError("pass exactly one of customer (new draft) or invoice (existing draft)", "customer")
    _check_lines(args)
    api = await stripe(call)
    # Every step carries a key derived from this call's arguments: a retry after a failure at any step replays the
    # steps already done (the same draft, the same lines) and completes the same invoice, never a second draft.
    it = intent("stripe_create_invoice", args)
    invoice_id = args.invoice
    step, note = "create the draft", ""
    try:
        if invoice_id is None:
            currency = await _invoice_currency(api, args)
            with track_replays() as replays:
                created = await api.create_invoice(
                    customer=str(args.customer), days_until_due=args.days_until_due, description=args.description,
                    metadata=args.metadata, currency=currency, idempotency_key=it.step("invoice"))
            invoice_id = created["id"]
            note = REUSED if it.repeat and replays and replays[-1] else ""
        current = await api.get_invoice(invoice_id)
        if current.get("status") != "draft" and args.finalize and (args.customer or it.repeat):
            return done(api, "finalized", current, note=note)  # an earlier identical call got this far
        for i, line in enumerate(args.items or []):
            step = f"add items[{i}]"
            try:
                await api.add_invoice_item(invoice_id, price=line.price, amount=line.amount, currency=args.currency,
                                           description=line.description, quantity=line.quantity,
                                           idempotency_key=it.step(f"item{i}"))
            except InputError as exc:
                raise InputError(f"{exc} (draft {invoice_id} keeps the lines before it)", f"items[{i}]") from None
        if args.finalize:
            step = "finalize"
            finalized = await api.finalize_invoice(invoice_id, idempotency_key=it.step("finalize"))
            return done(api, "finalized", finalized, note=note)
    except ApiError as exc:
        if invoice_id is None and refusal(exc):
            it.refused()  # nothing was created: a corrected retry may start afresh
        where = f" (draft {invoice_id})" if invoice_id else ""
        raise CreateFailed(exc, "invoice", partial=f"{where}; stopped at: {step}") from None
    return done(api, "draft", await api.get_invoice(invoice_id), note=note)
