"""Product launch and event/course registration (seed Scenarios 2 and 4) as one flow: a segment of existing leads
moved into a new campaign, tiered payment links (early-bird for the first N buyers, then the regular price), each
lead's {{payment_link}} set to the tier on sale, and a "registered" campaign that takes buyers out of the reminders.

What follows is driven by Stripe's checkout.session.completed (events/tiers.py): the buyer leaves the reminder
campaign, and a tier that reached its limit is deactivated and the leads' links switch to the next tier.

Safe to retry: the state of one launch (keyed by its name, product and tiers) is kept in the store after every
write, Stripe writes carry idempotency keys derived from the operation, and campaigns are found by name first.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from instantly_mcp.client import InstantlyClient
from instantly_mcp.tools.campaign_spec import CampaignFields, Step as CampaignStep, create_body
from orchestrator_mcp.flows.common import Step, custom_variables, op_key, params_key
from orchestrator_mcp.flows.payment_flow import format_amount
from orchestrator_mcp.flows.segments import (
    Member,
    Segment,
    campaigns_by_name,
    find_campaign,
    move_segment,
    select,
    wait_until_in,
)
from shared.errors import InputError

if TYPE_CHECKING:
    from shared.store import Store
    from stripe_mcp.client.api import StripeApi

LINK_KEY = "launch-link:"  # store config: payment link id -> the launch's state key
DEFAULT_STEPS = [
    "{{firstName}}, {{product_name}} is open\nHi {{firstName}},\n{{product_name}} is here: {{payment_amount}} "
    "({{tier}}). Get yours: {{payment_link}}",
    "A reminder, {{firstName}}: {{product_name}} at {{payment_amount}} ({{tier}}): {{payment_link}}",
    "Last call for {{product_name}}: {{payment_link}}",
]


class Tier(BaseModel):
    label: str = Field("Regular", max_length=40)
    amount: int = Field(gt=0, description="Minor units (7900 = $79.00).")
    limit: int | None = Field(None, ge=1, description="Buyers at this price.")


class LaunchRequest(BaseModel):
    name: str
    product: str
    tiers: list[Tier] = Field(default_factory=list)
    currency: str = "usd"
    segment: Segment = Field(default_factory=Segment)
    steps: list[str] = Field(default_factory=list)
    registered_campaign: str | None = None
    registered_text: str | None = None
    sender_accounts: list[str] | None = None


class TierOut(BaseModel):
    label: str
    price: str = Field(description="Amount with currency.")
    limit: int | None
    sold: int
    status: str = Field(description="on sale, waiting, sold out, or planned (a preview).")
    price_id: str
    payment_link: str


class LaunchResult(BaseModel):
    campaign: str = Field(description="Name (id).")
    registered_campaign: str
    product: str
    tiers: list[TierOut]
    leads: int = Field(description="Leads in the segment.")
    sample: list[str] = Field(description="First few of them.")
    by_source: dict[str, int] = Field(description="Segment leads per campaign they come from.")
    left_out: dict[str, int] = Field(description="Leads not taken, by reason.")
    automation: list[str] = Field(description="Which events drive what follows.")
    steps: list[Step]


def _label(name: str | None, cid: str | None) -> str:
    return f"{name} ({cid})" if cid else f"{name} (new)"


def step_fields(texts: list[str], delay: float = 2) -> list[CampaignStep]:
    """Short step texts: the first line is the subject when the text has several lines; else a same-thread
    follow-up (the first step then gets a default subject)."""
    out = []
    for i, text in enumerate(texts):
        subject, _, body = text.partition("\n") if "\n" in text else ("", "", text)
        if i == 0 and not subject.strip():
            subject = "{{firstName}}, {{product_name}}"
        out.append(CampaignStep(subject=subject.strip(), body=body.strip() or text, delay=delay))
    return out


async def default_senders(instantly: InstantlyClient, given: list[str] | None) -> list[str]:
    if given:
        return given
    accounts = (await instantly.list_accounts(max_items=100)).items
    return [a.email for a in accounts if a.status in (None, 1)]


async def ensure_campaign(instantly: InstantlyClient, campaigns: dict[str, Any], name: str, texts: list[str],
                          senders: list[str]) -> tuple[str, bool]:
    """(campaign id, created); an existing campaign of that name is reused as it is."""
    found = find_campaign(campaigns, name)
    if found is not None:
        return found.id, False
    fields = CampaignFields(steps=step_fields(texts), sender_accounts=senders or None)
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


def sold(link: dict) -> tuple[int, int | None]:
    cs = ((link.get("restrictions") or {}).get("completed_sessions") or {})
    return int(cs.get("count") or 0), cs.get("limit")


def is_sold_out(link: dict) -> bool:
    count, limit = sold(link)
    return link.get("active") is False or (limit is not None and count >= int(limit))


class Launch:
    """One launch: plan (reads only) and run (writes, each once)."""

    def __init__(self, req: LaunchRequest, *, instantly: InstantlyClient, stripe_api: StripeApi, store: Store,
                 exclude: set[str]) -> None:
        self.req, self.instantly, self.stripe, self.store, self.exclude = req, instantly, stripe_api, store, exclude
        tiers = [t.model_dump() for t in req.tiers]
        self.op = op_key("launch", req.name.strip().casefold(), req.product.strip().casefold(), tiers,
                         req.currency.lower())
        self.registered_name = req.registered_campaign or f"{req.name}: registered"

    async def _tiers(self, product: dict | None) -> list[dict[str, Any]]:
        if self.req.tiers:
            return [{**t.model_dump(), "currency": self.req.currency.lower()} for t in self.req.tiers]
        if product is None:
            raise InputError(f"no product named {self.req.product!r}: give tiers (prices) to create it", "tiers")
        default = product.get("default_price")
        price = await self.stripe.get_price(default if isinstance(default, str) else default["id"]) if default \
            else None
        if price is None:
            raise InputError(f"{product.get('name')} has no default price: give tiers", "tiers")
        return [{"label": "Regular", "amount": int(price.get("unit_amount") or 0), "limit": None,
                 "currency": str(price.get("currency") or "usd"), "price_id": price["id"]}]

    async def plan(self) -> tuple[LaunchResult, list[Member]]:
        campaigns, product = await asyncio.gather(campaigns_by_name(self.instantly),
                                                  find_product(self.stripe, self.req.product))
        tiers = await self._tiers(product)
        target = find_campaign(campaigns, self.req.name)
        registered = find_campaign(campaigns, self.registered_name)
        exclude = self.exclude | {c.id for c in (target, registered) if c is not None}
        members, left_out = await select(self.req.segment, instantly=self.instantly, store=self.store,
                                         campaigns=campaigns, exclude=exclude)
        if target is not None:  # leads already in the launch campaign are in it
            from orchestrator_mcp.flows.segments import all_leads

            have = {m.email for m in members}
            present = await all_leads(self.instantly, target.id)
            suppressed = await self.store.suppressed([(x.email or "").lower() for x in present if x.email])
            for lead in present:
                email = (lead.email or "").lower()
                if email and email not in have and email not in suppressed:
                    members.append(Member(email=email, lead=lead, campaign_id=target.id))
        state = await self.store.get_config(self.op, default={})
        names = {c.id: c.name or c.id for c in campaigns.values()}
        by_source: dict[str, int] = {}
        for m in members:
            key = names.get(m.campaign_id or "", "no campaign")
            by_source[key] = by_source.get(key, 0) + 1
        out_tiers = await self._tier_status(state.get("tiers") or tiers)
        result = LaunchResult(
            campaign=_label(self.req.name, target.id if target else None),
            registered_campaign=_label(self.registered_name, registered.id if registered else None),
            product=f"{product['name']} ({product['id']})" if product else f"{self.req.product} (new)",
            tiers=out_tiers, leads=len(members), sample=[m.email for m in members[:5]], by_source=by_source,
            left_out=left_out, automation=self.automation(), steps=[])
        return result, members

    async def _tier_status(self, tiers: list[dict[str, Any]]) -> list[TierOut]:
        out, on_sale = [], False
        for t in tiers:
            count, status = 0, "planned"
            if t.get("link_id"):
                link = await self.stripe.get_payment_link(t["link_id"])
                count, limit = sold(link)
                if limit is None:  # no restriction counts them: completed sessions of the link (GET
                    # /v1/checkout/sessions?payment_link=..., https://docs.stripe.com/api/checkout/sessions/list)
                    count = 0
                    async for _ in self.stripe.iterate("checkout_sessions", {"payment_link": t["link_id"],
                                                                             "status": "complete"}):
                        count += 1
                status = "sold out" if is_sold_out(link) else ("waiting" if on_sale else "on sale")
                on_sale = on_sale or status == "on sale"
            out.append(TierOut(label=t["label"], price=format_amount(t["amount"], t["currency"]), limit=t.get("limit"),
                               sold=count, status=status, price_id=t.get("price_id") or "",
                               payment_link=t.get("url") or ""))
        return out

    def automation(self) -> list[str]:
        tiers = self.req.tiers
        lines = [f"checkout.session.completed on a launch link: the buyer moves from {self.req.name!r} to "
                 f"{self.registered_name!r}, so the reminders stop (instead of the post_purchase role's campaign, if one "
                 f"is set); revenue counts for {self.req.name!r}."]
        for a, b in zip(tiers, tiers[1:], strict=False):
            if a.limit:
                lines.append(f"after {a.limit} sales of {a.label}, its link is deactivated and the leads' "
                             f"{{{{payment_link}}}} switches to {b.label} "
                             f"({format_amount(b.amount, self.req.currency)}).")
        return lines

    async def remember(self, state: dict[str, Any]) -> None:
        await self.store.set_config(self.op, state)

    async def run(self) -> LaunchResult:
        steps: list[Step] = []
        state: dict[str, Any] = dict(await self.store.get_config(self.op, default={}))
        state.setdefault("name", self.req.name)
        campaigns = await campaigns_by_name(self.instantly)
        senders = await default_senders(self.instantly, self.req.sender_accounts)
        if not senders:
            raise InputError("no sending account: connect one or give sender_accounts", "sender_accounts")
        # 1. product and one price per tier
        if "product_id" not in state:
            product = await find_product(self.stripe, self.req.product)
            if product is None:
                if not self.req.tiers:
                    raise InputError(f"no product named {self.req.product!r}: give tiers to create it", "tiers")
                product = await self.stripe.create_product(
                    name=self.req.product, metadata={"launch": self.op[:40]},
                    idempotency_key=params_key(self.op, "product", self.req.product))
                steps.append(Step(step="create product", outcome="done", detail=product["id"]))
            state.update(product_id=product["id"], product_name=product.get("name") or self.req.product)
            await self.remember(state)
        if "tiers" not in state:
            product = await self.stripe.get_product(state["product_id"])
            tiers = await self._tiers(product)
            for i, t in enumerate(tiers):
                if not t.get("price_id"):
                    price = await self.stripe.create_price(
                        product=state["product_id"], unit_amount=t["amount"], currency=t["currency"],
                        nickname=t["label"], idempotency_key=params_key(self.op, f"price{i}", t))
                    t["price_id"] = price["id"]
            state["tiers"] = tiers
            await self.remember(state)
            steps.append(Step(step="prices per tier", outcome="done",
                              detail=", ".join(f"{t['label']} {t['price_id']}" for t in tiers)))
        # 2. the launch campaign and the registered campaign (found by name, else created)
        if "campaign_id" not in state:
            cid, made = await ensure_campaign(self.instantly, campaigns, self.req.name,
                                              self.req.steps or DEFAULT_STEPS, senders)
            state["campaign_id"] = cid
            await self.remember(state)
            steps.append(Step(step="launch campaign", outcome="done" if made else "reused", detail=cid))
        if "registered_id" not in state:
            text = self.req.registered_text or ("You're in, {{firstName}}\nThanks for getting {{product_name}}. "
                                                "Everything you need follows soon.")
            rid, made = await ensure_campaign(self.instantly, campaigns, self.registered_name, [text], senders)
            state["registered_id"] = rid
            await self.remember(state)
            steps.append(Step(step="registered campaign", outcome="done" if made else "reused", detail=rid))
            if made:
                await self.instantly.activate_campaign(rid)
        # 3. one payment link per tier, limited to the tier's buyers
        for i, t in enumerate(state["tiers"]):
            if t.get("link_id"):
                continue
            meta = {"launch": self.op[:40], "tier": t["label"], "instantly_campaign_id": state["campaign_id"],
                    "price_id": t["price_id"]}
            link = await self.stripe.create_payment_link(
                price=t["price_id"], metadata=meta, max_completed_sessions=t.get("limit"),
                idempotency_key=params_key(self.op, f"link{i}", meta))
            t.update(link_id=link["id"], url=link["url"])
            await self.store.set_config(LINK_KEY + link["id"], self.op)
            await self.remember(state)
            steps.append(Step(step=f"payment link {t['label']}", outcome="done", detail=link["id"]))
        # 4. the segment into the campaign, and each lead's link set to the tier on sale
        plan, members = await self.plan()
        moved = await move_segment(self.instantly, members, state["campaign_id"])
        steps.append(Step(step="move segment into the campaign", outcome="done" if moved else "reused",
                          detail=f"{moved} moved, {len(members)} in the segment"))
        leads = await wait_until_in(self.instantly, state["campaign_id"], {m.email for m in members})
        written = await switch_links(self, state, leads)
        steps.append(Step(step="write {{payment_link}} into lead variables", outcome="done" if written else "reused",
                          detail=f"{written} leads"))
        if leads and not state.get("activated"):
            await self.instantly.activate_campaign(state["campaign_id"])
            state["activated"] = True
            await self.remember(state)
            steps.append(Step(step="activate campaign", outcome="done", detail=state["campaign_id"]))
        plan.steps = steps
        plan.campaign = _label(self.req.name, state["campaign_id"])
        plan.registered_campaign = _label(self.registered_name, state["registered_id"])
        plan.product = f"{state['product_name']} ({state['product_id']})"
        plan.tiers = await self._tier_status(state["tiers"])
        return plan


async def current_tier(stripe_api: StripeApi, state: dict[str, Any], *, op: str) -> dict[str, Any]:
    """The first tier not sold out; a sold-out link still active is deactivated (once: an idempotency key)."""
    tiers = state["tiers"]
    for i, t in enumerate(tiers):
        link = await stripe_api.get_payment_link(t["link_id"])
        if not is_sold_out(link) or i == len(tiers) - 1:
            return t
        if link.get("active") is not False:
            await stripe_api.deactivate_payment_link(t["link_id"], idempotency_key=params_key(op, "off", t["link_id"]))
    return tiers[-1]


async def switch_links(launch: Launch | Any, state: dict[str, Any], leads: list[Any]) -> int:
    """Each lead of the launch campaign gets the current tier's link; returns how many changed."""
    tier = await current_tier(launch.stripe, state, op=launch.op)
    variables = {"payment_link": tier["url"], "payment_amount": format_amount(tier["amount"], tier["currency"]),
                 "product_name": state.get("product_name"), "tier": tier["label"]}
    changed = 0
    for lead in leads:
        current = custom_variables(lead)
        if all(current.get(k) == v for k, v in variables.items()):
            continue
        await launch.instantly.update_lead(lead.id, {"custom_variables": {**current, **variables}})
        changed += 1
    if state.get("current") != tier["link_id"]:
        state["current"] = tier["link_id"]
        await launch.store.set_config(launch.op, state)
    return changed
