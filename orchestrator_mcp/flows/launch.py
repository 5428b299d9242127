"""A campaign that sells something, in one flow: seed Scenario 1 (a campaign with payment links for new leads),
Scenario 2 (a product launch) and Scenario 4 (an event or course registration).

- Who: new leads (`leads`, imported) and/or a segment of existing leads chosen by fields, custom variables and
  recent engagement (moved in without retyping them).
- What: a product at one price or in tiers (early bird for the first N buyers, then regular), one-off or
  recurring.
- How the link reaches a lead (`link_on`):
  - `now`: one payment link per tier, limited to the tier's buyers; each lead's {{payment_link}} is set to the
    tier on sale. Stripe's checkout.session.completed then drives what follows (events/tiers.py): the buyer
    moves to a "registered" campaign so the reminders stop, and a sold-out tier switches every lead's link.
  - `engagement`: a personal link (and Stripe customer) when a lead is marked interested or books a meeting,
    through the pipeline's automatic payment flow; a payment then starts the post_purchase role's campaign.

Safe to retry: the state of one launch (keyed by its name, product and tiers) is kept in the store after every
write, Stripe writes carry idempotency keys derived from the operation, and campaigns are found by name first.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from instantly_mcp.client import InstantlyClient
from instantly_mcp.tools.campaign_spec import CampaignFields, Schedule, Step as CampaignStep, create_body
from instantly_mcp.tools.leads_import import LeadIn
from orchestrator_mcp.flows.common import Interval, Step, op_key
from orchestrator_mcp.flows.launch_leads import SkippedLead, add_reasons, emails_of, sort_new
from orchestrator_mcp.flows.launch_tiers import Tier, TierOut, tier_status
from orchestrator_mcp.flows.segments import (
    Member,
    Segment,
    all_leads,
    campaigns_by_name,
    find_campaign,
    select,
)
from shared.errors import InputError
from shared.render import money

if TYPE_CHECKING:
    from shared.store import Store
    from stripe_mcp.client.api import StripeApi

DEFAULT_STEPS = [
    "{{firstName}}, {{product_name}} is open\nHi {{firstName}},\n{{product_name}} is here: {{payment_amount}} "
    "({{tier}}). Get yours: {{payment_link}}",
    "A reminder, {{firstName}}: {{product_name}} at {{payment_amount}} ({{tier}}): {{payment_link}}",
    "Last call for {{product_name}}: {{payment_link}}",
]
SAMPLE = 20


class LaunchRequest(BaseModel):
    name: str
    product: str
    tiers: list[Tier] = Field(default_factory=list)
    currency: str = "usd"
    interval: Interval | None = None
    segment: Segment | None = None  # None: no existing leads, only `leads`; {} every lead but lifecycle ones
    leads: list[LeadIn] = Field(default_factory=list)
    skip_leads_in_other_campaigns: bool = False
    steps: list[str | CampaignStep] = Field(default_factory=list)
    schedule: Schedule | None = None
    settings: dict[str, Any] | None = None
    registered_campaign: str | None = None
    registered_text: str | None = None
    sender_accounts: list[str] | None = None
    link_on: Literal["now", "engagement"] = "now"
    activate: bool = True


class LaunchResult(BaseModel):
    campaign: str = Field(description="Name (id).")
    campaign_status: str = Field("planned", description="active, paused, or planned (a preview).")
    registered_campaign: str = Field(description="Where buyers go (link_on now), or the post_purchase role.")
    product: str
    link_on: str
    tiers: list[TierOut]
    leads: int = Field(description="Leads in the launch: the segment, new leads, and those already in it.")
    new_leads: int = Field(0, description="Of them, new leads from `leads` (to import, in a preview).")
    sample: list[str] = Field(description="First few of them.")
    by_source: dict[str, int] = Field(description="Leads per campaign they come from ('new leads': imported).")
    left_out: dict[str, int] = Field(description="Leads not taken, by reason.")
    skipped: list[SkippedLead] = Field(default_factory=list, description="New leads not added, with why (first 20).")
    automation: list[str] = Field(description="Which events drive what follows.")
    steps: list[Step]


def campaign_label(name: str | None, cid: str | None) -> str:
    return f"{name} ({cid})" if cid else f"{name} (new)"


def text_step(text: str, *, first: bool, delay: float = 2) -> dict[str, Any]:
    """A short step text as a step: the first line is the subject when the text has several lines; else a
    same-thread follow-up (the first step then gets a default subject)."""
    subject, _, body = text.partition("\n") if "\n" in text else ("", "", text)
    if first and not subject.strip():
        subject = "{{firstName}}, {{product_name}}"
    return {"subject": subject.strip(), "body": body.strip() or text, "delay": delay}


def to_steps(items: list[str | CampaignStep]) -> list[CampaignStep]:
    """Step texts and full steps, as steps (full steps are kept as given)."""
    return [item if isinstance(item, CampaignStep) else CampaignStep(**text_step(item, first=i == 0))
            for i, item in enumerate(items)]


async def default_senders(instantly: InstantlyClient, given: list[str] | None) -> list[str]:
    if given:
        return given
    accounts = (await instantly.list_accounts(max_items=100)).items
    return [a.email for a in accounts if a.status in (None, 1)]


async def ensure_campaign(instantly: InstantlyClient, campaigns: dict[str, Any], name: str,
                          steps: list[str | CampaignStep], senders: list[str], *, schedule: Schedule | None = None,
                          settings: dict[str, Any] | None = None) -> tuple[str, bool]:
    """(campaign id, created); an existing campaign of that name is reused as it is."""
    found = find_campaign(campaigns, name)
    if found is not None:
        return found.id, False
    fields = CampaignFields(steps=to_steps(steps), sender_accounts=senders or None, schedule=schedule,
                            settings=settings)
    made = await instantly.create_campaign(create_body(name, fields))
    campaigns[name] = made
    return made.id, True


async def find_product(stripe_api: StripeApi, ref: str) -> dict | None:
    if ref.startswith("prod_"):
        return await stripe_api.get_product(ref)
    async for p in stripe_api.iterate("products", {"active": True}, max_items=1000):
        if str(p.get("name") or "").strip().casefold() == ref.strip().casefold():
            return p
    return None


class Launch:
    """One launch: plan (reads only) and run (writes, each once)."""

    def __init__(self, req: LaunchRequest, *, instantly: InstantlyClient, stripe_api: StripeApi, store: Store,
                 exclude: set[str]) -> None:
        self.req, self.instantly, self.stripe, self.store, self.exclude = req, instantly, stripe_api, store, exclude
        tiers = [t.model_dump() for t in req.tiers]
        key = [req.name.strip().casefold(), req.product.strip().casefold(), tiers, req.currency.lower()]
        if req.interval or req.link_on != "now":  # launches made before these options keep their key
            key += [req.interval, req.link_on]
        self.op = op_key("launch", *key)
        self.per_lead = req.link_on == "engagement"
        self._given_price: dict[str, Any] | None = None
        self.registered_name = None if self.per_lead else (req.registered_campaign or f"{req.name}: registered")
        if self.per_lead and (len(req.tiers) > 1 or any(t.limit for t in req.tiers)):
            raise InputError("link_on=engagement takes one price without a limit (each lead gets a personal "
                             "link); tiers with limits need link_on=now", "tiers")
        if req.interval and not req.tiers:
            raise InputError(f"interval={req.interval} makes new recurring prices: give tiers (the amounts), or leave "
                             "interval out to sell at the product's existing price", "interval")
        if self.per_lead and not req.steps:
            raise InputError("give steps: with link_on=engagement a lead's {{payment_link}} is set only once they "
                             "are interested, so write the steps that use it", "steps")

    async def tier_plan(self, product: dict | None) -> list[dict[str, Any]]:
        if self.req.tiers:
            return [{**t.model_dump(), "currency": self.req.currency.lower()} for t in self.req.tiers]
        if product is None:
            raise InputError(f"no product named {self.req.product!r}: give tiers (prices) to create it", "tiers")
        if self.req.product.startswith("price_"):
            price = await self.given_price()
        else:
            default = product.get("default_price")
            price = await self.stripe.get_price(default if isinstance(default, str) else default["id"]) \
                if default else None
        if price is None:
            raise InputError(f"{product.get('name')} has no default price: give tiers", "tiers")
        return [{"label": str(price.get("nickname") or "Regular")[:40], "amount": int(price.get("unit_amount") or 0),
                 "limit": None, "currency": str(price.get("currency") or "usd"), "price_id": price["id"]}]

    async def given_price(self) -> dict[str, Any]:
        """The price named by `product` (a price id), fetched once per launch."""
        if self._given_price is None:
            self._given_price = await self.stripe.get_price(self.req.product)
        return self._given_price

    async def own_product(self) -> dict | None:
        if self.req.product.startswith("price_"):
            price = await self.given_price()
            owner = price.get("product")
            return await self.stripe.get_product(owner if isinstance(owner, str) else owner["id"])
        return await find_product(self.stripe, self.req.product)

    async def plan(self, *, new_leads: bool = True) -> tuple[LaunchResult, list[Member]]:
        """What the launch would do (or now holds): its leads, tiers and automation. Reads only."""
        campaigns, product = await asyncio.gather(campaigns_by_name(self.instantly), self.own_product())
        tiers = await self.tier_plan(product)
        target = find_campaign(campaigns, self.req.name)
        registered = find_campaign(campaigns, self.registered_name) if self.registered_name else None
        exclude = self.exclude | {c.id for c in (target, registered) if c is not None}
        members: list[Member] = []
        left_out: dict[str, int] = {}
        if self.req.segment is not None:
            members, left_out = await select(self.req.segment, instantly=self.instantly, store=self.store,
                                             campaigns=campaigns, exclude=exclude)
        present = await all_leads(self.instantly, target.id) if target is not None else []
        if present:  # leads already in the launch campaign are in it
            have = {m.email for m in members}
            suppressed = await self.store.suppressed([(x.email or "").lower() for x in present if x.email])
            for lead in present:
                email = (lead.email or "").lower()
                if email and email not in have and email not in suppressed:
                    members.append(Member(email=email, lead=lead, campaign_id=target.id))
        fresh: list[LeadIn] = []
        skipped: list[SkippedLead] = []
        if new_leads and self.req.leads:
            fresh, skipped = await sort_new(self.req.leads, store=self.store, present=emails_of(present))
            taken = {m.email for m in members}
            fresh = [lead for lead in fresh if (lead.email or "").strip().lower() not in taken]
            left_out = add_reasons(left_out, skipped)
        state = await self.store.get_config(self.op, default={})
        names = {c.id: c.name or c.id for c in campaigns.values()}
        by_source: dict[str, int] = {}
        for m in members:
            key = names.get(m.campaign_id or "", "no campaign")
            by_source[key] = by_source.get(key, 0) + 1
        if fresh:
            by_source["new leads"] = len(fresh)
        result = LaunchResult(
            campaign=campaign_label(self.req.name, target.id if target else None),
            registered_campaign=(campaign_label(self.registered_name, registered.id if registered else None)
                                 if self.registered_name else "none: buyers follow the post_purchase role"),
            product=f"{product['name']} ({product['id']})" if product else f"{self.req.product} (new)",
            link_on=self.req.link_on, tiers=await tier_status(self.stripe, state.get("tiers") or tiers,
                                                              per_lead=self.per_lead),
            leads=len(members) + len(fresh), new_leads=len(fresh),
            sample=[m.email for m in members[:5]] + [str(x.email).lower() for x in fresh[:max(0, 5 - len(members))]],
            by_source=by_source, left_out=left_out, skipped=skipped[:SAMPLE], automation=self.automation(), steps=[])
        return result, members

    def automation(self) -> list[str]:
        if self.per_lead:
            return [f"a lead of {self.req.name!r} marked interested (or booking a meeting) gets a personal payment "
                    "link in {{payment_link}} (automatic payment links, configure_pipeline), when the events "
                    "arrive (receiver or sync_now).",
                    f"a payment starts the post_purchase role's campaign; revenue counts for {self.req.name!r}."]
        tiers = self.req.tiers
        lines = [f"checkout.session.completed on a launch link: the buyer moves from {self.req.name!r} to "
                 f"{self.registered_name!r}, so the reminders stop (instead of the post_purchase role's campaign, if one "
                 f"is set); revenue counts for {self.req.name!r}."]
        for a, b in zip(tiers, tiers[1:], strict=False):
            if a.limit:
                lines.append(f"after {a.limit} sales of {a.label}, its link is deactivated and the leads' "
                             f"{{{{payment_link}}}} switches to {b.label} "
                             f"({money(b.amount, self.req.currency)}).")
        return lines

    async def remember(self, state: dict[str, Any]) -> None:
        await self.store.set_config(self.op, state)

