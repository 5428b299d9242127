"""Lifecycle tools: a contact into the campaign of a lifecycle role, and the pipeline configuration."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, WithJsonSchema, model_validator

from orchestrator_mcp.config import PipelineConfig, Role, save_config
from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.flows.common import Step
from orchestrator_mcp.flows.lifecycle import start_lifecycle
from orchestrator_mcp.scoring import ScoringWeights
from orchestrator_mcp.tools import TOOLBOX
from orchestrator_mcp.tools.live import live_blocked
from orchestrator_mcp.tools.resolve import Resolver, label
from orchestrator_mcp.tools.contacts import STATUSES
from shared.errors import InputError, NotFound, describe
from shared.store import Contact
from shared.tooling import Call, ToolInput, ToolResult

Scalar = str | int | float | bool | None


class Who(ToolInput):
    email: str | None = Field(None, description="Or a Stripe customer id.")

    @model_validator(mode="after")
    def _one(self) -> Who:
        if not (self.email or getattr(self, "emails", None) or getattr(self, "status", None)):
            raise ValueError("give email (or a Stripe customer id: one contact), or emails or status (a group)")
        return self

    @property
    def customer_id(self) -> str | None:
        return self.email if self.email and self.email.startswith("cus_") else None


async def find_contact(deps: OrchestratorDeps, who: Who) -> Contact:
    store = await deps.store()
    contact = None
    if who.customer_id:
        contact = await store.get_contact(customer_id=who.customer_id)
        if contact is None:
            customer = await (await deps.stripe_client()).get_customer(who.customer_id)
            if customer.get("email"):
                contact = await store.upsert_contact(customer["email"], stripe_customer_id=who.customer_id)
    elif who.email:  # an email address
        contact = await store.get_contact(email=who.email) or await store.upsert_contact(who.email)
    if contact is None:
        raise NotFound("Stripe", f"customer {who.customer_id} has no email to match a lead", status=404)
    return contact


class GroupMember(ToolResult):
    email: str
    action: str = Field(description="moved, created, updated, skipped, failed, or planned (a preview).")
    error: str | None = None


class LifecycleOut(ToolResult):
    role: str
    campaign_id: str
    campaign: str = Field("", description="The role's campaign, name and id.")
    email: str = Field(description="The contact; for a group, how many.")
    lead_id: str | None = None
    action: str = Field(description="moved, created, updated or skipped; for a group: done or preview.")
    steps: list[Step] = Field(default_factory=list)
    executed: bool = True
    group: list[GroupMember] = Field(default_factory=list, description="A group's contacts (first 50).")

    def summary(self) -> str:
        where = f"the {self.role.replace('_', '-')} campaign {self.campaign or self.campaign_id}"
        if not self.executed:
            return f"PREVIEW (nothing written): {self.email} would go into {where}. Call again with confirm=true."
        if self.group or self.action == "done":
            counts: dict[str, int] = {}
            for m in self.group:
                counts[m.action] = counts.get(m.action, 0) + 1
            return f"{self.email} into {where}: " + ", ".join(f"{n} {a}" for a, n in sorted(counts.items())) + "."
        return f"{self.email}: {self.action} into {where}."


class Lifecycle(Who):
    emails: list[str] | None = Field(None, max_length=1000, description="Or a group: these contacts.")
    status: Annotated[STATUSES | None, WithJsonSchema({"type": "string", "description": (
        "Or a group: all contacts in this status, e.g. customer.")})] = None
    role: Role
    variables: Annotated[dict[str, Scalar], WithJsonSchema({"type": "object", "description": (
        "Lead variables, e.g. product_name, amount_paid.")})] = Field(default_factory=dict)
    confirm: bool = Field(False, description="A group: do it (else a preview).")


GROUP_SHOWN = 50


async def _group(call: Call[OrchestratorDeps], args: Lifecycle, variables: dict[str, Scalar]) -> LifecycleOut:
    """A lifecycle sequence for a group: previewed first, then each contact in turn (each is idempotent, so a
    retried call skips those already in the campaign)."""
    deps = call.deps
    store, cfg = await deps.store(), await deps.config()
    campaign_id = cfg.campaign_roles.get(args.role)
    if not campaign_id:
        raise InputError(f"no campaign has the {args.role} role yet: set one with configure_pipeline "
                         f"(campaign_roles) or setup_subscription_lifecycle", "role")
    emails: list[str] = list(dict.fromkeys(e.strip().lower() for e in args.emails or [] if e.strip()))
    if args.status:
        after = None
        while batch := await store.list_contacts(conversion_status=args.status, limit=500, after_id=after):
            emails += [c.email for c in batch if c.email not in emails]
            after = batch[-1].id
    name = await Resolver(deps).campaign_name(campaign_id)
    base = {"role": args.role, "campaign_id": campaign_id, "campaign": name,
            "email": f"{len(emails)} contact{'s' if len(emails) != 1 else ''}"}
    if not args.confirm:  # a preview reads only: contacts not yet in the store are not created
        return LifecycleOut(**base, action="preview", executed=False,
                            group=[GroupMember(email=e, action="planned") for e in emails[:GROUP_SHOWN]])
    contacts: list[Contact] = [await store.get_contact(email=e) or await store.upsert_contact(e) for e in emails]
    instantly = await deps.instantly_client()
    members: list[GroupMember] = []
    for i, contact in enumerate(contacts, 1):
        try:
            done = await start_lifecycle(args.role, contact, variables, cfg=cfg, instantly=instantly, store=store)
            members.append(GroupMember(email=contact.email, action=done.action))
        except Exception as exc:  # noqa: BLE001 - one contact's failure is reported, the rest go on
            members.append(GroupMember(email=contact.email, action="failed", error=describe(exc)))
        await call.progress(i, len(contacts), contact.email)
    failed = [m for m in members if m.action == "failed"]
    shown = failed[:GROUP_SHOWN] + [m for m in members if m.action != "failed"][:max(0, GROUP_SHOWN - len(failed))]
    out = LifecycleOut(**base, action="done", group=shown)
    counts = {a: sum(m.action == a for m in members) for a in {m.action for m in members}}
    out.steps = [Step(step=f"contacts {a}", outcome="done", detail=str(n)) for a, n in sorted(counts.items())]
    return out


@TOOLBOX.tool(toolset="lifecycle", title="Start lifecycle sequence", idempotent=True)
async def start_lifecycle_sequence(call: Call[OrchestratorDeps], args: Lifecycle) -> LifecycleOut:
    """Put a contact's lead, or a group's (previewed first), into a role's campaign (configure_pipeline). Events
    do it by themselves (payment, failed renewal, cancellation)."""
    variables = dict(args.variables)
    if isinstance(variables.get("currency"), str):
        variables["currency"] = str(variables["currency"]).upper()
    if args.emails or args.status:
        return await _group(call, args, variables)
    contact = await find_contact(call.deps, args)
    result = await start_lifecycle(args.role, contact, variables, cfg=await call.deps.config(),
                                   instantly=await call.deps.instantly_client(), store=await call.deps.store())
    out = LifecycleOut.model_validate(result.model_dump())
    out.campaign = await Resolver(call.deps).campaign_name(out.campaign_id) if out.campaign_id else ""
    return out


class Configure(ToolInput):
    campaign_roles: Annotated[dict[Role, str | None] | None, WithJsonSchema({"type": "object", "description": (
        "{post_purchase|dunning|renewal|win_back|upsell: campaign, or null to remove}")})] = None
    auto_payment_flow: bool | None = None
    campaign_prices: dict[str, str | None] | None = Field(None, description="Campaign -> price; null removes.")
    default_price_id: str | None = None
    scoring: Annotated[ScoringWeights | None, WithJsonSchema({"type": "object", "description": (
        "open, max_opens, click, max_clicks, reply, interested, meeting_booked, not_interested, half_life_days "
        "(all)")})] = None
    max_links_per_run: int | None = Field(None, ge=1)
    confirm: bool = Field(False, description="Live key: to turn links on or change prices.")


class ConfigOut(ToolResult, PipelineConfig):
    names: dict[str, str] = Field(default_factory=dict, description="Campaign id -> name.")
    executed: bool = Field(True, description="False for a preview: nothing was changed.")
    note: str | None = None

    def summary(self) -> str:
        roles = ", ".join(f"{r}={label(self.names.get(c), c)}" for r, c in self.campaign_roles.items()) or "none"
        head = "PREVIEW (nothing changed): " if not self.executed else ""
        tail = f" {self.note}" if self.note else ""
        return (f"{head}Campaign roles: {roles}. Automatic payment links: "
                f"{'on' if self.auto_payment_flow else 'off'}.{tail}")


@TOOLBOX.tool(toolset="lifecycle", title="Configure pipeline", idempotent=True)
async def configure_pipeline(call: Call[OrchestratorDeps], args: Configure) -> ConfigOut:
    """Show (no arguments) or set the automation: campaign per lifecycle role, automatic payment links on
    interest (reach a lead only if a step uses {{payment_link}}), price per campaign, scoring."""
    store = await call.deps.store()
    cfg = await call.deps.config()
    before = cfg.model_copy(deep=True)
    names = Resolver(call.deps)
    if args.campaign_roles is not None:
        for role, campaign in args.campaign_roles.items():
            if campaign:
                cfg.campaign_roles[role] = await names.campaign(campaign, f"campaign_roles.{role}") or campaign
            else:
                cfg.campaign_roles.pop(role, None)
    if args.campaign_prices is not None:
        for ref, price in args.campaign_prices.items():
            campaign = await names.campaign(ref, f"campaign_prices[{ref!r}]") or ref
            if price:
                cfg.campaign_prices[campaign] = await names.price(price, f"campaign_prices[{ref!r}]") or price
            else:
                cfg.campaign_prices.pop(campaign, None)
    if args.default_price_id:
        cfg.default_price_id = await names.price(args.default_price_id, "default_price_id")
    for name in ("auto_payment_flow", "scoring", "max_links_per_run"):
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
    out = ConfigOut.model_validate(cfg.model_dump())
    if cfg.campaign_roles or cfg.campaign_prices:
        try:
            known = await names.campaigns()
        except Exception:  # noqa: BLE001 - names are a courtesy in the result
            known = {}
        out.names = {c: known[c] for c in {*cfg.campaign_roles.values(), *cfg.campaign_prices} if c in known}
    return out
