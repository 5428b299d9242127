"""The automation rules: payment events drive email, and email engagement drives payments.

Each handler does its outside work first (moving a lead is idempotent), then returns the store
changes, which the processor commits with the event's processed mark. Money is recorded once per
payment reference (invoice, else payment intent, else the object), so checkout.session.completed,
payment_intent.succeeded and invoice.paid for one purchase count once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from orchestrator_mcp.config import PipelineConfig, Role, load_config
from orchestrator_mcp.events.processor import Commit
from orchestrator_mcp.flows.sync import advance
from orchestrator_mcp.scoring import score
from shared.store import Contact, EventRow

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from shared.store import Store

log = logging.getLogger(__name__)

INTEREST_EVENTS = {
    "lead_interested": 1, "lead_meeting_booked": 2, "lead_meeting_completed": 3, "lead_closed": 4,
    "lead_out_of_office": 0, "lead_not_interested": -1, "lead_wrong_person": -2, "lead_no_show": -4,
    "lead_neutral": None,
}
PAYMENT_EVENTS = {"checkout.session.completed", "payment_intent.succeeded", "invoice.paid"}
LifecycleFn = Callable[[Role, Contact, dict[str, Any]], Awaitable[Any]]
PaymentFlowFn = Callable[[Contact, str, str | None], Awaitable[Any]]


def _id(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("id")
    return value or None


def payment_reference(obj: dict[str, Any]) -> str:
    if obj.get("object") == "invoice":
        return str(obj["id"])
    return str(_id(obj.get("invoice")) or _id(obj.get("payment_intent")) or obj["id"])


def payer_email(obj: dict[str, Any]) -> str | None:
    details = obj.get("customer_details") or obj.get("billing_details") or {}
    email = details.get("email") or obj.get("customer_email") or obj.get("receipt_email")
    customer = obj.get("customer")
    if not email and isinstance(customer, dict):
        email = customer.get("email")
    return email.strip().lower() if email else None


class Rules:
    def __init__(self, store: Store, *, lifecycle: LifecycleFn, payment_flow: PaymentFlowFn | None = None,
                 config: PipelineConfig | None = None) -> None:
        self.store = store
        self.lifecycle = lifecycle
        self.payment_flow = payment_flow
        self._config = config

    async def config(self) -> PipelineConfig:
        return self._config or await load_config(self.store)

    async def handle(self, event: EventRow) -> Commit | None:
        if event.source == "stripe":
            return await self.stripe(event)
        return await self.instantly(event)

    # --- Stripe ---

    async def _contact_for(self, obj: dict[str, Any]) -> Contact | None:
        meta = obj.get("metadata") or {}
        customer = _id(obj.get("customer"))
        if meta.get("contact_id"):
            found = await self.store.get_contact(contact_id=meta["contact_id"])
            if found:
                return found
        if customer:
            found = await self.store.get_contact(customer_id=customer)
            if found:
                return found
        email = payer_email(obj)
        if email:
            return await self.store.upsert_contact(email, stripe_customer_id=customer)
        return None

    async def _role(self, role: Role, contact: Contact, variables: dict[str, Any]) -> None:
        cfg = await self.config()
        if role not in cfg.campaign_roles or contact.do_not_contact:
            return
        await self.lifecycle(role, contact, variables)

    async def stripe(self, event: EventRow) -> Commit | None:
        obj = (event.payload.get("data") or {}).get("object") or {}
        kind = event.type
        if kind in PAYMENT_EVENTS:
            return await self._payment(event, obj)
        contact = await self._contact_for(obj)
        if contact is None:
            return None
        if kind == "invoice.payment_failed":
            await self._role("dunning", contact, {"amount_due": obj.get("amount_due"),
                                                  "invoice_url": obj.get("hosted_invoice_url")})
            cid = contact.id

            async def failed(conn: AsyncConnection) -> None:
                fresh = await self.store.get_contact(contact_id=cid, conn=conn)
                await self.store.update_contact(cid, conn=conn, payment_failures=(fresh.payment_failures if fresh else 0) + 1)

            return failed
        if kind.startswith("customer.subscription."):
            status = "canceled" if kind.endswith(".deleted") else str(obj.get("status") or "")
            if kind.endswith(".trial_will_end"):
                await self._role("renewal", contact, {"trial_end": obj.get("trial_end")})
                return None
            if kind.endswith(".deleted"):
                await self._role("win_back", contact, {"canceled_at": obj.get("canceled_at")})
            cid = contact.id

            async def subscription(conn: AsyncConnection) -> None:
                fields: dict[str, Any] = {"subscription_status": status}
                if status == "canceled":
                    fields["conversion_status"] = "churned"
                await self.store.update_contact(cid, conn=conn, **fields)

            return subscription
        if kind == "invoice.upcoming":
            await self._role("renewal", contact, {"amount_due": obj.get("amount_due")})
            return None
        if kind == "charge.refunded":
            return await self._refund(obj, contact)
        return None

    async def _payment(self, event: EventRow, obj: dict[str, Any]) -> Commit | None:
        amount = int(obj.get("amount_total") or obj.get("amount_paid") or obj.get("amount_received")
                     or obj.get("amount") or 0)
        currency = str(obj.get("currency") or "usd").lower()
        if obj.get("object") == "checkout.session" and obj.get("payment_status") not in (None, "paid"):
            return None
        contact = await self._contact_for(obj)
        if contact is None:
            return None
        reference = payment_reference(obj)
        seen = {p["reference"] for p in await self.store.payments_for(contact_id=contact.id)}
        meta = obj.get("metadata") or {}
        campaign = meta.get("instantly_campaign_id") or contact.source_campaign
        if reference not in seen:
            await self._role("post_purchase", contact, {
                "amount_paid": amount, "currency": currency.upper(), "stripe_customer_id": _id(obj.get("customer")),
            })
        cid, customer = contact.id, _id(obj.get("customer"))

        async def paid(conn: AsyncConnection) -> None:
            new = await self.store.record_payment(reference, amount=amount, currency=currency, contact_id=cid,
                                                  campaign_id=campaign, conn=conn)
            fresh = await self.store.get_contact(contact_id=cid, conn=conn)
            if fresh is None:
                return
            fields: dict[str, Any] = {"conversion_status": advance(fresh.conversion_status, "customer"),
                                      "paid_at": fresh.paid_at or time.time()}
            if customer and not fresh.stripe_customer_id:
                fields["stripe_customer_id"] = customer
            if new and (fresh.revenue_currency in (None, currency)):
                fields["total_revenue"] = fresh.total_revenue + amount
                fields["revenue_currency"] = currency
            if new:
                attribution = dict(fresh.attribution_data)
                attribution.setdefault("payments", []).append(
                    {"reference": reference, "amount": amount, "currency": currency, "campaign_id": campaign,
                     "link": _id(obj.get("payment_link")) or meta.get("payment_link")})
                fields["attribution_data"] = attribution
            await self.store.update_contact(cid, conn=conn, **fields)

        return paid

    async def _refund(self, charge: dict[str, Any], contact: Contact) -> Commit:
        refunds = ((charge.get("refunds") or {}).get("data")) or []
        currency = str(charge.get("currency") or "usd").lower()
        original = str(_id(charge.get("invoice")) or _id(charge.get("payment_intent")) or charge["id"])
        campaign = next((p["campaign_id"] for p in await self.store.payments_for(contact_id=contact.id)
                         if p["reference"] == original), None)
        items = [(str(r["id"]), int(r.get("amount") or 0)) for r in refunds if r.get("id")]
        if not items:  # refunds not expanded: the cumulative amount is the key
            total = int(charge.get("amount_refunded") or 0)
            items = [(f"refund:{charge['id']}:{total}", total - sum(
                -p["amount"] for p in await self.store.payments_for(contact_id=contact.id)
                if p["kind"] == "refund" and p["reference"].startswith(f"refund:{charge['id']}:")))]
        cid = contact.id

        async def refunded(conn: AsyncConnection) -> None:
            for reference, amount in items:
                if amount <= 0:
                    continue
                if await self.store.record_payment(reference, amount=-amount, currency=currency, kind="refund",
                                                   contact_id=cid, campaign_id=campaign, conn=conn):
                    fresh = await self.store.get_contact(contact_id=cid, conn=conn)
                    if fresh and fresh.revenue_currency in (None, currency):
                        await self.store.update_contact(cid, conn=conn, total_revenue=fresh.total_revenue - amount)

        return refunded

    # --- Instantly ---

    async def instantly(self, event: EventRow) -> Commit | None:
        p = event.payload
        email = str(p.get("lead_email") or "").strip().lower()
        if not email:
            return None
        kind = event.type
        campaign = p.get("campaign_id")
        cfg = await self.config()
        contact = await self.store.upsert_contact(email)
        if campaign and not contact.source_campaign:
            contact = await self.store.update_contact(contact.id, source_campaign=campaign) or contact
        if (kind in ("lead_interested", "lead_meeting_booked") and cfg.auto_payment_flow
                and self.payment_flow is not None and not contact.do_not_contact
                and contact.conversion_status not in ("payment_link_sent", "customer")):
            price = cfg.campaign_prices.get(str(campaign)) or cfg.default_price_id
            if price:
                await self.payment_flow(contact, price, campaign)
        at = time.time()
        cid = contact.id

        async def engaged(conn: AsyncConnection) -> None:
            fresh = await self.store.get_contact(contact_id=cid, conn=conn)
            if fresh is None:
                return
            f: dict[str, Any] = {}
            status = fresh.conversion_status
            if kind == "email_sent":
                f["last_sent_at"] = at
                status = advance(status, "contacted")
            elif kind == "email_opened":
                f.update(opens=fresh.opens + 1, last_opened_at=at)
                status = advance(status, "engaged")
            elif kind == "link_clicked":
                f.update(clicks=fresh.clicks + 1, last_clicked_at=at)
                status = advance(status, "engaged")
            elif kind == "reply_received":
                f.update(replies=fresh.replies + 1, last_replied_at=at)
                status = advance(status, "engaged")
            elif kind in ("email_bounced", "lead_unsubscribed"):
                f["do_not_contact"] = True
            elif kind in INTEREST_EVENTS:
                f["interest_status"] = INTEREST_EVENTS[kind]
                if (INTEREST_EVENTS[kind] or 0) > 0:
                    status = advance(status, "engaged")
            else:
                return
            if campaign and campaign not in fresh.instantly_campaign_ids:
                f["instantly_campaign_ids"] = [*fresh.instantly_campaign_ids, campaign]
            merged = {**fresh.model_dump(), **f}
            last = max((t for t in (merged["last_opened_at"], merged["last_clicked_at"], merged["last_replied_at"])
                        if t), default=None)
            f["email_engagement_score"] = score(
                opens=merged["opens"], clicks=merged["clicks"], replies=merged["replies"],
                interest_status=merged["interest_status"], last_engaged_at=last, weights=cfg.scoring)
            f["conversion_status"] = status
            await self.store.update_contact(cid, conn=conn, **f)

        return engaged
