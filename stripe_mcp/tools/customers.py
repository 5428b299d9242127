"""Customer writes: one tool creates or updates (reads go through stripe_get / stripe_list)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from shared.tooling import Call
from stripe_mcp.deps import StripeDeps
from stripe_mcp.tools._common import LiveConfirmInput, Metadata, ObjectResult, create, done, stripe, write_tool
from stripe_mcp.tools.resolve import RefKind


class SaveCustomerInput(LiveConfirmInput):
    audit_exclude = frozenset({"customer", "email", "name", "phone"})  # personal data stays out of the audit log
    refs: ClassVar[dict[str, RefKind]] = {"customer": "customer"}

    customer: str | None = Field(None, description="Id or email to update; omit to create.")
    email: str | None = None
    name: str | None = None
    phone: str | None = None
    description: str | None = Field(None, description="Internal note.")
    metadata: Metadata | None = Field(None, description="'' removes a key.")


@write_tool(toolset="customers", title="Save customer")
async def stripe_save_customer(call: Call[StripeDeps], args: SaveCustomerInput) -> ObjectResult:
    """Create a customer, or update one. Stripe allows duplicate emails: check stripe_list first."""
    api = await stripe(call)
    fields = args.model_dump(exclude={"customer", "confirm"})
    if args.customer:
        return done(api, "updated", await api.update_customer(args.customer, **fields))
    return await create(api, "stripe_save_customer", args, "customer",
                        lambda key: api.create_customer(**fields, idempotency_key=key))
