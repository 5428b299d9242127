"""Wiring the rules to the orchestrator's clients, for the receiver process and the event tools."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from orchestrator_mcp.config import Role
from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.events.money import payment_ids
from orchestrator_mcp.events.processor import Processor
from orchestrator_mcp.events.rules import Rules
from orchestrator_mcp.events.tiers import on_checkout
from orchestrator_mcp.flows.lifecycle import start_lifecycle
from orchestrator_mcp.flows.payment_flow import PaymentFlowRequest, trigger_payment_flow
from orchestrator_mcp.flows.purchase import Purchase, purchase_of
from shared.store import Contact

if TYPE_CHECKING:
    from shared.store import Store

MAX_ATTEMPTS_ENV = "ISMCP_EVENT_MAX_ATTEMPTS"
RETRY_BASE_ENV = "ISMCP_EVENT_RETRY_BASE_SECONDS"


def rules_for(deps: OrchestratorDeps, store: Store) -> Rules:
    async def lifecycle(role: Role, contact: Contact, variables: dict[str, Any], **source: str | None) -> Any:
        return await start_lifecycle(role, contact, variables, cfg=await deps.config(),
                                     instantly=await deps.instantly_client(), store=store, **source)

    async def purchase_lookup(obj: dict[str, Any]) -> Purchase:
        return await purchase_of(await deps.stripe_client(), obj)

    async def payment_flow(contact: Contact, price_id: str, campaign_id: str | None) -> Any:
        return await trigger_payment_flow(
            PaymentFlowRequest(lead_email=contact.email, lead_id=contact.instantly_lead_id, price_id=price_id,
                               campaign_id=campaign_id),
            instantly=await deps.instantly_client(), stripe_api=await deps.stripe_client(), store=store)

    async def link_lookup(obj: dict[str, Any]) -> list[str]:
        """The invoice a payment intent or charge paid, or the payments of an invoice: GET /v1/invoice_payments
        (https://docs.stripe.com/api/invoice-payment/list; since 2025-03-31 neither side names the other)."""
        api = await deps.stripe_client()
        kind = obj.get("object")
        if kind == "invoice":
            params: dict[str, Any] = {"invoice": obj["id"]}
        else:
            pi = obj["id"] if kind == "payment_intent" else obj.get("payment_intent")
            if not pi:
                return []
            params = {"payment": {"type": "payment_intent", "payment_intent": pi}}
        page = await api.sdk.v1.invoice_payments.list_async(params={**params, "limit": 10})
        return [str(i) for ip in page.data for i in payment_ids(ip.to_dict())]

    async def launch_sale(obj: dict[str, Any]) -> list[str]:  # launches: tier switch, reminders stop
        return await on_checkout(obj, store=store, instantly=await deps.instantly_client(),
                                 stripe_api=await deps.stripe_client())

    rules = Rules(store, lifecycle=lifecycle, payment_flow=payment_flow, link_lookup=link_lookup,
                  purchase_lookup=purchase_lookup)
    rules.on_checkout = launch_sale  # type: ignore[attr-defined]

    async def block(email: str) -> Any:  # unsubscribes, complaints, hard bounces: onto Instantly's block list
        from orchestrator_mcp.flows.suppression import block_in_instantly

        return await block_in_instantly(await deps.instantly_client(), email)

    rules.block = block
    return rules


def processor_for(deps: OrchestratorDeps, store: Store, *, all_scopes: bool = False) -> Processor:
    """Retries back off from ISMCP_EVENT_RETRY_BASE_SECONDS (2 s) and dead-letter after ISMCP_EVENT_MAX_ATTEMPTS (5).
    With all_scopes (the receiver) it processes every profile's events, each under its own profile."""
    return Processor(store, rules_for(deps, store).handle,
                     max_attempts=int(os.environ.get(MAX_ATTEMPTS_ENV) or 5),
                     base_delay=float(os.environ.get(RETRY_BASE_ENV) or 2.0), all_scopes=all_scopes)
