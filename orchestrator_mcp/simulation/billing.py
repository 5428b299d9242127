"""Buyers and subscribers acting in the Stripe sandbox: paying a link or a checkout (or having the card declined),
renewals that succeed or fail, cancellations, trial ends, upcoming invoices, refunds and disputes.

Each goes through the sandbox's own paths: `/_sandbox/...` for what a buyer or Stripe's clock does, the Stripe
API (through the orchestrator's Stripe client) for what the merchant side does (cancel, refund).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from orchestrator_mcp.simulation.outcome import money
from orchestrator_mcp.simulation.sandboxes import Sandboxes
from shared.errors import InputError

if TYPE_CHECKING:
    from orchestrator_mcp.deps import OrchestratorDeps

Action = Literal["pay", "renew", "fail_renewal", "cancel", "end_trial", "invoice_upcoming", "refund", "dispute"]
Card = Literal["success", "declined", "insufficient_funds"]
CARDS = {"success": "pm_card_visa", "declined": "pm_card_chargeDeclined",
         "insufficient_funds": "pm_card_chargeDeclinedInsufficientFunds"}
LIVE = ("active", "trialing", "past_due")


class Target:
    def __init__(self, deps: OrchestratorDeps, sb: Sandboxes, email: str | None) -> None:
        self.deps, self.sb, self.email = deps, sb, (email or "").strip().lower() or None

    async def customers(self) -> list[str]:
        if not self.email:
            raise InputError("give email (the buyer's), or the object's id", "email")
        ids: list[str] = []
        contact = await (await self.deps.store()).get_contact(email=self.email)
        if contact and contact.stripe_customer_id:
            ids.append(contact.stripe_customer_id)
        found = await self.sb.stripe_api("GET", f"customers?email={self.email}&limit=10")
        ids += [c["id"] for c in found.get("data") or [] if c["id"] not in ids]
        if not ids:
            raise InputError(f"{self.email} is not a Stripe customer yet (nothing paid)", "email")
        return ids

    async def subscription(self, given: str | None, *, status: tuple[str, ...] = LIVE) -> dict[str, Any]:
        if given:
            return dict(await self.sb.stripe_api("GET", f"subscriptions/{given}"))
        subs = []
        for customer in await self.customers():
            page = await self.sb.stripe_api("GET", f"subscriptions?customer={customer}&status=all&limit=100")
            subs += page.get("data") or []
        live = [s for s in subs if s["status"] in status]
        if not live:
            seen = ", ".join(f"{s['id']} ({s['status']})" for s in subs) or "none"
            raise InputError(f"{self.email} has no {' or '.join(status)} subscription; subscriptions: {seen}",
                             "subscription")
        return dict(max(live, key=lambda s: s["created"]))

    async def charge(self, given: str | None) -> dict[str, Any]:
        if given:
            return dict(await self.sb.stripe_api("GET", f"charges/{given}"))
        charges = []
        for customer in await self.customers():
            page = await self.sb.stripe_api("GET", f"charges?customer={customer}&limit=100")
            charges += [c for c in page.get("data") or [] if c.get("status") == "succeeded" and not c.get("refunded")]
        if not charges:
            raise InputError(f"{self.email} has no paid charge to refund or dispute", "email")
        return dict(max(charges, key=lambda c: c["created"]))

    async def _link_by_url(self, url: str) -> dict[str, Any] | None:
        after = ""
        while True:
            page = await self.sb.stripe_api("GET", f"payment_links?limit=100{after}")
            items = page.get("data") or []
            found = next((x for x in items if x.get("url") == url), None)
            if found is not None or not page.get("has_more") or not items:
                return found
            after = f"&starting_after={items[-1]['id']}"

    async def link(self, given: str | None) -> str:
        """A payment link id (plink_...) or checkout session id (cs_...); the buyer defaults to the link's contact."""
        if given and given.startswith("cs_"):
            return given
        if given:
            found = None
            if given.startswith("plink_"):
                found = await self.sb.stripe_api("GET", f"payment_links/{given}")
            else:  # a link's URL: every page of links, newest first
                found = await self._link_by_url(given)
                if found is None:
                    raise InputError(f"no payment link has the URL {given}", "link")
            contact_id = (found.get("metadata") or {}).get("contact_id")
            if not self.email and contact_id:
                contact = await (await self.deps.store()).get_contact(contact_id=contact_id)
                self.email = contact.email if contact else None
            return str(found["id"])
        if not self.email:
            raise InputError("give link (payment link id or URL, or checkout session id) or the buyer's email", "link")
        contact = await (await self.deps.store()).get_contact(email=self.email)
        last = (contact.attribution_data.get("last_link") if contact else None)
        if last:
            return str(last)
        # else the link in the lead's {{payment_link}} (a launch's tier link is shared, so not the contact's own)
        lead = await (await self.deps.instantly_client()).find_lead(self.email)
        url = str((lead.payload or {}).get("payment_link") or "") if lead else ""
        if not url:
            raise InputError(f"no payment link was sent to {self.email}; send one (trigger_payment_flow or "
                             "launch_offer) or give link", "link")
        return await self.link(url)


def _sub_name(sub: dict[str, Any]) -> str:
    item = ((sub.get("items") or {}).get("data") or [{}])[0]
    price = item.get("price") or {}
    amount = money(int(price.get("unit_amount") or 0), price.get("currency"))
    every = (price.get("recurring") or {}).get("interval", "period")
    return f"{sub['id']} ({amount}/{every})"


async def act(deps: OrchestratorDeps, sb: Sandboxes, action: Action, *, email: str | None, link: str | None,
              subscription: str | None, charge: str | None, card: Card, amount: int | None,
              reason: str | None) -> tuple[str, set[str]]:
    """Do it; returns (what happened, emails involved)."""
    who = Target(deps, sb, email)
    involved = {who.email} if who.email else set()
    if action == "pay":
        target = await who.link(link)
        if who.email:
            involved.add(who.email)
        buyer: dict[str, Any] = {"payment_method": CARDS[card]}
        if who.email:
            buyer["email"] = who.email
        path = (f"checkout/sessions/{target}/complete" if target.startswith("cs_") else f"payment_links/{target}/pay")
        try:
            done = await sb.stripe(path, buyer)
        except InputError as exc:
            if card == "success":
                raise
            return f"{who.email or 'The buyer'}'s card was declined paying {target}: {exc}", involved
        cs = done.get("checkout_session") or {}
        involved.add(str((cs.get("customer_details") or {}).get("email") or "").lower())
        what = money(int(cs.get("amount_total") or 0), cs.get("currency"))
        sub = " (subscription started)" if done.get("subscription") else ""
        return f"{who.email or 'The buyer'} paid {what} through {target}{sub}.", involved
    if action in ("renew", "fail_renewal"):
        sub = await who.subscription(subscription)
        if action == "fail_renewal":
            await sb.stripe(f"subscriptions/{sub['id']}/fail_next_renewal", {"count": 1})
        await sb.stripe("advance_time", {"to": "renewal", "subscription": sub["id"]})
        fresh = await sb.stripe_api("GET", f"subscriptions/{sub['id']}")
        verb = "renewal failed" if action == "fail_renewal" else "renewed"
        return f"Subscription {_sub_name(sub)} {verb}; it is now {fresh['status']}.", involved
    if action == "cancel":
        sub = await who.subscription(subscription)
        await (await deps.stripe_client()).cancel_subscription(sub["id"])
        return f"The customer canceled subscription {_sub_name(sub)}.", involved
    if action == "end_trial":
        sub = await who.subscription(subscription, status=("trialing",))
        await sb.stripe("advance_time", {"to": "trial_end", "subscription": sub["id"]})
        fresh = await sb.stripe_api("GET", f"subscriptions/{sub['id']}")
        return f"The trial of {_sub_name(sub)} ended; it is now {fresh['status']}.", involved
    if action == "invoice_upcoming":
        sub = await who.subscription(subscription)
        up = (await sb.stripe(f"subscriptions/{sub['id']}/upcoming", {}))["invoice"]
        return (f"An invoice of {money(int(up.get('amount_due') or 0), up.get('currency'))} is coming up for "
                f"{_sub_name(sub)}.", involved)
    ch = await who.charge(charge)
    if action == "refund":
        refund = await (await deps.stripe_client()).create_refund(charge=ch["id"], amount=amount)
        return (f"Refunded {money(int(refund.get('amount') or 0), refund.get('currency'))} of charge {ch['id']} "
                f"({money(int(ch['amount']), ch['currency'])}).", involved)
    body: dict[str, Any] = {"reason": reason or "fraudulent"}
    if amount is not None:
        body["amount"] = amount
    dispute = (await sb.stripe(f"charges/{ch['id']}/dispute", body))["dispute"]
    return (f"The buyer disputed {money(int(dispute['amount']), dispute['currency'])} of charge {ch['id']} "
            f"({dispute['reason']}).", involved)
