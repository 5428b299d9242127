"""Composite flows for seed Scenarios 2-4: a launch or event registration (segment, tiered links, reminders) and
a subscription lifecycle. Each previews without confirm=true (nothing written) and is safe to retry."""

from __future__ import annotations

from pydantic import Field

from orchestrator_mcp.config import Role
from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.flows.launch import Launch, LaunchRequest, LaunchResult, Tier
from orchestrator_mcp.flows.segments import Segment
from orchestrator_mcp.flows.subscription_setup import (
    Interval,
    SubscriptionRequest,
    SubscriptionResult,
    SubscriptionSetup,
)
from orchestrator_mcp.tools import TOOLBOX
from shared.safety import GatedResult
from shared.tooling import Call, ToolInput

CONFIRM = "Do it; without it only a preview (nothing written)."


class LaunchIn(ToolInput):
    name: str = Field(min_length=1, description="Launch campaign (created if missing).")
    product: str = Field(min_length=1, description="Product name or id (created if missing).")
    tiers: list[Tier] = Field(default_factory=list, description="Prices in order: early bird with a limit, then "
                                                                "regular. Default: product's price.")
    currency: str = "usd"
    where: dict[str, str] = Field(default_factory=dict, description="Lead field/custom variable = value, e.g. "
                                                                    "{\"industry\": \"SaaS\"}.")
    engaged_days: int | None = Field(None, ge=1, description="Opened/clicked/replied in the last N days.")
    from_campaigns: list[str] = Field(default_factory=list, description="Default: all but lifecycle ones.")
    steps: list[str] = Field(default_factory=list, description="Invite and reminders (first line = subject); "
                                                               "{{payment_link}} {{tier}} work.")
    registered_campaign: str | None = Field(None, description="Buyers go here (default '<name>: registered').")
    sender_accounts: list[str] | None = None
    confirm: bool = Field(False, description=CONFIRM)

    def request(self) -> LaunchRequest:
        segment = Segment(campaigns=self.from_campaigns, where=self.where, engaged_days=self.engaged_days)
        return LaunchRequest(**self.model_dump(exclude={"confirm", "where", "engaged_days", "from_campaigns"}),
                             segment=segment)


class LaunchOut(GatedResult, LaunchResult):
    def summary(self) -> str:
        tiers = "; ".join(f"{t.label} {t.price}" + (f" x{t.limit}" if t.limit else "") + f" {t.status}"
                          for t in self.tiers)
        head = f"{self.product} to {self.leads} leads via {self.campaign}: {tiers}."
        if not self.executed:
            return f"PREVIEW (nothing written): {head} Call again with confirm=true."
        return f"Launched {head}"


@TOOLBOX.tool(toolset="payments", title="Launch an offer or event", idempotent=True)
async def launch_offer(call: Call[OrchestratorDeps], args: LaunchIn) -> LaunchOut:
    """Product launch or event registration: chosen existing leads moved into a campaign with tiered payment
    links ({{payment_link}} switches tier when one sells out) and buyers moved out of the reminders. Run it again
    to see sales per tier."""
    deps = call.deps
    cfg = await deps.config()
    launch = Launch(args.request(), instantly=await deps.instantly_client(),
                    stripe_api=await deps.stripe_client(), store=await deps.store(),
                    exclude=set(cfg.campaign_roles.values()))
    if not args.confirm:
        plan, _ = await launch.plan()
        return LaunchOut.model_validate({**plan.model_dump(), "executed": False,
                                         "preview": f"{plan.leads} leads would be moved into {plan.campaign}."})
    result = await launch.run()
    return LaunchOut.model_validate({**result.model_dump(), "executed": True})


class SubscriptionIn(ToolInput):
    product: str = Field(min_length=1, description="Plan name or product id (created if missing).")
    amount: int | None = Field(None, gt=0, description="Minor units (4900 = $49.00); default: existing price.")
    currency: str = "usd"
    interval: Interval = "month"
    roles: dict[Role, str | list[str]] = Field(
        min_length=1, description="Role -> campaign name, or step texts to create it.")
    sender_accounts: list[str] | None = None
    confirm: bool = Field(False, description=CONFIRM)


class SubscriptionOut(GatedResult, SubscriptionResult):
    def summary(self) -> str:
        roles = "; ".join(f"{r.role} -> {r.campaign}" for r in self.roles)
        if not self.executed:
            return f"PREVIEW (nothing written): {self.product} at {self.price}; {roles}. Call again with confirm=true."
        return f"{self.product} at {self.price}, link {self.payment_link}; {roles}."


@TOOLBOX.tool(toolset="lifecycle", title="Set up a subscription lifecycle", idempotent=True)
async def setup_subscription_lifecycle(call: Call[OrchestratorDeps], args: SubscriptionIn) -> SubscriptionOut:
    """Subscription plan: product, recurring price, payment link, and lifecycle campaigns (created from step texts
    if missing) that Stripe events then drive; the result says which event drives which."""
    deps = call.deps
    setup = SubscriptionSetup(SubscriptionRequest(**args.model_dump(exclude={"confirm"})),
                              instantly=await deps.instantly_client(), stripe_api=await deps.stripe_client(),
                              store=await deps.store())
    if not args.confirm:
        plan = await setup.plan()
        return SubscriptionOut.model_validate({**plan.model_dump(), "executed": False,
                                               "preview": "would set up the plan and its lifecycle campaigns"})
    result = await setup.run()
    return SubscriptionOut.model_validate({**result.model_dump(), "executed": True})
