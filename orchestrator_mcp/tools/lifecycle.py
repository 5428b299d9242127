"""Lifecycle tools: post-purchase, dunning, renewal, win-back and upsell sequences, and their configuration."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from orchestrator_mcp.config import PipelineConfig, Role, save_config
from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.flows.common import Step
from orchestrator_mcp.flows.lifecycle import start_lifecycle
from orchestrator_mcp.scoring import ScoringWeights
from orchestrator_mcp.tools import TOOLBOX
from orchestrator_mcp.tools.live import live_blocked
from shared.errors import InputError, NotFound
from shared.store import Contact
from shared.tooling import Call, ToolInput, ToolResult

Scalar = str | int | float | bool | None


class Who(ToolInput):
    customer_id: str | None = Field(None, description="Stripe customer id (cus_...).")
    email: str | None = Field(None, description="Contact email (or give customer_id).")

    @model_validator(mode="after")
    def _one(self) -> Who:
        if not (self.customer_id or self.email):
            raise ValueError("give customer_id or email")
        return self


async def find_contact(deps: OrchestratorDeps, who: Who) -> Contact:
    store = await deps.store()
    contact = None
    if who.customer_id:
        contact = await store.get_contact(customer_id=who.customer_id)
        if contact is None:
            customer = await (await deps.stripe_client()).get_customer(who.customer_id)
            if customer.get("email"):
                contact = await store.upsert_contact(customer["email"], stripe_customer_id=who.customer_id)
    elif who.email:
        contact = await store.get_contact(email=who.email) or await store.upsert_contact(who.email)
    if contact is None:
        raise NotFound("Stripe", f"customer {who.customer_id} has no email to match a lead", status=404)
    return contact


class LifecycleOut(ToolResult):
    role: str
    campaign_id: str
    email: str
    lead_id: str | None
    action: str = Field(description="moved, created, updated or skipped.")
    steps: list[Step]

    def summary(self) -> str:
        return f"{self.email}: {self.action} into the {self.role} campaign {self.campaign_id}."


async def _start(deps: OrchestratorDeps, role: Role, who: Who, variables: dict[str, Any]) -> LifecycleOut:
    contact = await find_contact(deps, who)
    result = await start_lifecycle(role, contact, variables, cfg=await deps.config(),
                                   instantly=await deps.instantly_client(), store=await deps.store())
    return LifecycleOut.model_validate(result.model_dump())


class PostPurchase(Who):
    product_name: str | None = Field(None, description="What was bought.")
    amount: int | None = Field(None, ge=0, description="Amount paid, minor units.")
    currency: str | None = Field(None, description="Currency code, e.g. usd.")
    variables: dict[str, Scalar] = Field(default_factory=dict, description="More personalization variables.")


@TOOLBOX.tool(toolset="lifecycle", title="Start post-purchase sequence", idempotent=True)
async def trigger_post_purchase_sequence(call: Call[OrchestratorDeps], args: PostPurchase) -> LifecycleOut:
    """Add or move the customer's lead into the configured post-purchase campaign, with purchase variables."""
    variables = {**args.variables, "product_name": args.product_name, "amount_paid": args.amount,
                 "currency": args.currency.upper() if args.currency else None}
    return await _start(call.deps, "post_purchase", args, {k: v for k, v in variables.items() if v is not None})


class Lifecycle(Who):
    role: Role = Field(description="Which configured campaign: post_purchase, dunning, renewal, win_back, upsell.")
    variables: dict[str, Scalar] = Field(default_factory=dict, description="Personalization variables for the lead.")


@TOOLBOX.tool(toolset="lifecycle", title="Start lifecycle sequence", idempotent=True)
async def start_lifecycle_sequence(call: Call[OrchestratorDeps], args: Lifecycle) -> LifecycleOut:
    """Put a contact's lead into the campaign configured for a lifecycle role (dunning, renewal, win-back,
    upsell, post-purchase). Bounced or unsubscribed contacts are skipped."""
    return await _start(call.deps, args.role, args, dict(args.variables))


class Configure(ToolInput):
    campaign_roles: dict[Role, str | None] | None = Field(
        None, description="Role -> Instantly campaign id; null removes a role.")
    auto_payment_flow: bool | None = Field(
        None, description="Send a payment link automatically when a lead is marked interested or books a meeting.")
    campaign_prices: dict[str, str | None] | None = Field(
        None, description="Campaign id -> Stripe price id for automatic links; null removes.")
    default_price_id: str | None = Field(None, description="Price for automatic links when a campaign has none.")
    scoring: ScoringWeights | None = Field(None, description="Lead-scoring weights (replaces all of them).")
    max_links_per_run: int | None = Field(None, ge=1, description="Cap on links one bulk conversion creates.")
    confirm: bool = Field(False, description="Needed with a live Stripe key to turn automatic payment links on or "
                                             "change their prices (consent to the live links the rules create).")


class ConfigOut(ToolResult, PipelineConfig):
    executed: bool = Field(True, description="False for a preview: nothing was changed.")
    note: str | None = None

    def summary(self) -> str:
        roles = ", ".join(f"{r}={c}" for r, c in self.campaign_roles.items()) or "none"
        head = "PREVIEW (nothing changed): " if not self.executed else ""
        tail = f" {self.note}" if self.note else ""
        return (f"{head}Campaign roles: {roles}. Automatic payment links: "
                f"{'on' if self.auto_payment_flow else 'off'}.{tail}")


@TOOLBOX.tool(toolset="lifecycle", title="Configure pipeline", idempotent=True, open_world=False)
async def configure_pipeline(call: Call[OrchestratorDeps], args: Configure) -> ConfigOut:
    """Show or change the pipeline configuration: which campaign plays each lifecycle role, automatic payment
    links on interest, prices per campaign, scoring weights and caps. Call with no arguments to read it."""
    store = await call.deps.store()
    cfg = await call.deps.config()
    before = cfg.model_copy(deep=True)
    if args.campaign_roles is not None:
        for role, campaign in args.campaign_roles.items():
            if campaign:
                cfg.campaign_roles[role] = campaign
            else:
                cfg.campaign_roles.pop(role, None)
    if args.campaign_prices is not None:
        for campaign, price in args.campaign_prices.items():
            if price and not price.startswith("price_"):
                raise InputError(f"{price!r} is not a Stripe price id (price_...)", "campaign_prices")
            if price:
                cfg.campaign_prices[campaign] = price
            else:
                cfg.campaign_prices.pop(campaign, None)
    for name in ("auto_payment_flow", "default_price_id", "scoring", "max_links_per_run"):
        value = getattr(args, name)
        if value is not None:
            setattr(cfg, name, value)
    # Automatic links are live Stripe writes made later by the rules: with a live key, turning them on (or
    # changing what they charge while on) is the consent, so it needs confirm=true like every live write.
    arms_links = cfg.auto_payment_flow and (not before.auto_payment_flow or (
        cfg.campaign_prices, cfg.default_price_id) != (before.campaign_prices, before.default_price_id))
    if arms_links and await live_blocked(call.deps, args.confirm):
        return ConfigOut.model_validate({
            **before.model_dump(), "executed": False,
            "note": "With a live Stripe key, automatic payment links create real links and customers: call again "
                    "with confirm=true to turn them on (or change their prices). Nothing was changed."})
    await save_config(store, cfg)
    return ConfigOut.model_validate(cfg.model_dump())
