"""One payment counts once, and a refund once, whatever events report it and in whatever order.

Payloads are built from Stripe's own fixture of every resource (current API shapes: the invoice names neither
its payment intent nor its charge, `invoice_payment.paid` links them; payment intents and charges name no
invoice), plus the pre-2025-03-31 shapes the rules still accept. Every order of the events is processed by the
real processor and rules over the store; a delivery by webhook and again by poll is the same Stripe event id.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

from orchestrator_mcp.config import PipelineConfig
from orchestrator_mcp.events.processor import Processor
from orchestrator_mcp.events.rules import Rules
from shared.store import Store, open_store
from tests.contract.specs import load

BOTH_ENGINES = True
PRICE = 1500


def resource(name: str, **fields: Any) -> dict[str, Any]:
    obj = copy.deepcopy(load("stripe-fixtures3.json")["resources"][name])
    obj.update(fields)
    return obj


def subscription_purchase(n: str, *, old_shapes: bool = False) -> dict[str, dict[str, Any]]:
    """The objects one subscription bought through a payment link produces, keyed by event type."""
    cus, inv, pi, ch = f"cus_{n}", f"in_{n}", f"pi_{n}", f"ch_{n}"
    email = f"buyer{n}@example.com"
    session = resource("checkout.session", id=f"cs_{n}", mode="subscription", status="complete", payment_status="paid",
                       amount_total=PRICE, amount_subtotal=PRICE, currency="usd", customer=cus, invoice=inv,
                       subscription=f"sub_{n}", payment_intent=None, payment_link=f"plink_{n}",
                       metadata={"instantly_campaign_id": "camp_1"})
    session["customer_details"]["email"] = email
    invoice = resource("invoice", id=inv, customer=cus, customer_email=email, amount_paid=PRICE, amount_due=PRICE,
                       amount_remaining=0, status="paid", currency="usd",
                       parent={"type": "subscription_details", "quote_details": None,
                               "subscription_details": {"subscription": f"sub_{n}", "metadata": {}}})
    payment = resource("invoice_payment", id=f"inpay_{n}", invoice=inv, amount_paid=PRICE, amount_requested=PRICE,
                       currency="usd", status="paid",
                       payment={"type": "payment_intent", "payment_intent": pi})
    intent = resource("payment_intent", id=pi, amount=PRICE, amount_received=PRICE, currency="usd", customer=cus,
                      latest_charge=ch, status="succeeded", description="Subscription creation")
    charge = resource("charge", id=ch, amount=PRICE, amount_captured=PRICE, captured=True, paid=True,
                      status="succeeded", currency="usd", customer=cus, payment_intent=pi)
    charge["billing_details"]["email"] = email
    objects = {"checkout.session.completed": session, "invoice.paid": invoice, "invoice_payment.paid": payment,
               "payment_intent.succeeded": intent, "charge.succeeded": charge}
    if old_shapes:  # before 2025-03-31: the links are on the objects themselves, no invoice_payment event
        invoice.update(payment_intent=pi, charge=ch, subscription=f"sub_{n}", paid=True)
        intent["invoice"] = inv
        charge["invoice"] = inv
        del objects["invoice_payment.paid"]
    return objects


def event(n: str, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"evt_{n}_{kind}", "object": "event", "type": kind, "api_version": "2026-10-28",
            "created": 1_700_000_000, "livemode": False, "data": {"object": obj}}


async def noop(*_args: Any) -> None:
    return None


def processor(store: Store, lookup: Any = None) -> Processor:
    return Processor(store, Rules(store, lifecycle=noop, config=PipelineConfig(), link_lookup=lookup).handle)


async def deliver(store: Store, n: str, kinds: tuple[str, ...], objects: dict[str, dict[str, Any]]) -> None:
    for kind in kinds:  # by webhook, then the same event again by poll
        await store.record_event("stripe", f"evt_{n}_{kind}", kind, event(n, kind, objects[kind]))
        await store.record_event("stripe", f"evt_{n}_{kind}", kind, event(n, kind, objects[kind]), via="poll")


async def revenue(store: Store, n: str) -> int:
    contact = await store.get_contact(email=f"buyer{n}@example.com")
    return contact.total_revenue if contact else 0


async def test_a_subscription_counts_once_in_every_order_of_its_events() -> None:
    store = await open_store()
    kinds = tuple(subscription_purchase("x"))
    orders = list(itertools.permutations(kinds))
    for i, order in enumerate(orders):
        await deliver(store, str(i), order, subscription_purchase(str(i)))
    report = await processor(store).run_once(limit=100_000)
    assert report.processed == len(orders) * len(kinds) and report.errors == []
    for i, order in enumerate(orders):
        assert await revenue(store, str(i)) == PRICE, order
        contact = await store.get_contact(email=f"buyer{i}@example.com")
        assert contact is not None and contact.conversion_status == "customer"
        rows = await store.payments_for(contact_id=contact.id)
        assert [(r["amount"], r["campaign_id"]) for r in rows] == [(PRICE, "camp_1")], order
        assert len(contact.attribution_data["payments"]) == 1, order
    await store.close()


async def test_with_stripe_linking_the_invoice_it_never_counts_twice_even_for_a_moment() -> None:
    """With the invoice-payment lookup (GET /v1/invoice_payments) a bare payment intent or charge that arrives
    before its invoice is recognised at once: the revenue never passes the price between events."""
    store = await open_store()
    purchases: dict[str, dict[str, dict[str, Any]]] = {}

    async def lookup(obj: dict[str, Any]) -> list[str]:  # Stripe's answer, from the purchase's InvoicePayment
        for objects in purchases.values():
            ip = objects["invoice_payment.paid"]
            pay = ip["payment"]["payment_intent"]
            if obj["id"] in (ip["invoice"], pay) or obj.get("payment_intent") == pay:
                return [ip["invoice"], pay]
        return []

    proc = processor(store, lookup)
    kinds = ("payment_intent.succeeded", "charge.succeeded", "invoice.paid", "checkout.session.completed")
    for i, order in enumerate(itertools.permutations(kinds)):
        n = f"L{i}"
        purchases[n] = subscription_purchase(n)
        for kind in order:
            await deliver(store, n, (kind,), purchases[n])
            await proc.run_once()
            assert await revenue(store, n) <= PRICE, (order, kind)
        assert await revenue(store, n) == PRICE, order
    await store.close()


async def test_old_shapes_count_once_too() -> None:
    store = await open_store()
    kinds = tuple(subscription_purchase("x", old_shapes=True))
    for i, order in enumerate(itertools.permutations(kinds)):
        await deliver(store, f"o{i}", order, subscription_purchase(f"o{i}", old_shapes=True))
    await processor(store).run_once(limit=100_000)
    for i in range(len(list(itertools.permutations(kinds)))):
        assert await revenue(store, f"o{i}") == PRICE
    await store.close()


async def test_a_one_time_purchase_counts_once() -> None:
    store = await open_store()
    for i, order in enumerate(itertools.permutations(("checkout.session.completed", "payment_intent.succeeded",
                                                      "charge.succeeded"))):
        n = f"p{i}"
        objects = subscription_purchase(n)
        objects["checkout.session.completed"].update(mode="payment", invoice=None, subscription=None,
                                                     payment_intent=f"pi_{n}")
        await deliver(store, n, order, objects)
    await processor(store).run_once()
    for i in range(6):
        assert await revenue(store, f"p{i}") == PRICE
    await store.close()


def refunds(n: str) -> dict[str, dict[str, Any]]:
    """Two partial refunds (500, then 300) of the charge, by refund events and by cumulative charge.refunded."""
    ch, pi = f"ch_{n}", f"pi_{n}"
    re1 = resource("refund", id=f"re_{n}_1", amount=500, charge=ch, payment_intent=pi, status="succeeded")
    re2 = resource("refund", id=f"re_{n}_2", amount=300, charge=ch, payment_intent=pi, status="succeeded")
    charge = subscription_purchase(n)["charge.succeeded"]
    first = {**copy.deepcopy(charge), "amount_refunded": 500, "refunded": False}
    second = {**copy.deepcopy(charge), "amount_refunded": 800, "refunded": False}
    return {"refund.created#1": re1, "refund.created#2": re2, "charge.refunded#1": first, "charge.refunded#2": second}


async def test_refunds_count_once_in_every_order_and_keep_the_campaign() -> None:
    store = await open_store()
    orders = list(itertools.permutations(refunds("x")))
    for i, order in enumerate(orders):
        n = f"r{i}"
        purchase = subscription_purchase(n)
        await deliver(store, n, tuple(purchase), purchase)
        items = refunds(n)
        for key in order:
            kind = key.split("#")[0]
            await store.record_event("stripe", f"evt_{n}_{key}", kind, event(n, kind, items[key]))
    report = await processor(store).run_once(limit=100_000)
    assert report.errors == []
    for i, order in enumerate(orders):
        n = f"r{i}"
        assert await revenue(store, n) == PRICE - 800, order
        contact = await store.get_contact(email=f"buyer{n}@example.com")
        assert contact is not None
        rows = await store.payments_for(contact_id=contact.id)
        assert sum(r["amount"] for r in rows) == PRICE - 800, order
        assert {r["campaign_id"] for r in rows} == {"camp_1"}, order
    await store.close()
