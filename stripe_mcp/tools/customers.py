"""Customer writes: one tool creates or updates (reads go through stripe_get / stripe_list)."""

from __future__ import annotations

from pydantic import Field

from shared.tooling import Call, ToolInput
from stripe_mcp.deps import StripeDeps
from stripe_mcp.tools import TOOLBOX
from stripe_mcp.tools._common import META, Metadata, ObjectResult, done, stripe


class SaveCustomerInput(ToolInput):
    audit_exclude = frozenset({"email", "name", "phone"})  # personal data stays out of the audit log

    customer: str | None = Field(None, description="cus_ id to update; omit to create.")
    email: str | None = Field(None, description="Email address.")
    name: str | None = Field(None, description="Person or company name.")
    phone: str | None = Field(None, description="Phone number.")
    description: str | None = Field(None, description="Internal note.")
    metadata: Metadata | None = Field(None, description=META + " '' removes a key.")


@TOOLBOX.tool(toolset="customers", title="Create or update customer", read_only=False, destructive=False,
              idempotent=False, open_world=True)
async def stripe_save_customer(call: Call[StripeDeps], args: SaveCustomerInput) -> ObjectResult:
    """Create a customer, or update one by id. Check stripe_list by email first: no duplicates."""
    api = await stripe(call)
    fields = args.model_dump(exclude={"customer"})
    if args.customer:
        return done(api, "updated", await api.update_customer(args.customer, **fields))
    return done(api, "created", await api.create_customer(**fields))
