"""create_integrated_campaign: product and price, campaign, leads and their payment links, in one call."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema, model_validator

from instantly_mcp.tools.campaign_spec import CampaignFields, create_body
from instantly_mcp.tools.leads_import import LeadIn
from orchestrator_mcp.config import save_config
from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.flows.suppression import why as suppressed_because
from orchestrator_mcp.flows.common import op_key, params_key
from orchestrator_mcp.flows.payment_flow import PaymentFlowRequest
from orchestrator_mcp.tools import TOOLBOX
from orchestrator_mcp.tools.payments import run_payment_flow
from orchestrator_mcp.tools.live import live_blocked
from orchestrator_mcp.tools.resolve import Resolver, label
from shared.errors import InputError, describe
from shared.render import money, plural
from shared.safety import GatedResult
from shared.tooling import Call, ToolInput, ToolResult


class NewProduct(ToolInput):
    name: str = Field(min_length=1, description="Product name.")
    unit_amount: int = Field(gt=0, description="Price in minor units (e.g. 4900 = 49.00).")
    currency: str = Field("usd", pattern=r"^[a-z]{3}$", description="Three-letter lowercase currency code.")
    interval: Literal["day", "week", "month", "year"] | None = Field(None, description="Billing interval for a "
                                                                                       "subscription; omit for one-off.")


_LEADS = WithJsonSchema({"type": "array", "items": {"type": "object"}, "description": (
    "[{email, first_name, last_name, company_name, job_title, phone, website, personalization, "
    "custom_variables: {icebreaker, ...}}]")})
_PRODUCT = WithJsonSchema({"type": "object", "description": (
    "Or a new product: {name, unit_amount (minor units), currency (usd), interval: day|week|month|year}.")})


class IntegratedCampaign(CampaignFields):
    name: str = Field(min_length=1)
    subject: str | None = Field(None, description="First email.")
    body: str | None = None
    sender_accounts: list[str] | None = Field(None, description="Sending account emails.")
    price_id: str | None = Field(None, description="Price id or nickname, or product name.")
    product_id: str | None = Field(None, description="Or product id.")
    new_product: Annotated[NewProduct | None, _PRODUCT] = None
    leads: Annotated[list[LeadIn], _LEADS] = Field(default_factory=list)
    skip_leads_in_other_campaigns: bool = False
    link_on: Literal["engagement", "import"] = Field(
        "engagement", description="engagement: link when a lead is marked interested; import: link per lead now.")
    activate: bool = Field(False, description="Start sending (with confirm).")
    confirm: bool = Field(False, description="Needed to activate, and with a live Stripe key (else a preview).")

    @model_validator(mode="after")
    def _price(self) -> IntegratedCampaign:
        if sum(bool(x) for x in (self.price_id, self.product_id, self.new_product)) != 1:
            raise ValueError("give exactly one of price_id, product_id or new_product")
        return self


class SkippedLead(ToolResult):
    email: str
    reason: str


class IntegratedResult(GatedResult):
    executed: bool = Field(True, description="False for a preview (a live Stripe key without confirm=true).")
    campaign_id: str = Field(description="The campaign (empty in a preview).")
    campaign: str = Field("", description="Its name and id.")
    offer: str = Field("", description="Product, price and amount.")
    campaign_status: str = Field(description="paused, active, or not created (a preview).")
    product_id: str = Field(description="The product (empty in a preview when it would be created).")
    price_id: str = Field(description="The price (empty in a preview when it would be created).")
    imported: dict[str, int] = Field(description="created, updated, skipped, invalid, failed.")
    skipped_leads: list[SkippedLead] = Field(default_factory=list, description="Every lead not added, with why.")
    links_created: int
    link_failures: list[str]
    link_on: str
    note: str = ""

    def summary(self) -> str:
        if not self.executed:
            return f"PREVIEW (nothing written): {self.preview} Call again with confirm=true to do it."
        skipped = (f" Skipped: {'; '.join(f'{s.email} ({s.reason})' for s in self.skipped_leads[:10])}"
                   f"{' ...' if len(self.skipped_leads) > 10 else ''}." if self.skipped_leads else "")
        return (f"Campaign {self.campaign or self.campaign_id} ({self.campaign_status}) for {self.offer or self.price_id}: "
                f"{plural(self.imported.get('created', 0), 'lead')} imported, "
                f"{plural(self.links_created, 'payment link')}"
                f"{'' if self.link_on == 'import' else ' (links on engagement)'}.{skipped}"
                f"{' ' + self.note if self.note else ''}")


async def _campaign_emails(instantly: Any, campaign_id: str) -> set[str]:
    emails: set[str] = set()
    cursor: str | None = None
    while True:
        page = await instantly.list_leads({"campaign": campaign_id}, max_items=1000, starting_after=cursor)
        emails.update((lead.email or "").strip().lower() for lead in page.items if lead.email)
        cursor = page.next_starting_after
        if not page.has_more or not cursor:
            return emails


def _offer(product: dict[str, Any], price: dict[str, Any]) -> str:
    amount = money(int(price.get("unit_amount") or 0), str(price.get("currency") or "usd"))
    return f"{product.get('name') or product['id']} ({price['id']}, {amount})"


def _preview(args: IntegratedCampaign, price: dict | None, product: dict | None) -> IntegratedResult:
    if args.new_product:
        p = args.new_product
        offer = f"a new product {p.name!r} at {money(p.unit_amount, p.currency)}"
    else:
        assert price is not None and product is not None
        offer = _offer(product, price)
    links = ("a payment link (and Stripe customer) per lead now" if args.link_on == "import"
             else "payment links when leads are marked interested")
    text = (f"LIVE Stripe key (real money): would create campaign {args.name!r} for {offer}, import "
            f"{len(args.leads)} leads, and create {links}.")
    return IntegratedResult(
        executed=False, preview=text, campaign_id="", campaign_status="not created",
        product_id=str(product["id"]) if product else "", price_id=str(price["id"]) if price else "",
        imported={"created": 0, "updated": 0, "skipped": 0, "invalid": 0, "failed": 0}, links_created=0,
        link_failures=[], link_on=args.link_on)


@TOOLBOX.tool(toolset="payments", title="Campaign with payment links", idempotent=True)
async def create_integrated_campaign(call: Call[OrchestratorDeps], args: IntegratedCampaign) -> IntegratedResult:
    """A price, an Instantly campaign, its leads and payment links, in one call. Steps may use {{payment_link}},
    {{payment_amount}}, {{product_name}}, lead variables; a link reaches a lead only if a step uses
    {{payment_link}}. Sending needs leads and a sending account. Safe to retry."""
    from orchestrator_mcp.flows.payment_flow import resolve_price

    deps = call.deps
    instantly, stripe_api, store = await deps.instantly_client(), await deps.stripe_client(), await deps.store()
    if args.activate and args.confirm and not args.sender_accounts:
        raise InputError("cannot activate: no sending account; give sender_accounts (emails of connected "
                         "Instantly accounts), or leave activate=false", "sender_accounts")
    names = Resolver(deps)
    price_ref, product_ref = await names.price(args.price_id), await names.product(args.product_id)
    if await live_blocked(deps, args.confirm):
        existing = None if args.new_product else await resolve_price(stripe_api, price_ref, product_ref)
        return _preview(args, *(existing or (None, None)))
    op = op_key("icc", args.name, price_ref, product_ref,
                args.new_product.model_dump() if args.new_product else None)
    state: dict[str, Any] = dict(await store.get_config(op, default={}))

    async def remember(**values: Any) -> None:
        state.update(values)
        await store.set_config(op, state)

    # 1. product and price (a new product gets the new price as its default)
    if "price_id" not in state:
        if args.new_product:
            p = args.new_product
            product = await stripe_api.create_product(name=p.name, idempotency_key=params_key(op, "product", p.name))
            price = await stripe_api.create_price(
                product=product["id"], unit_amount=p.unit_amount, currency=p.currency, interval=p.interval,
                idempotency_key=params_key(op, "price", p.model_dump()))
            await remember(product_id=product["id"], price_id=price["id"], offer=_offer(product, price))
        else:
            price, product = await resolve_price(stripe_api, price_ref, product_ref)
            await remember(product_id=product["id"], price_id=price["id"], default_set=True,
                           offer=_offer(product, price))
    if not state.get("default_set"):
        # POST /v1/products/{id} default_price (https://docs.stripe.com/api/products/update)
        await stripe_api._dict(
            "POST", f"/v1/products/{state['product_id']}", stripe_api.sdk.v1.products.update_async,
            state["product_id"], params={"default_price": state["price_id"]},
            options={"idempotency_key": params_key(op, "default_price", state["price_id"])})
        await remember(default_set=True)
    # 2. the campaign (Instantly has no idempotency keys: the stored state is the guard)
    if "campaign_id" not in state:
        campaign = await instantly.create_campaign(create_body(args.name, args))
        await remember(campaign_id=campaign.id)
    campaign_id, price_id = state["campaign_id"], state["price_id"]
    await call.progress(1, 4, "campaign ready")
    # 3. leads: those already in this campaign are skipped (and said so); others in the workspace are added
    skipped: list[SkippedLead] = []
    imported = {"created": 0, "updated": 0, "skipped": 0, "invalid": 0, "failed": 0}
    if args.leads:
        present = await _campaign_emails(instantly, campaign_id)
        # people on the suppression list (unsubscribed, complained, bounced, erased) are never imported again
        suppressed = await store.suppressed(sorted({lead.email.strip().lower() for lead in args.leads if lead.email}))
        skipped += [SkippedLead(email=e, reason=suppressed_because(r)) for e, r in suppressed.items()]
        fresh = [lead for lead in args.leads if (lead.email or "").strip().lower() not in present
                 and (lead.email or "").strip().lower() not in suppressed]
        skipped += [SkippedLead(email=lead.email.strip().lower(), reason="already in this campaign")
                    for lead in args.leads if lead.email and lead.email.strip().lower() in present]
        summary = await instantly.import_leads(
            [lead.to_payload() for lead in fresh], campaign_id=campaign_id,
            skip_if_in_campaign=args.skip_leads_in_other_campaigns,
            progress=lambda done, total, msg: call.progress(1 + done / max(total or 1, 1), 4, msg),
        ) if fresh else None
        if summary is not None:
            imported = {k: getattr(summary, k) for k in ("created", "updated", "skipped", "invalid", "failed")}
            for problem in [*summary.invalid_items, *summary.failed_items]:
                if problem.email:
                    skipped.append(SkippedLead(email=problem.email.strip().lower(), reason=problem.reason))
            named = {s.email for s in skipped}
            now_in = await _campaign_emails(instantly, campaign_id)
            reasons = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in summary.skipped_reasons.items())
            for lead in fresh:
                email = (lead.email or "").strip().lower()
                if email and email not in now_in and email not in named:
                    why = ("in another campaign (skip_leads_in_other_campaigns)" if args.skip_leads_in_other_campaigns
                           else "not added by Instantly")
                    skipped.append(SkippedLead(email=email, reason=f"{why}{' - ' + reasons if reasons else ''}"))
        imported["skipped"] += sum(s.reason == "already in this campaign" or s.reason.startswith("suppressed")
                                   for s in skipped)
    # 4. payment links
    links, failures = 0, []
    if args.link_on == "engagement":
        cfg = await deps.config()
        cfg.campaign_prices[campaign_id] = price_id
        cfg.auto_payment_flow = True
        await save_config(store, cfg)
    else:
        emails = sorted({lead.email.strip().lower() for lead in args.leads if lead.email}
                        - {s.email for s in skipped if s.reason != "already in this campaign"})
        gate = asyncio.Semaphore(4)
        done = 0

        async def one(email: str) -> None:
            nonlocal links, done
            async with gate:
                try:
                    await run_payment_flow(deps, PaymentFlowRequest(lead_email=email, campaign_id=campaign_id,
                                                                    price_id=price_id))
                    links += 1
                except Exception as exc:  # noqa: BLE001 - reported per lead
                    failures.append(f"{email}: {describe(exc)}")
                done += 1
                await call.progress(2 + done / len(emails), 4, f"payment links {done}/{len(emails)}")

        await asyncio.gather(*(one(e) for e in emails))
    # 5. activation, only when confirmed, and never with no leads
    status, note = "paused", ""
    if args.activate and args.confirm:
        if not await _campaign_emails(instantly, campaign_id):
            note = "Not activated: the campaign has no leads; add leads, then activate it."
        else:
            await instantly.activate_campaign(campaign_id)
            status = "active"
    elif args.activate:
        note = "Not activated: activating starts sending email, so call again with confirm=true."
    await call.progress(4, 4, "done")
    return IntegratedResult(campaign_id=campaign_id, campaign=label(args.name, campaign_id),
                            offer=state.get("offer") or price_id, campaign_status=status, product_id=state["product_id"],
                            price_id=price_id, imported=imported, skipped_leads=skipped, links_created=links,
                            link_failures=failures[:50], link_on=args.link_on, note=note)
