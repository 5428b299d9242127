"""Subscription lifecycle (seed Scenario 3) in one call: the product, its recurring price, a payment link for the
plan, and the lifecycle roles (welcome/post_purchase, dunning, renewal, win_back, upsell), each an existing
campaign or one created from short step texts. The pipeline configuration then routes Stripe's events to them.

Safe to retry: products and campaigns are found by name first, Stripe writes carry idempotency keys derived
from the operation, and the operation's state is kept in the store after each write.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from instantly_mcp.client import InstantlyClient
from orchestrator_mcp.config import ROLES, Role, load_config, save_config
from orchestrator_mcp.flows.common import Interval, Step, op_key, params_key
from orchestrator_mcp.flows.launch import default_senders, ensure_campaign, find_product
from orchestrator_mcp.flows.segments import campaigns_by_name, find_campaign
from shared.errors import InputError
from shared.render import money

if TYPE_CHECKING:
    from shared.store import Store
    from stripe_mcp.client.api import StripeApi

# Which Stripe events start which role's campaign (events/rules.py).
EVENTS: dict[str, str] = {
    "post_purchase": "checkout.session.completed / invoice.paid (a payment)",
    "dunning": "invoice.payment_failed (a failed renewal)",
    "renewal": "invoice.upcoming, customer.subscription.trial_will_end",
    "win_back": "customer.subscription.deleted (a cancellation)",
    "upsell": "no event: start it for a contact with start_lifecycle_sequence",
}


class SubscriptionRequest(BaseModel):
    product: str
    amount: int | None = None
    currency: str = "usd"
    interval: Interval = "month"
    roles: dict[Role, str | list[str]]
    sender_accounts: list[str] | None = None


class RoleOut(BaseModel):
    role: str
    campaign: str = Field(description="Name (id), or (new) in a preview.")
    outcome: str = Field(description="existing, created, or would create.")
    events: str = Field(description="The events that put a customer into it.")


class SubscriptionResult(BaseModel):
    product: str
    price: str = Field(description="Amount with currency and interval, and the price id.")
    payment_link: str = Field(description="The plan's payment link (empty in a preview).")
    roles: list[RoleOut]
    steps: list[Step]


def _name(req: SubscriptionRequest, role: str) -> str:
    return f"{req.product}: {role.replace('_', '-')}"


def _matches(price: dict, req: SubscriptionRequest) -> bool:
    rec = price.get("recurring") or {}
    return (price.get("active") is not False and rec.get("interval") == req.interval
            and (req.amount is None or int(price.get("unit_amount") or 0) == req.amount)
            and str(price.get("currency") or "").lower() == req.currency.lower())


class SubscriptionSetup:
    def __init__(self, req: SubscriptionRequest, *, instantly: InstantlyClient, stripe_api: StripeApi,
                 store: Store) -> None:
        self.req, self.instantly, self.stripe, self.store = req, instantly, stripe_api, store
        bad = [r for r in req.roles if r not in ROLES]
        if bad:
            raise InputError(f"unknown role {bad[0]}; roles: {', '.join(ROLES)}", "roles")
        self.op = op_key("subs", req.product.strip().casefold(), req.amount, req.currency.lower(), req.interval)

    async def _price(self, product: dict | None) -> dict | None:
        if product is None:
            return None
        default = product.get("default_price")
        if default:
            price = await self.stripe.get_price(default if isinstance(default, str) else default["id"])
            if _matches(price, self.req):
                return price
        async for price in self.stripe.iterate("prices", {"product": product["id"], "active": True}, max_items=100):
            if _matches(price, self.req):
                return price
        return None

    def _price_text(self, amount: int, currency: str, price_id: str) -> str:
        return f"{money(amount, currency)}/{self.req.interval} ({price_id or 'new'})"

    async def plan(self) -> SubscriptionResult:
        campaigns, product = await asyncio.gather(campaigns_by_name(self.instantly),
                                                  find_product(self.stripe, self.req.product))
        price = await self._price(product)
        if price is None and self.req.amount is None:
            raise InputError(f"no {self.req.interval}ly price for {self.req.product!r}: give amount", "amount")
        roles = []
        for role, spec in self.req.roles.items():
            ref = spec if isinstance(spec, str) else _name(self.req, role)
            found = find_campaign(campaigns, ref)
            if found is None and isinstance(spec, str):
                raise InputError(f"no campaign named {spec!r}; give step texts (a list) to create it, or one of: "
                                 f"{', '.join(sorted(campaigns)[:10])}", f"roles.{role}")
            roles.append(RoleOut(role=role, campaign=f"{found.name} ({found.id})" if found else f"{ref} (new)",
                                 outcome="existing" if found else "would create", events=EVENTS[role]))
        state = await self.store.get_config(self.op, default={})
        amount = int(price.get("unit_amount") or 0) if price else int(self.req.amount or 0)
        return SubscriptionResult(
            product=f"{product['name']} ({product['id']})" if product else f"{self.req.product} (new)",
            price=self._price_text(amount, self.req.currency, price["id"] if price else ""),
            payment_link=state.get("url") or "", roles=roles, steps=[])

    async def run(self) -> SubscriptionResult:
        plan = await self.plan()  # validates the roles first: nothing is written for a bad request
        steps: list[Step] = []
        state: dict[str, Any] = dict(await self.store.get_config(self.op, default={}))

        async def remember() -> None:
            await self.store.set_config(self.op, state)

        if "price_id" not in state:
            product = await find_product(self.stripe, self.req.product)
            if product is None:
                product = await self.stripe.create_product(
                    name=self.req.product, idempotency_key=params_key(self.op, "product", self.req.product))
                steps.append(Step(step="create product", outcome="done", detail=product["id"]))
            price = await self._price(product)
            if price is None:
                price = await self.stripe.create_price(
                    product=product["id"], unit_amount=int(self.req.amount or 0), currency=self.req.currency,
                    interval=self.req.interval, idempotency_key=params_key(self.op, "price", self.req.model_dump(
                        include={"amount", "currency", "interval"})))
                steps.append(Step(step="create recurring price", outcome="done", detail=price["id"]))
            state.update(product_id=product["id"], product_name=product.get("name"), price_id=price["id"],
                         amount=int(price.get("unit_amount") or 0))
            await remember()
        if "url" not in state:
            meta = {"subscription_setup": self.op[:40], "price_id": state["price_id"]}
            link = await self.stripe.create_payment_link(price=state["price_id"], metadata=meta,
                                                         idempotency_key=params_key(self.op, "link", meta))
            state.update(link_id=link["id"], url=link["url"])
            await remember()
            steps.append(Step(step="plan payment link", outcome="done", detail=link["id"]))
        campaigns = await campaigns_by_name(self.instantly)
        senders: list[str] | None = None
        ids: dict[str, str] = dict(state.get("roles") or {})
        roles = []
        for role, spec in self.req.roles.items():
            name = spec if isinstance(spec, str) else _name(self.req, role)
            outcome = "existing"
            if role not in ids:
                found = find_campaign(campaigns, name)
                if found is None:
                    senders = senders if senders is not None else await default_senders(
                        self.instantly, self.req.sender_accounts)
                    cid, _ = await ensure_campaign(self.instantly, campaigns, name, list(spec), senders)
                    await self.instantly.activate_campaign(cid)
                    outcome = "created"
                    steps.append(Step(step=f"create {role} campaign", outcome="done", detail=cid))
                else:
                    cid = found.id
                ids[role] = cid
                state["roles"] = ids
                await remember()
            roles.append(RoleOut(role=role, campaign=f"{name} ({ids[role]})", outcome=outcome, events=EVENTS[role]))
        cfg = await load_config(self.store)
        if any(cfg.campaign_roles.get(r) != c for r, c in ids.items()):  # type: ignore[call-overload]
            cfg.campaign_roles.update(ids)  # type: ignore[arg-type]
            await save_config(self.store, cfg)
            steps.append(Step(step="route events to the campaigns", outcome="done",
                              detail=", ".join(sorted(ids))))
        plan.product = f"{state['product_name']} ({state['product_id']})"
        plan.price = self._price_text(state["amount"], self.req.currency, state["price_id"])
        plan.payment_link, plan.roles, plan.steps = state["url"], roles, steps
        return plan
