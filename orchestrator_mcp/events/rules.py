"""The automation rules: payment events drive email, and email engagement drives payments.

Each handler does its outside work first (moving a lead is idempotent), then returns the store
changes, which the processor commits with the event's processed mark. A payment counts once however
many events report it and in whatever order (checkout session, invoice, invoice payment, payment
intent, charge; webhook and poll): every id naming it maps to one reference (the store's payment
aliases, see shared/store/payments.py). Counters and sums are added atomically and a rule that reads
a contact before writing it holds the row's lock, so several processors on one database stay exact.
"""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from orchestrator_mcp.config import PipelineConfig, Role, load_config
from orchestrator_mcp.events.money import (
    PAYMENT_EVENTS,
    REFUND_EVENTS,
    is_paid,
    needs_link_lookup,
    object_id,
    payment_amount,
    payment_ids,
    payment_metadata,
    refund_items,
)
from orchestrator_mcp.events.processor import Commit
from orchestrator_mcp.flows.payment_flow import format_amount
from orchestrator_mcp.flows.purchase import Purchase
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
# Engagement event -> (the counter it adds one to, the time it stamps).
COUNTERS = {"email_opened": ("opens", "last_opened_at"), "link_clicked": ("clicks", "last_clicked_at"),
            "reply_received": ("replies", "last_replied_at")}
class LifecycleFn(Protocol):
    """Start a role's sequence; from_campaign/from_lead name the lead to use (the campaign that sold it)."""

    def __call__(self, role: Role, contact: Contact, variables: dict[str, Any], *, from_campaign: str | None = None,
                 from_lead: str | None = None) -> Awaitable[Any]: ...


# What a payment bought (orchestrator_mcp/flows/purchase.py, over the Stripe API).
PurchaseLookupFn = Callable[[dict[str, Any]], Awaitable[Purchase]]
PaymentFlowFn = Callable[[Contact, str, str | None], Awaitable[Any]]
# Given a payment intent, charge or invoice that does not name its counterpart, the ids Stripe links to it
# (GET /v1/invoice_payments); [] when there are none or the lookup is unavailable.
LinkLookupFn = Callable[[dict[str, Any]], Awaitable[list[str]]]
_id = object_id
_RERUN: ContextVar[bool] = ContextVar("rerun_effects", default=False)  # replaying an applied event's actions


def suppression_reason(kind: str, payload: dict[str, Any]) -> str | None:
    """Why an Instantly event puts the person on the suppression list, or None. Instantly reports a bounce as
    email_bounced once the address is hard-bounced (the lead's status becomes -1, bounced); a payload that says
    it was soft is not suppressed. A spam complaint arrives as a custom label event (its name as event_type)."""
    if kind == "lead_unsubscribed":
        return "unsubscribed"
    if kind == "email_bounced":
        soft = str(payload.get("bounce_type") or payload.get("bounce_category") or "").lower() in ("soft", "transient")
        return None if soft else "hard_bounce"
    name = kind.lower()
    if "spam" in name or "complain" in name or "abuse" in name:
        return "spam_complaint"
    return None


def payer_email(obj: dict[str, Any]) -> str | None:
    details = obj.get("customer_details") or obj.get("billing_details") or {}
    email = details.get("email") or obj.get("customer_email") or obj.get("receipt_email")
    customer = obj.get("customer")
    if not email and isinstance(customer, dict):
        email = customer.get("email")
    return email.strip().lower() if email else None


class Rules:
    def __init__(self, store: Store, *, lifecycle: LifecycleFn, payment_flow: PaymentFlowFn | None = None,
                 config: PipelineConfig | None = None, link_lookup: LinkLookupFn | None = None,
                 purchase_lookup: PurchaseLookupFn | None = None) -> None:
        self.store = store
        self.link_lookup = link_lookup
        self.purchase_lookup = purchase_lookup
        self.lifecycle = lifecycle
        self.payment_flow = payment_flow
        self._config = config
        # Adds an address to Instantly's block list (orchestrator_mcp/flows/suppression.py); None: store only.
        self.block: Callable[[str], Awaitable[Any]] | None = None

    async def config(self) -> PipelineConfig:
        return self._config or await load_config(self.store)

    async def handle(self, event: EventRow) -> Commit | None:
        """The event's outside actions now, its store changes as the returned commit.

        An event whose effects were applied before (a replay) changes no counter or sum again: without
        `rerun_effects` nothing runs; with it the outside actions run again and the store is left alone."""
        if event.applied_at is not None:
            if not event.rerun_effects:
                return None
            token = _RERUN.set(True)
            try:
                await (self.stripe(event) if event.source == "stripe" else self.instantly(event))
            finally:
                _RERUN.reset(token)
            return None
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
        if kind == "checkout.session.completed" and getattr(self, "on_checkout", None):
            await self.on_checkout(obj)  # a launch's sale: reminders stop, tier switch (events/tiers.py)
        if kind in PAYMENT_EVENTS:
            return await self._payment(obj)
        if kind in REFUND_EVENTS:
            return await self._refund(obj)
        contact = await self._contact_for(obj)
        if contact is None:
            return None
        if kind == "invoice.payment_failed":
            await self._role("dunning", contact, {"amount_due": obj.get("amount_due"),
                                                  "invoice_url": obj.get("hosted_invoice_url")})
            cid = contact.id

            async def failed(conn: AsyncConnection) -> None:
                await self.store.bump_contact(cid, conn, payment_failures=1)

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
        return None

    async def _linked_ids(self, obj: dict[str, Any], ids: list[str]) -> list[str]:
        """Add the ids Stripe links to this object when the payload does not name them and no stored alias does."""
        if self.link_lookup is None or not needs_link_lookup(obj):
            return ids
        if await self.store.payment_reference_for(ids):
            return ids
        try:
            return [*ids, *await self.link_lookup(obj)]
        except Exception as exc:  # noqa: BLE001 - a later linking event still merges the two
            log.warning("could not look up the invoice of %s: %s", obj.get("id"), exc)
            return ids

    async def _payment(self, obj: dict[str, Any]) -> Commit | None:
        if not is_paid(obj):
            return None
        ids = await self._linked_ids(obj, payment_ids(obj))
        if not ids:
            return None
        amount, currency = payment_amount(obj), str(obj.get("currency") or "usd").lower()
        meta = payment_metadata(obj)
        # An invoice payment names no customer: it only links ids (and merges a payment counted twice).
        contact = None if obj.get("object") == "invoice_payment" else await self._contact_for(obj)
        known = await self.store.payment_reference_for(ids)
        if contact is not None and (_RERUN.get() or not (known and await self.store.payment(known))):
            await self._post_purchase(obj, contact, amount, currency, meta)
        cid = contact.id if contact else None
        campaign = meta.get("instantly_campaign_id") or (contact.source_campaign if contact else None)
        customer = _id(obj.get("customer"))
        link_id = _id(obj.get("payment_link")) or meta.get("payment_link")

        async def paid(conn: AsyncConnection) -> None:
            link = await self.store.link_payment(ids, conn)
            for dup in link.merged:
                await self._drop_attribution(dup, conn)
            if cid is None:
                return
            reference = link.reference
            fresh = await self.store.get_contact(contact_id=cid, conn=conn, for_update=True)
            if fresh is None:
                return
            new = await self.store.record_payment(reference, amount=amount, currency=currency, contact_id=cid,
                                                  campaign_id=campaign, conn=conn)
            fields: dict[str, Any] = {"conversion_status": advance(fresh.conversion_status, "customer"),
                                      "paid_at": fresh.paid_at or time.time()}
            if customer and not fresh.stripe_customer_id:
                fields["stripe_customer_id"] = customer
            if new:
                await self.store.add_revenue(cid, amount, currency, conn)
                attribution = dict(fresh.attribution_data)
                attribution["payments"] = [*attribution.get("payments", []), {
                    "reference": reference, "amount": amount, "currency": currency, "campaign_id": campaign,
                    "link": link_id}]
                fields["attribution_data"] = attribution
            elif campaign:
                await self.store.fill_payment_campaign(reference, campaign, conn)
            await self.store.update_contact(cid, conn=conn, **fields)

        return paid

    async def _post_purchase(self, obj: dict[str, Any], contact: Contact, amount: int, currency: str,
                             meta: dict[str, Any]) -> None:
        """The buyer's lead of the campaign that sold it into the post-purchase campaign, with what was bought."""
        cfg = await self.config()
        if "post_purchase" not in cfg.campaign_roles or contact.do_not_contact:
            return
        if meta.get("launch"):
            # A launch's sale: the buyer goes to the launch's own "registered" campaign (events/tiers.py), which
            # is its post-purchase; moving the lead to the general role's campaign too would undo that move.
            return
        bought = await self.purchase_lookup(obj) if self.purchase_lookup is not None else Purchase()
        meta = {**bought.metadata, **meta}
        variables = {**bought.variables(), "amount_paid": format_amount(amount, currency),
                     "currency": currency.upper(), "stripe_customer_id": _id(obj.get("customer"))}
        await self.lifecycle("post_purchase", contact, {k: v for k, v in variables.items() if v is not None},
                             from_campaign=meta.get("instantly_campaign_id") or contact.source_campaign,
                             from_lead=meta.get("instantly_lead_id"))

    async def _drop_attribution(self, dup: dict[str, Any], conn: AsyncConnection) -> None:
        """A payment counted twice was merged: its second entry leaves the contact's attribution too."""
        if not dup.get("contact_id"):
            return
        fresh = await self.store.get_contact(contact_id=dup["contact_id"], conn=conn, for_update=True)
        if fresh is None:
            return
        attribution = dict(fresh.attribution_data)
        attribution["payments"] = [p for p in attribution.get("payments", []) if p.get("reference") != dup["reference"]]
        await self.store.update_contact(fresh.id, conn=conn, attribution_data=attribution)

    async def _refund(self, obj: dict[str, Any]) -> Commit | None:
        """Refunded money comes off the payment's contact once, attributed to the payment's campaign."""
        ids = payment_ids(obj)
        items, cumulative = refund_items(obj)
        if not ids or (not items and cumulative is None):
            return None
        currency = str(obj.get("currency") or "usd").lower()
        known = await self.store.payment_reference_for(ids)
        payment = await self.store.payment(known) if known else None
        fallback = None
        if not (payment and payment["contact_id"]):
            contact = await self._contact_for(obj)
            fallback = contact.id if contact else None

        async def refunded(conn: AsyncConnection) -> None:
            link = await self.store.link_payment(ids, conn)
            for dup in link.merged:
                await self._drop_attribution(dup, conn)
            original = await self.store.payment(link.reference, conn)
            cid = (original or {}).get("contact_id") or fallback
            if cid:
                await self.store.get_contact(contact_id=cid, conn=conn, for_update=True)
            common = {"currency": currency, "contact_id": cid, "conn": conn,
                      "campaign_id": (original or {}).get("campaign_id")}
            total = 0
            for refund_id, amount in items:
                total += await self.store.record_refund(link.reference, refund_id=refund_id, amount=amount,
                                                        cumulative=None, **common)
            if cumulative is not None:
                total += await self.store.record_refund(link.reference, refund_id=None, amount=None,
                                                        cumulative=cumulative, **common)
            if total and cid:
                await self.store.add_revenue(cid, -total, currency, conn)

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
                and contact.conversion_status not in ("payment_link_sent", "customer")
                and not await self.store.suppression_reason(email)):
            price = cfg.campaign_prices.get(str(campaign)) or cfg.default_price_id
            if price:
                await self.payment_flow(contact, price, campaign)
        at = time.time()
        cid = contact.id
        suppress_as = suppression_reason(kind, p)
        if suppress_as and self.block is not None:
            await self.block(email)  # the outside effect first: Instantly never emails them again

        async def engaged(conn: AsyncConnection) -> None:
            if suppress_as:
                await self.store.suppress(email, suppress_as, kind, conn=conn)
            # The row lock makes the score (read, then written) exact with several processors; the counters
            # themselves are added in SQL.
            fresh = await self.store.get_contact(contact_id=cid, conn=conn, for_update=True)
            if fresh is None:
                return
            f: dict[str, Any] = {}
            status = fresh.conversion_status
            if kind in COUNTERS:
                counter, stamp = COUNTERS[kind]
                await self.store.bump_contact(cid, conn, **{counter: 1})
                f[stamp] = at
                status = advance(status, "engaged")
                fresh = fresh.model_copy(update={counter: getattr(fresh, counter) + 1})
            elif kind == "email_sent":
                f["last_sent_at"] = at
                status = advance(status, "contacted")
            elif kind in ("email_bounced", "lead_unsubscribed") or suppress_as:
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
