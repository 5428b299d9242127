"""Refunds: full or partial, always behind confirm=true."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.errors import InputError
from shared.safety import ConfirmInput
from shared.tooling import Call
from stripe_mcp.client import validation as v
from stripe_mcp.deps import StripeDeps
from stripe_mcp.tools import TOOLBOX
from stripe_mcp.tools._common import ObjectResult, done, preview, stripe


class RefundInput(ConfirmInput):
    payment_intent: str | None = Field(None, description="pi_ to refund; or charge.")
    charge: str | None = Field(None, description="ch_ to refund.")
    amount: int | None = Field(None, description="Partial, minor units; omit = all.")
    reason: Literal["duplicate", "fraudulent", "requested_by_customer"] | None = Field(
        None, description="Why.")


@TOOLBOX.tool(toolset="refunds", title="Refund a payment", read_only=False, destructive=True, idempotent=False,
              open_world=True)
async def stripe_create_refund(call: Call[StripeDeps], args: RefundInput) -> ObjectResult:
    """Refund a payment fully or partly."""
    api = await stripe(call)
    if args.amount is not None:
        v.amount(args.amount)
    info = await api.refundable(payment_intent=args.payment_intent, charge=args.charge)
    amount = args.amount if args.amount is not None else info["refundable"]
    if info["refundable"] <= 0:
        raise InputError(f"{info['charge']} has nothing left to refund ({info['refunded']} of {info['captured']} "
                         f"{info['currency']} already refunded)", "payment_intent" if args.payment_intent else "charge")
    if amount > info["refundable"]:
        raise InputError(f"{amount} is more than the {info['refundable']} {info['currency']} still refundable",
                         "amount")
    if not args.confirm:
        kind = "full" if amount == info["refundable"] else "partial"
        return preview(api, f"would refund {amount} {info['currency']} ({kind}; {info['refundable']} refundable) "
                            f"of {info['charge']}.")
    refund = await api.create_refund(payment_intent=args.payment_intent, charge=args.charge, amount=args.amount,
                                     reason=args.reason)
    return done(api, "refunded", refund)
