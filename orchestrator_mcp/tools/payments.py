"""trigger_payment_flow: a payment link for one lead, or for each engaged lead of a campaign."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import Field, model_validator

from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.flows import payment_flow as flow
from orchestrator_mcp.flows.common import Step
from orchestrator_mcp.flows.payment_flow import PaymentFlowRequest, PaymentFlowResult
from orchestrator_mcp.flows.qualify import Candidate, qualify_leads
from orchestrator_mcp.tools import TOOLBOX
from orchestrator_mcp.tools.live import live_blocked
from orchestrator_mcp.tools.resolve import Resolver
from shared.errors import describe
from shared.render import money, plural
from shared.safety import GatedResult
from shared.tooling import Call, ToolInput, ToolResult


class PriceChoice(ToolInput):
    price_id: str = Field(min_length=1, description="Price id or nickname, or product name or id.")
    quantity: int = Field(1, ge=1, le=1000)

    async def resolved(self, names: Resolver) -> tuple[str | None, str | None]:
        """(price id, product id): a product (by id) stands for its default price."""
        if self.price_id.startswith("prod_"):
            return None, self.price_id
        return await names.price(self.price_id), None


class TriggerPaymentFlow(PriceChoice):
    lead_email: str | None = Field(None, description="One lead (or lead_id); none: the campaign's engaged ones.")
    lead_id: str | None = None
    campaign_id: str | None = Field(None, description="Campaign name or id.")
    min_score: float = Field(40, ge=0, le=100, description="Engaged: score to qualify.")
    cap: int | None = Field(None, ge=1, description="Engaged: most links.")
    follow_up_campaign_id: str | None = Field(None, description="Then move the lead here.")
    redirect_url: str | None = None
    confirm: bool = Field(False, description="Engaged: send (else a preview). One lead: with a live key.")

    @model_validator(mode="after")
    def _who(self) -> TriggerPaymentFlow:
        if not (self.lead_email or self.lead_id or self.campaign_id):
            raise ValueError("give lead_email or lead_id (one lead), or campaign_id (its engaged leads)")
        return self

    @property
    def one_lead(self) -> bool:
        return bool(self.lead_email or self.lead_id)


class LeadOutcome(ToolResult):
    email: str
    score: float
    reasons: str
    status: str = Field(description="qualified, skipped, link_sent or failed.")
    payment_link_url: str | None = None
    error: str | None = None


class PaymentLinksOut(GatedResult, PaymentFlowResult):
    """One lead's flow (its customer, link and steps), or a campaign's engaged leads (counts and each lead)."""

    executed: bool = Field(True, description="False for a preview: then ids of objects not yet created are empty.")
    contact_id: str = ""
    email: str = Field("", description="The lead (one-lead call).")
    lead_id: str = ""
    customer_id: str = ""
    payment_link_id: str = ""
    payment_link_url: str = ""
    amount: int = Field(0, description="Total in minor units (unit amount x quantity).")
    currency: str = ""
    steps: list[Step] = Field(default_factory=list)
    offer: str = Field("", description="Product name, price id and amount with currency.")
    qualified: int = Field(0, description="Campaign call: leads that qualify.")
    skipped: int = 0
    links_sent: int = 0
    failed: int = 0
    leads: list[LeadOutcome] = Field(default_factory=list, description="Campaign call: each lead, score, why.")

    def summary(self) -> str:
        if not self.email:
            if not self.executed:
                return (f"PREVIEW: {plural(self.qualified, 'lead')} qualify ({self.skipped} skipped) for "
                        f"{self.offer}. Call again with confirm=true to send them payment links.")
            return (f"Payment links for {self.offer} sent to {plural(self.links_sent, 'lead')}; {self.failed} "
                    f"failed; {self.skipped} skipped.")
        if not self.executed:
            plan = "; ".join(f"{s.step}: {s.detail}" for s in self.steps if s.outcome == "planned")
            return (f"PREVIEW (nothing written): {self.preview} For {self.email}: {plan}. "
                    "Call again with confirm=true to do it.")
        reused = [s.step for s in self.steps if s.outcome == "reused"]
        again = f" (reused: {', '.join(reused)})" if reused else ""
        return f"Payment link for {self.email}: {self.payment_link_url}{again}."


async def run_payment_flow(deps: OrchestratorDeps, req: PaymentFlowRequest, **known: Any) -> PaymentFlowResult:
    return await flow.trigger_payment_flow(
        req, instantly=await deps.instantly_client(), stripe_api=await deps.stripe_client(),
        store=await deps.store(), **known,
    )


@TOOLBOX.tool(toolset="payments", title="Payment links for leads", idempotent=True)
async def trigger_payment_flow(call: Call[OrchestratorDeps], args: TriggerPaymentFlow) -> PaymentLinksOut:
    """Stripe customer (never duplicated) and payment link for one lead, or each engaged lead of a campaign
    (preview: who qualifies, why), set in lead variables {{payment_link}}, {{payment_amount}}, {{product_name}}.
    Reaches a lead only if a step uses {{payment_link}}. Safe to retry."""
    if not args.one_lead:
        return await _engaged_leads(call, args)
    names = Resolver(call.deps)
    price_id, product_id = await args.resolved(names)
    req = PaymentFlowRequest(**{**args.model_dump(include=set(PaymentFlowRequest.model_fields)),
                                "price_id": price_id, "product_id": product_id,
                                "campaign_id": await names.campaign(args.campaign_id),
                                "follow_up_campaign_id": await names.campaign(args.follow_up_campaign_id,
                                                                              "follow_up_campaign_id")})
    if await live_blocked(call.deps, args.confirm):
        deps = call.deps
        plan = await flow.preview_payment_flow(req, instantly=await deps.instantly_client(),
                                               stripe_api=await deps.stripe_client(), store=await deps.store())
        return PaymentLinksOut.model_validate({**plan.model_dump(), "executed": False,
                                               "preview": "LIVE Stripe key: real customer and payment link."})
    result = await run_payment_flow(call.deps, req)
    return PaymentLinksOut.model_validate(result.model_dump())


async def _engaged_leads(call: Call[OrchestratorDeps], args: TriggerPaymentFlow) -> PaymentLinksOut:
    """Score a campaign's leads; the preview shows who qualifies and why, confirm=true sends each a link."""
    deps = call.deps
    cfg = await deps.config()
    cap = min(args.cap or cfg.max_links_per_run, cfg.max_links_per_run)
    names = Resolver(deps)
    campaign_id = await names.campaign(args.campaign_id) or str(args.campaign_id)
    price_id, product_id = await args.resolved(names)
    # the price first, in the preview too: a preview that succeeds cannot fail at confirm over the price
    price_and_product = await flow.resolve_price(await deps.stripe_client(), price_id, product_id)
    price, product = price_and_product
    candidates, skipped = await qualify_leads(
        await deps.instantly_client(), await deps.store(), cfg, campaign_id=campaign_id, min_score=args.min_score,
        record=args.confirm)
    chosen, over_cap = candidates[:cap], candidates[cap:]
    outcomes = [_outcome(c, "skipped", error="over the cap for one run") for c in over_cap]
    outcomes += [_outcome(c, "skipped", error=c.skip_reason) for c in skipped]
    amount = money(int(price.get("unit_amount") or 0) * args.quantity, str(price.get("currency") or "usd"))
    offer = f"{product.get('name') or product['id']} ({price['id']}, {amount})"
    common = {"price_id": str(price["id"]), "offer": offer, "skipped": len(skipped) + len(over_cap)}
    if not args.confirm:
        preview = [_outcome(c, "qualified") for c in chosen]
        return PaymentLinksOut(executed=False, preview=f"{len(chosen)} payment links for {offer} would be created",
                               qualified=len(chosen), leads=preview + outcomes, **common)
    done = 0
    gate = asyncio.Semaphore(4)
    lock = asyncio.Lock()

    async def one(c: Candidate) -> LeadOutcome:
        nonlocal done
        async with gate:
            try:
                res = await run_payment_flow(deps, PaymentFlowRequest(
                    lead_id=c.lead_id, campaign_id=campaign_id, price_id=price_id,
                    product_id=product_id, quantity=args.quantity), lead=c.lead,
                    price_and_product=price_and_product)
                out = _outcome(c, "link_sent", url=res.payment_link_url)
            except Exception as exc:  # noqa: BLE001 - one lead's failure is reported, the rest go on
                out = _outcome(c, "failed", error=describe(exc))
        async with lock:
            done += 1
            await call.progress(done, len(chosen), f"{c.email}: {out.status}")
        return out

    results = await asyncio.gather(*(one(c) for c in chosen))
    return PaymentLinksOut(
        executed=True, qualified=len(chosen), links_sent=sum(r.status == "link_sent" for r in results),
        failed=sum(r.status == "failed" for r in results), leads=list(results) + outcomes, **common)


def _outcome(c: Candidate, status: str, *, url: str | None = None, error: str | None = None) -> LeadOutcome:
    return LeadOutcome(email=c.email, score=c.score, reasons=c.reasons, status=status, payment_link_url=url,
                       error=error)

