"""Getting paid: payment links, checkout sessions, payment intents, a customer's payment history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from shared.errors import InputError
from shared.render import money, plural
from shared.tooling import Call, ToolInput
from stripe_mcp.client import validation as v
from stripe_mcp.client.shapes import compact, label
from stripe_mcp.deps import StripeDeps
from stripe_mcp.tools import TOOLBOX
from stripe_mcp.tools._common import (
    CURRENCY,
    CUSTOMER,
    MINOR,
    PRICE,
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
from stripe_mcp.tools.names import annotate
from stripe_mcp.tools.resolve import RefKind, customer_id, looks_like_id

if TYPE_CHECKING:
    from stripe_mcp.client.api import StripeApi


class PaymentLinkInput(LiveConfirmInput):
    audit_exclude = frozenset({"customer"})  # may be an email
    refs: ClassVar[dict[str, RefKind]] = {"price": "price", "product": "product", "customer": "customer"}

    price: str = Field(description=PRICE)
    quantity: int = 1
    customer: str | None = Field(None, description=CUSTOMER)
    redirect_url: str | None = Field(None, description="Where to go after paying; needed with customer.")
    cancel_url: str | None = Field(None, description="With customer: URL if abandoned.")
    max_completed_sessions: int | None = Field(None, description="Stop after N payments.")
    product: str | None = Field(None, description="Check the price is this product's.")
    metadata: Metadata | None = None


async def _price_check(api: StripeApi, args: PaymentLinkInput) -> str:
    price = compact(await api.get_price(args.price, product=args.product))
    await annotate(api, [price])
    return f"The price is {label(price)}"


@write_tool(toolset="payments", title="Create payment link", check=_price_check)
async def stripe_create_payment_link(call: Call[StripeDeps], args: PaymentLinkInput) -> ObjectResult:
    """A url where a buyer pays a price (recurring = subscription). Without customer: a reusable payment link
    (stripe_delete deactivates it); with: a checkout page for them (24 h)."""
    api = await stripe(call)
    if args.customer is None:
        if args.cancel_url:
            raise InputError("only with customer (a payment link has no cancel page)", "cancel_url")
        fields = args.model_dump(exclude={"confirm", "customer", "cancel_url"})
        return await create(api, "stripe_create_payment_link", args, "payment link",
                            lambda key: api.create_payment_link(**fields, idempotency_key=key))
    if not args.redirect_url:
        raise InputError("needed with customer: the page the buyer returns to after paying, e.g. "
                         "https://example.com/thanks", "redirect_url")
    if args.max_completed_sessions is not None:
        raise InputError("only without customer (a checkout is paid once)", "max_completed_sessions")
    v.url(args.redirect_url, "redirect_url")
    if args.product:
        await api.get_price(args.price, product=args.product)  # the same check as for a link
    checkout = {"customer": args.customer, "price": args.price, "quantity": args.quantity,
                "success_url": args.redirect_url, "cancel_url": args.cancel_url, "metadata": args.metadata}
    return await create(api, "stripe_create_checkout_session", args, "checkout session",
                        lambda key: api.create_checkout_session(**checkout, idempotency_key=key))


class PaymentIntentInput(LiveConfirmInput):
    audit_exclude = frozenset({"customer"})  # may be an email
    refs: ClassVar[dict[str, RefKind]] = {"customer": "customer"}

    amount: int = Field(description=MINOR)
    currency: str = Field(description=CURRENCY)
    customer: str | None = Field(None, description=CUSTOMER)
    description: str | None = Field(None, description="Shown on receipts.")
    metadata: Metadata | None = None


@write_tool(toolset="payments", title="Create payment intent")
async def stripe_create_payment_intent(call: Call[StripeDeps], args: PaymentIntentInput) -> ObjectResult:
    """Create an unconfirmed payment intent for a custom amount (your own page confirms it)."""
    api = await stripe(call)
    fields = args.model_dump(exclude={"confirm"})
    return await create(api, "stripe_create_payment_intent", args, "payment intent",
                        lambda key: api.create_payment_intent(**fields, idempotency_key=key))


class HistoryInput(ToolInput):
    audit_exclude = frozenset({"customer"})  # may be an email

    customer: str = Field(description=CUSTOMER)
    limit: int = Field(20, ge=1, le=100)


class HistoryResult(StripeResult):
    customer: str
    customer_email: str = ""
    entries: list[dict[str, Any]]

    def summary(self) -> str:
        who = f"{self.customer} ({self.customer_email})" if self.customer_email else self.customer
        if not self.entries:
            return f"No payments for {who}."
        shown = "; ".join(f"{e['type'].replace('_', ' ')} {e['id']} {_amount(e)} {e.get('status', '')}".strip()
                          for e in self.entries[:10])
        return f"{plural(len(self.entries), 'entry', 'entries')} for {who}, newest first: {shown}"


def _amount(entry: dict[str, Any]) -> str:
    if isinstance(entry.get("amount"), int) and entry.get("currency"):
        return money(entry["amount"], entry["currency"])
    return ""


@TOOLBOX.tool(toolset="payments", title="Payment history", read_only=True, destructive=False,
              idempotent=True, open_world=True)
async def stripe_payment_history(call: Call[StripeDeps], args: HistoryInput) -> HistoryResult:
    """A customer's payments and invoices, newest first."""
    api = await stripe(call)
    customer = args.customer.strip()
    if not looks_like_id(customer):
        customer = await customer_id(api, customer, "customer")
    entries = await api.payment_history(customer, limit=args.limit)
    who = await api.retrieve("customers", customer)
    return HistoryResult(mode=api.mode, customer=customer, entries=entries,
                         customer_email=str(who.get("email") or who.get("name") or ""))


class DisputeInput(LiveConfirmInput):
    dispute: str = Field(description="dp_ id.")
    evidence: dict[str, str] | None = Field(None, description="E.g. uncategorized_text.")
    submit: bool = Field(False, description="Final; needs confirm.")
    confirm: bool = Field(False, description="Needed to submit, and with a live key.")


@write_tool(toolset="payments", title="Update dispute")
async def stripe_update_dispute(call: Call[StripeDeps], args: DisputeInput) -> ObjectResult:
    """Add evidence to a dispute (stripe_list kind=disputes), optionally submit it."""
    api = await stripe(call)
    if args.submit and not args.confirm:
        current = await api.retrieve("disputes", args.dispute)
        return preview(api, f"would submit the evidence for {args.dispute}; it cannot be changed after.", current)
    result = await api.update_dispute(args.dispute, evidence=args.evidence, submit=args.submit)
    return done(api, "submitted" if args.submit else "updated", result)
