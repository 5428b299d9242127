"""Composite flows for the seed scenarios: a campaign that sells (outreach with a price, a launch or an event
registration: leads, tiered links, reminders) and a subscription lifecycle. Each previews without confirm=true
(nothing written) and is safe to retry."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema

from instantly_mcp.tools.campaign_spec import SCHEDULE_SCHEMA, SETTINGS_SCHEMA, Schedule, Step
from instantly_mcp.tools.leads_import import LeadIn
from orchestrator_mcp.config import Role
from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.flows.common import Interval
from orchestrator_mcp.flows.launch import Launch, LaunchRequest, LaunchResult
from orchestrator_mcp.flows.launch_run import run_launch
from orchestrator_mcp.flows.launch_tiers import Tier
from orchestrator_mcp.flows.segments import Segment
from orchestrator_mcp.flows.subscription_setup import (
    SubscriptionRequest,
    SubscriptionResult,
    SubscriptionSetup,
)
from orchestrator_mcp.tools import TOOLBOX
from shared.render import plural
from shared.safety import GatedResult
from shared.tooling import Call, ToolInput

CONFIRM = "Do it; without it only a preview (nothing written)."


_LEADS = WithJsonSchema({"type": "array", "items": {"type": "object"}, "description": (
    "New leads: [{email, first_name, last_name, company_name, website, personalization, custom_variables: "
    "{icebreaker, ...}}].")})
_STEPS = WithJsonSchema({"type": "array", "items": {"type": ["string", "object"]}, "description": (
    "Emails in order: text (first line = subject; one line = same thread) or {subject, body, delay, delay_unit, "
    "variants}. {{payment_link}} {{payment_amount}} {{product_name}} {{tier}}, lead variables work.")})


class LaunchIn(ToolInput):
    name: str = Field(min_length=1, description="Campaign (created if missing).")
    product: str = Field(min_length=1, description="Product name or id, or a price id (created if missing).")
    tiers: list[Tier] = Field(default_factory=list, description="Prices in order, e.g. early bird with a limit, "
                                                                "then regular. Default: product's price.")
    currency: str = "usd"
    interval: Interval | None = Field(None, description="Recurring prices.")
    leads: Annotated[list[LeadIn], _LEADS] = Field(default_factory=list)
    where: dict[str, str] = Field(default_factory=dict, description="Existing leads: field/custom variable = "
                                                                    "value, e.g. {\"industry\": \"SaaS\"}.")
    engaged_days: int | None = Field(None, ge=1, description="Existing leads that opened/clicked/replied lately.")
    from_campaigns: list[str] = Field(default_factory=list, description="Existing leads' campaigns (default: all "
                                                                        "but lifecycle ones).")
    skip_leads_in_other_campaigns: bool = False
    steps: Annotated[list[str | Step], _STEPS] = Field(default_factory=list)
    schedule: Annotated[Schedule | None, SCHEDULE_SCHEMA] = None
    settings: Annotated[dict[str, Any] | None, SETTINGS_SCHEMA] = None
    sender_accounts: list[str] | None = None
    link_on: Literal["now", "engagement"] = Field("now", description=(
        "now: tier links in every lead; engagement: a personal link once interested (one price)."))
    registered_campaign: str | None = Field(None, description="link_on now: buyers go here (default '<name>: "
                                                              "registered').")
    activate: bool = Field(True, description="Start sending once it has leads.")
    confirm: bool = Field(False, description=CONFIRM)

    def request(self) -> LaunchRequest:
        # only new leads given: no segment of existing ones (else every lead would be taken)
        chosen = bool(self.where or self.engaged_days or self.from_campaigns) or not self.leads
        segment = Segment(campaigns=self.from_campaigns, where=self.where, engaged_days=self.engaged_days) \
            if chosen else None
        return LaunchRequest(**dict(self), segment=segment)


class LaunchOut(GatedResult, LaunchResult):
    def summary(self) -> str:
        tiers = "; ".join(f"{t.label} {t.price}" + (f" x{t.limit}" if t.limit else "") + f" {t.status}"
                          for t in self.tiers)
        new = f" ({self.new_leads} new)" if self.new_leads else ""
        head = f"{self.product} to {plural(self.leads, 'lead')}{new} via {self.campaign}: {tiers}."
        if not self.executed:
            return f"PREVIEW (nothing written): {head} Call again with confirm=true."
        return f"Launched {head} Campaign {self.campaign_status}."


@TOOLBOX.tool(toolset="payments", title="Campaign selling an offer", idempotent=True)
async def launch_offer(call: Call[OrchestratorDeps], args: LaunchIn) -> LaunchOut:
    """A campaign that sells: product and prices (tiers: early bird for the first N buyers, then regular), new
    leads and/or existing ones chosen by fields and engagement, steps, and payment links in {{payment_link}}
    (a sold-out tier switches; buyers leave the reminders). Product launch, event registration, outreach with
    a price. Sending needs a connected account. Run again to see sales per tier."""
    deps = call.deps
    cfg = await deps.config()
    launch = Launch(args.request(), instantly=await deps.instantly_client(),
                    stripe_api=await deps.stripe_client(), store=await deps.store(),
                    exclude=set(cfg.campaign_roles.values()))
    if not args.confirm:
        plan, _ = await launch.plan()
        return LaunchOut.model_validate({**plan.model_dump(), "executed": False,
                                         "preview": f"{plan.leads} leads would be in {plan.campaign}."})
    result = await run_launch(launch, call.progress)
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
