"""create_integrated_campaign: product and price, campaign, leads and their payment links, in one call."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from pydantic import Field, model_validator

from instantly_mcp.tools.campaign_spec import CampaignFields, create_body
from instantly_mcp.tools.leads_import import LeadIn
from orchestrator_mcp.config import save_config
from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.flows.common import op_key, params_key
from orchestrator_mcp.flows.payment_flow import PaymentFlowRequest
from orchestrator_mcp.tools import TOOLBOX
from orchestrator_mcp.tools.payments import run_payment_flow
from shared.errors import describe
from shared.tooling import Call, ToolInput, ToolResult


class NewProduct(ToolInput):
    name: str = Field(min_length=1, description="Product name.")
    unit_amount: int = Field(gt=0, description="Price in minor units (e.g. 4900 = 49.00).")
    currency: str = Field("usd", pattern=r"^[a-z]{3}$", description="Three-letter lowercase currency code.")
    interval: Literal["day", "week", "month", "year"] | None = Field(None, description="Billing interval for a "
                                                                                       "subscription; omit for one-off.")


class IntegratedCampaign(CampaignFields):
    name: str = Field(min_length=1, description="Campaign name.")
    price_id: str | None = Field(None, description="Existing Stripe price.")
    product_id: str | None = Field(None, description="Existing Stripe product (its default price).")
    new_product: NewProduct | None = Field(None, description="Create this product and price instead.")
    leads: list[LeadIn] = Field(default_factory=list, description="Leads to import into the campaign.")
    link_on: Literal["import", "engagement"] = Field(
        "import", description="import: every lead gets a personal link now; engagement: when marked interested.")
    activate: bool = Field(False, description="Start sending (needs confirm=true); otherwise the campaign stays paused.")
    confirm: bool = Field(False, description="Required with activate=true.")

    @model_validator(mode="after")
    def _price(self) -> IntegratedCampaign:
        if sum(bool(x) for x in (self.price_id, self.product_id, self.new_product)) != 1:
            raise ValueError("give exactly one of price_id, product_id or new_product")
        return self


class IntegratedResult(ToolResult):
    campaign_id: str
    campaign_status: str = Field(description="paused or active.")
    product_id: str
    price_id: str
    imported: dict[str, int] = Field(description="created, updated, skipped, invalid, failed.")
    links_created: int
    link_failures: list[str]
    link_on: str
    note: str | None = None

    def summary(self) -> str:
        return (f"Campaign {self.campaign_id} ({self.campaign_status}) with price {self.price_id}: "
                f"{self.imported.get('created', 0)} leads imported, {self.links_created} payment links"
                f"{'' if self.link_on == 'import' else ' (links on engagement)'}."
                f"{' ' + self.note if self.note else ''}")


@TOOLBOX.tool(toolset="payments", title="Create campaign with payment links", idempotent=True)
async def create_integrated_campaign(call: Call[OrchestratorDeps], args: IntegratedCampaign) -> IntegratedResult:
    """One call: product and price (existing or new), an Instantly campaign whose steps may use {{payment_link}},
    {{payment_amount}}, {{product_name}} and lead variables (e.g. {{icebreaker}}), the leads imported, and a
    personal payment link per lead (now, or on engagement). Stays paused unless activate=true with confirm=true.
    Safe to retry."""
    deps = call.deps
    instantly, stripe_api, store = await deps.instantly_client(), await deps.stripe_client(), await deps.store()
    op = op_key("icc", args.name, args.price_id, args.product_id,
                args.new_product.model_dump() if args.new_product else None)
    state: dict[str, Any] = dict(await store.get_config(op, default={}))

    async def remember(**values: Any) -> None:
        state.update(values)
        await store.set_config(op, state)

    # 1. product and price
    if "price_id" not in state:
        if args.new_product:
            p = args.new_product
            product = await stripe_api.create_product(name=p.name, idempotency_key=params_key(op, "product", p.name))
            price = await stripe_api.create_price(
                product=product["id"], unit_amount=p.unit_amount, currency=p.currency, interval=p.interval,
                idempotency_key=params_key(op, "price", p.model_dump()))
            await remember(product_id=product["id"], price_id=price["id"])
        else:
            from orchestrator_mcp.flows.payment_flow import resolve_price

            price, product = await resolve_price(stripe_api, args.price_id, args.product_id)
            await remember(product_id=product["id"], price_id=price["id"])
    # 2. the campaign (Instantly has no idempotency keys: the stored state is the guard)
    if "campaign_id" not in state:
        campaign = await instantly.create_campaign(create_body(args.name, args))
        await remember(campaign_id=campaign.id)
    campaign_id, price_id = state["campaign_id"], state["price_id"]
    await call.progress(1, 4, "campaign ready")
    # 3. leads
    summary = await instantly.import_leads(
        [lead.to_payload() for lead in args.leads], campaign_id=campaign_id, skip_if_in_campaign=True,
        progress=lambda done, total, msg: call.progress(1 + done / max(total or 1, 1), 4, msg),
    ) if args.leads else None
    imported = ({k: getattr(summary, k) for k in ("created", "updated", "skipped", "invalid", "failed")}
                if summary else {"created": 0, "updated": 0, "skipped": 0, "invalid": 0, "failed": 0})
    # 4. payment links
    links, failures = 0, []
    if args.link_on == "engagement":
        cfg = await deps.config()
        cfg.campaign_prices[campaign_id] = price_id
        cfg.auto_payment_flow = True
        await save_config(store, cfg)
    else:
        emails = sorted({lead.email.strip().lower() for lead in args.leads if lead.email})
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
    # 5. activation, only when confirmed
    status, note = "paused", None
    if args.activate and args.confirm:
        await instantly.activate_campaign(campaign_id)
        status = "active"
    elif args.activate:
        note = "Not activated: activating starts sending email, so call again with confirm=true."
    await call.progress(4, 4, "done")
    return IntegratedResult(campaign_id=campaign_id, campaign_status=status, product_id=state["product_id"],
                            price_id=price_id, imported=imported, links_created=links, link_failures=failures[:50],
                            link_on=args.link_on, note=note)
