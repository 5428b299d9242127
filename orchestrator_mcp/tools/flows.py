"""Composite flows for the seed scenarios: a campaign that sells (outreach with a price, a launch or an event
registration: leads, tiered links, reminders) and a subscription lifecycle. Each previews without confirm=true
(nothing written) and is safe to retry."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema

from instantly_mcp.tools.campaign_spec import Schedule, Step
from instantly_mcp.tools.leads_import import LeadIn
from orchestrator_mcp.config import Role
from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.flows.common import Interval
from orchestrator_mcp.flows.launch import Launch, LaunchRequest, LaunchResult, text_step
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

CONFIRM = "Do it (else a preview, nothing written)."


# Compact published schemas for the nested inputs, validated by the full models all the same (B5 budget).
_LEADS = WithJsonSchema({"type": "array", "items": {"type": "object"}, "description": (
    "New leads: [{email, first_name, company_name, ..., custom_variables}] as in instantly_import_leads.")})
_SEGMENT = WithJsonSchema({"type": "object", "description": (
    "Existing leads: {where: {field or custom variable: value}, engaged_days: N (opened, clicked or replied), "
    "campaigns: [...] (default: all but lifecycle ones)}.")})
_TIERS = WithJsonSchema({"type": "array", "items": {"type": "object"}, "description": (
    "[{label, amount (minor units), limit (buyers)}] in order, e.g. early bird, then regular. Default: the "
    "product's price.")})
_STEPS = WithJsonSchema({"type": "array", "items": {"type": ["string", "object"]}, "description": (
    "Texts (first line = subject) or {subject, body, delay, variants}; {{payment_link}}, {{tier}}, lead "
    "variables work.")})
_SCHEDULE = WithJsonSchema({"type": "object", "description": (
    "{timezone, days, send_from, send_to, start_date, end_date} as in instantly_save_campaign.")})
_SETTINGS = WithJsonSchema({"type": "object", "description": "Instantly campaign fields, e.g. daily_limit."})


def _texts(value: Any) -> Any:
    """Step texts become steps before validation, so a wrong key in a full step is named as such (a union of
    text and step would report a miss against both)."""
    if not isinstance(value, list):
        return value
    return [text_step(x, first=i == 0) if isinstance(x, str) else x for i, x in enumerate(value)]


class LaunchIn(ToolInput):
    name: str = Field(min_length=1, description="Campaign (created if missing).")
    product: str = Field(min_length=1, description="Product name or id, or a price id.")
    tiers: Annotated[list[Tier], _TIERS] = Field(default_factory=list)
    currency: str = "usd"
    interval: Interval | None = Field(None, description="Recurring.")
    leads: Annotated[list[LeadIn], _LEADS] = Field(default_factory=list)
    segment: Annotated[Segment | None, _SEGMENT] = None
    skip_leads_in_other_campaigns: bool = False
    steps: Annotated[list[Step], BeforeValidator(_texts), _STEPS] = Field(default_factory=list)
    schedule: Annotated[Schedule | None, _SCHEDULE] = None
    settings: Annotated[dict[str, Any] | None, _SETTINGS] = None
    sender_accounts: list[str] | None = None
    link_on: Literal["now", "engagement"] = Field("now", description=(
        "engagement: a personal link once interested (one price)."))
    registered_campaign: str | None = Field(None, description="Buyers' campaign (now).")
    activate: bool = True
    confirm: bool = Field(False, description=CONFIRM)

    def request(self) -> LaunchRequest:
        return LaunchRequest(**dict(self))


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
    """A campaign that sells (launch, event, offer): product, price tiers (a sold-out tier's link switches), new
    and/or existing leads, steps; a link reaches a lead only if a step uses {{payment_link}}. Sends once it has
    leads and a sending account. Rerun: sales per tier."""
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
    amount: int | None = Field(None, gt=0, description="Minor units; default: the existing price.")
    currency: str = "usd"
    interval: Interval = "month"
    roles: Annotated[dict[Role, str | list[str]], WithJsonSchema({"type": "object", "description": (
        "{post_purchase|dunning|renewal|win_back|upsell: campaign name, or step texts to create it}")})] = Field(
        min_length=1)
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
    """Subscription plan: product, recurring price, payment link, and the lifecycle campaigns (created from step
    texts if missing) that Stripe events drive; says which event drives which."""
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
