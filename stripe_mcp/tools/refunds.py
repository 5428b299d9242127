"""Refunds: full or partial, always behind confirm=true."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from shared.errors import InputError
from shared.render import money
from shared.safety import ConfirmInput
from shared.tooling import Call
from stripe_mcp.client import validation as v
from stripe_mcp.deps import StripeDeps
from stripe_mcp.tools._common import ObjectResult, create, intent, preview, stripe, write_tool


class RefundInput(ConfirmInput):
    payment_intent: str | None = Field(None, description="pi_ id; or charge.")
    charge: str | None = Field(None, description="ch_ id.")
    amount: int | None = Field(None, description="Partial, minor units; omit = all that is left.")
    reason: Literal["duplicate", "fraudulent", "requested_by_customer"] | None = None


@write_tool(toolset="refunds", title="Refund a payment", destructive=True)
async def stripe_create_refund(call: Call[StripeDeps], args: RefundInput) -> ObjectResult:
    """Refund a succeeded payment fully or partly (stripe_payment_history finds it)."""
    api = await stripe(call)

    def make(key: str) -> Any:
        return api.create_refund(payment_intent=args.payment_intent, charge=args.charge, amount=args.amount,
                                 reason=args.reason, idempotency_key=key)

    if args.amount is not None:
        v.amount(args.amount)
    info = await api.refundable(payment_intent=args.payment_intent, charge=args.charge)

    def cash(minor: int) -> str:
        return money(minor, info["currency"])

    amount = args.amount if args.amount is not None else info["refundable"]
    it = intent("stripe_create_refund", args) if args.confirm else None
    if it is not None and it.repeat:
        # The same confirmed refund was asked for moments ago: its key returns that refund (or makes it, if the
        # earlier attempt never reached Stripe). Checking what is left would only see the refund itself.
        return await create(api, "stripe_create_refund", args, "refund", make, verb="refunded", it=it)
    if info["refundable"] <= 0:
        raise InputError(f"{info['charge']} has nothing left to refund ({cash(info['refunded'])} of "
                         f"{cash(info['captured'])} already refunded)",
                         "payment_intent" if args.payment_intent else "charge")
    if amount > info["refundable"]:
        raise InputError(f"{cash(amount)} is more than the {cash(info['refundable'])} still refundable "
                         f"(amount={info['refundable']} at most)", "amount")
    if not args.confirm:
        kind = "full" if amount == info["refundable"] else "partial"
        return preview(api, f"would refund {cash(amount)} ({kind}; {cash(info['refundable'])} refundable) "
                            f"of {info['charge']}.")
    return await create(api, "stripe_create_refund", args, "refund", make, verb="refunded", it=it)
