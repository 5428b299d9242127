"""Customer writes: one tool creates or updates (reads go through stripe_get / stripe_list)."""

from __future__ import annotations

from pydantic import Field

from shared.tooling import Call
from stripe_mcp.deps import StripeDeps
from stripe_mcp.tools._common import META, LiveConfirmInput, Metadata, ObjectResult, create, done, stripe, write_tool


class SaveCustomerInput(LiveConfirmInput):
    audit_exclude = frozenset({"email", "name", "phone"})  # personal data stays out of the audit log

    customer: str | None = Field(None, description="cus_ id to update; omit to create.")
    email: str | None = Field(None, description="Email address.")
    name: str | None = Field(None, description="Person or company name.")
    phone: str | None = Field(None, description="Phone number.")
    description: str | None = Field(None, description="Internal note.")
    metadata: Metadata | None = Field(None, description=META + " '' removes a key.")


@write_tool(toolset="customers", title="Create or update customer")
async def stripe_save_customer(call: Call[StripeDeps], args: SaveCustomerInput) -> ObjectResult:
    """Create a customer, or update one by id. Check stripe_list by email first: no duplicates."""
    api = await stripe(call)
    fields = args.model_dump(exclude={"customer", "confirm"})
    if args.customer:
        return done(api, "updated", await api.update_customer(args.customer, **fields))
    return await create(api, "stripe_save_customer", args, "customer",
                        lambda key: api.create_customer(**fields, idempotency_key=key))
