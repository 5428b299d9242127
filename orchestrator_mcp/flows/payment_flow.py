"""trigger_payment_flow: lead -> Stripe customer -> payment link -> back into the lead's sequence.

Idempotent and safe to retry after a failure at any step: every write checks state first, and every
Stripe write carries an idempotency key derived from the operation, so calling it twice returns the
same link and never a second customer.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from instantly_mcp.client import InstantlyClient, Lead
from orchestrator_mcp.flows.suppression import require_not_suppressed
from orchestrator_mcp.flows.common import (
    Step,
    StepFailed,
    contact_for_lead,
    custom_variables,
    move_body,
    now,
    op_key,
    params_key,
    resolve_lead,
)
from orchestrator_mcp.mapping import lead_to_customer
from shared.errors import InputError, NotFound

if TYPE_CHECKING:
    from shared.store import Store
    from stripe_mcp.client.api import StripeApi


class PaymentFlowRequest(BaseModel):
    lead_email: str | None = None
    lead_id: str | None = None
    campaign_id: str | None = None
    price_id: str | None = None
    product_id: str | None = None
    quantity: int = 1
    follow_up_campaign_id: str | None = None
    redirect_url: str | None = None


class PaymentFlowResult(BaseModel):
    contact_id: str
    email: str
    lead_id: str
    customer_id: str
    payment_link_id: str
    payment_link_url: str
    price_id: str
    amount: int = Field(description="Total in minor units (unit amount x quantity).")
    currency: str
    product_name: str | None = None
    steps: list[Step]


def format_amount(minor: int, currency: str) -> str:
    zero_decimal = {"jpy", "krw", "vnd", "clp", "isk", "ugx", "xaf", "xof", "pyg", "rwf", "bif", "djf", "gnf",
                    "kmf", "mga", "vuv", "xpf"}
    if currency.lower() in zero_decimal:
        return f"{minor} {currency.upper()}"
    return f"{minor / 100:.2f} {currency.upper()}"


async def resolve_price(stripe_api: StripeApi, price_id: str | None, product_id: str | None) -> tuple[dict, dict]:
    """(price, product); a product alone means its default price."""
    if not price_id:
        if not product_id:
            raise InputError("give a price_id, or a product_id that has a default price", "price_id")
        product = await stripe_api.get_product(product_id)
        default = product.get("default_price")
        price_id = default.get("id") if isinstance(default, dict) else default
        if not price_id:
            raise InputError(f"product {product_id} has no default price; pass price_id", "price_id")
    price = await stripe_api.get_price(price_id, product=product_id)
    if price.get("active") is False:
        raise InputError(f"{price_id} is archived (inactive); use an active price", "price_id")
    owner = price.get("product")
    product = owner if isinstance(owner, dict) else await stripe_api.get_product(str(owner))
    return price, product


async def preview_payment_flow(
    req: PaymentFlowRequest, *, instantly: InstantlyClient, stripe_api: StripeApi, store: Store,
) -> PaymentFlowResult:
    """What trigger_payment_flow would do, from reads only: nothing is written to Stripe, Instantly or the store."""
    lead, (price, product) = await asyncio.gather(
        resolve_lead(instantly, email=req.lead_email, lead_id=req.lead_id, campaign_id=req.campaign_id),
        resolve_price(stripe_api, req.price_id, req.product_id))
    if not lead.email:
        raise InputError(f"lead {lead.id} has no email address", "lead_id")
    await require_not_suppressed(store, lead.email)
    contact = await store.get_contact(email=lead.email)
    price_id, currency = str(price["id"]), str(price.get("currency") or "usd")
    amount = int(price.get("unit_amount") or 0) * req.quantity
    customer = None
    if contact and contact.stripe_customer_id:
        try:
            customer = await stripe_api.get_customer(contact.stripe_customer_id)
            customer = None if customer.get("deleted") else customer
        except NotFound:
            customer = None
    customer = customer or await stripe_api.find_customer_by_email(lead.email)
    known = ((contact.attribution_data.get("links") or {}) if contact else {}).get(f"{price_id}x{req.quantity}")
    steps = [
        Step(step="find or create Stripe customer", outcome="reused" if customer else "planned",
             detail=customer["id"] if customer else f"would create a customer for {lead.email}"),
        Step(step="create payment link", outcome="planned" if not known else "reused",
             detail=known["id"] if known else f"would create a link for {format_amount(amount, currency)} "
                                              f"({product.get('name') or price_id})"),
        Step(step="write link into lead variables", outcome="planned", detail=lead.id),
    ]
    if req.follow_up_campaign_id:
        steps.append(Step(step="move lead to follow-up campaign", outcome="planned", detail=req.follow_up_campaign_id))
    return PaymentFlowResult(
        contact_id=contact.id if contact else "", email=lead.email.strip().lower(), lead_id=lead.id,
        customer_id=customer["id"] if customer else "", payment_link_id=known["id"] if known else "",
        payment_link_url=known["url"] if known else "", price_id=price_id, amount=amount, currency=currency,
        product_name=product.get("name"), steps=steps)


async def trigger_payment_flow(
    req: PaymentFlowRequest, *, instantly: InstantlyClient, stripe_api: StripeApi, store: Store,
    lead: Lead | None = None, price_and_product: tuple[dict, dict] | None = None,
) -> PaymentFlowResult:
    """`lead` and `price_and_product`, when the caller already holds them (a bulk run), save their look-ups."""
    steps: list[Step] = []

    async def step(name: str, fn: Any) -> Any:
        steps.append(Step(step=name, outcome="done"))
        try:
            return await fn()
        except Exception as exc:
            steps[-1].outcome = "failed"
            raise StepFailed(steps, exc) from exc

    async def together(*named: tuple[str, Any]) -> list[Any]:
        """Steps that do not depend on each other, run at once. All finish before a failure is reported (at the
        first failed step, with the others' outcomes), so nothing is left running."""
        mine = [Step(step=name, outcome="done") for name, _ in named]
        steps.extend(mine)
        results = await asyncio.gather(*(fn() for _, fn in named), return_exceptions=True)
        failed = [(s, r) for s, r in zip(mine, results, strict=True) if isinstance(r, BaseException)]
        for s, _ in failed:
            s.outcome = "failed"
        if failed:
            first, exc = failed[0]
            raise StepFailed([*(s for s in steps if s.outcome != "failed"), first], exc) from exc
        return results

    if req.quantity < 1:
        raise InputError("must be at least 1", "quantity")

    # the lead (Instantly) and the price (Stripe) do not depend on each other: fetched at once
    async def known(value: Any) -> Any:
        return value

    lead, (price, product) = await together(
        ("find lead", lambda: known(lead) if lead is not None else resolve_lead(
            instantly, email=req.lead_email, lead_id=req.lead_id, campaign_id=req.campaign_id)),
        ("resolve price", lambda: known(price_and_product) if price_and_product is not None else resolve_price(
            stripe_api, req.price_id, req.product_id)),
    )
    steps[0].detail = lead.id
    await require_not_suppressed(store, lead.email)
    contact = await contact_for_lead(store, lead)
    price_id = str(price["id"])
    currency = str(price.get("currency") or "usd")
    amount = int(price.get("unit_amount") or 0) * req.quantity
    campaign_id = req.campaign_id or lead.campaign
    op = op_key("tpf", contact.email, price_id, req.quantity)

    # 1. the customer: the one we linked, else one listed by email, else a new one
    async def customer() -> dict:
        if contact.stripe_customer_id:
            try:
                found = await stripe_api.get_customer(contact.stripe_customer_id)
                if not found.get("deleted"):
                    steps[-1].outcome, steps[-1].detail = "reused", found["id"]
                    return found
            except NotFound:
                pass
        found = await stripe_api.find_customer_by_email(contact.email)
        if found:
            steps[-1].outcome, steps[-1].detail = "reused", found["id"]
            return found
        params = lead_to_customer(lead.as_dict(), contact_id=contact.id)
        created = await stripe_api.create_customer(
            email=params["email"], name=params.get("name"), phone=params.get("phone"), metadata=params["metadata"],
            idempotency_key=params_key(op, "customer", params),
        )
        steps[-1].detail = created["id"]
        return created

    cust = await step("find or create Stripe customer", customer)
    contact = await store.link_ids(contact.email, customer_id=cust["id"])

    # 2. the payment link, reused when this operation made one before and it is still active
    links: dict[str, Any] = dict(contact.attribution_data.get("links") or {})
    link_slot = f"{price_id}x{req.quantity}"

    async def payment_link() -> dict:
        known = links.get(link_slot)
        if known:
            try:
                found = await stripe_api.get_payment_link(known["id"])
                if found.get("active", True):
                    steps[-1].outcome, steps[-1].detail = "reused", found["id"]
                    return found
            except NotFound:
                pass
        metadata = {k: v for k, v in {
            "contact_id": contact.id, "instantly_lead_id": lead.id, "instantly_campaign_id": campaign_id,
            "price_id": price_id, "stripe_customer_id": cust["id"], "operation": op,
        }.items() if v}
        created = await stripe_api.create_payment_link(
            price=price_id, quantity=req.quantity, metadata=metadata, redirect_url=req.redirect_url,
            idempotency_key=params_key(op, "link", [metadata, req.redirect_url]), price_object=price,
        )
        steps[-1].detail = created["id"]
        return created

    link = await step("create payment link", payment_link)
    links[link_slot] = {"id": link["id"], "url": link["url"], "campaign_id": campaign_id, "at": now()}
    contact = await store.update_contact(
        contact.id, attribution_data={**contact.attribution_data, "links": links, "last_link": link["id"]},
    ) or contact

    # 3. the link into the lead's custom variables, for {{payment_link}} in the next step
    variables = {
        "payment_link": link["url"], "payment_amount": format_amount(amount, currency),
        "product_name": product.get("name"),
    }

    async def write_variables() -> None:
        current = custom_variables(lead)
        if all(current.get(k) == v for k, v in variables.items()):
            steps[-1].outcome = "reused"
            return
        await instantly.update_lead(lead.id, {"custom_variables": {**current, **variables}})

    await step("write link into lead variables", write_variables)

    # 4. optionally into the follow-up campaign
    if req.follow_up_campaign_id:
        async def move() -> None:
            if lead.campaign == req.follow_up_campaign_id:
                steps[-1].outcome = "reused"
                return
            await instantly.move_leads(move_body(lead, req.follow_up_campaign_id))
            steps[-1].detail = req.follow_up_campaign_id

        await step("move lead to follow-up campaign", move)

    # 5. the contact record
    async def record() -> None:
        status = contact.conversion_status if contact.conversion_status == "customer" else "payment_link_sent"
        await store.update_contact(
            contact.id, conversion_status=status, link_sent_at=contact.link_sent_at or now(),
            source_campaign=contact.source_campaign or campaign_id,
        )

    await step("update unified contact", record)
    return PaymentFlowResult(
        contact_id=contact.id, email=contact.email, lead_id=lead.id, customer_id=cust["id"],
        payment_link_id=link["id"], payment_link_url=link["url"], price_id=price_id, amount=amount,
        currency=currency, product_name=product.get("name"), steps=steps,
    )
