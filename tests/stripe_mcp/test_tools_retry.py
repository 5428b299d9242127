"""A retried tool call never creates a second object.

The fault: a create commits at Stripe, the connection drops before the answer, the SDK's retry meets a 429 (which
it does not retry), and the tool reports an error. The model then calls the same tool again, as it should.
"""

from __future__ import annotations

from typing import Any

import pytest

from stripe_mcp.client.intents import IntentBook
from tests.stripe_mcp.stripe_support import api_for, catalog, count, mcp_client, ok, paid_intent, text_of, use_sandbox



def lose_answer(sandbox: Any, requests_before: int = 0) -> None:
    """The write after `requests_before` requests commits and loses its answer; the SDK's retry of it then gets a
    429 (which the SDK does not retry). Queued faults apply to requests in order; "pass" lets one through."""
    sandbox.control("faults", {"next": ["pass"] * requests_before + ["after_commit", "429"], "retry_after": 0.01})


async def seed(sandbox: Any) -> dict[str, str]:
    async with api_for(sandbox) as api:
        prod, price = await catalog(api, amount=1500)
        _, monthly = await catalog(api, amount=900, interval="month")
        cus = await api.create_customer(email="buyer@example.com")
        paid = await paid_intent(api, amount=1200, customer=cus["id"])
    return {"product": prod, "price": price, "monthly": monthly, "customer": cus["id"], "pi": paid["id"]}


# tool, arguments (from the seeded ids), the object type counted, requests the tool makes before its write
CREATES = [
    ("stripe_save_customer", lambda ids: {"email": "new@example.com", "name": "Ada"}, "customer", 0),
    ("stripe_create_product", lambda ids: {"name": "Audit"}, "product", 0),
    ("stripe_create_price", lambda ids: {"product": ids["product"], "unit_amount": 300, "currency": "usd"},
     "price", 0),
    ("stripe_create_coupon", lambda ids: {"percent_off": 10}, "coupon", 0),
    ("stripe_create_payment_link", lambda ids: {"price": ids["price"]}, "payment_link", 1),
    ("stripe_create_payment_link", lambda ids: {"customer": ids["customer"], "price": ids["price"],
                                                "redirect_url": "https://example.com/ok"}, "checkout.session", 1),
    ("stripe_create_payment_intent", lambda ids: {"amount": 100, "currency": "usd"}, "payment_intent", 0),
    ("stripe_create_subscription", lambda ids: {"customer": ids["customer"], "items": [{"price": ids["monthly"]}],
                                                "collection_method": "send_invoice"}, "subscription", 0),
    ("stripe_create_invoice", lambda ids: {"customer": ids["customer"], "items": [{"price": ids["price"]}]},
     "invoice", 1),
    ("stripe_create_refund", lambda ids: {"payment_intent": ids["pi"], "amount": 200, "confirm": True},
     "refund", 2),
]


@pytest.mark.parametrize(("tool", "make_args", "object_type", "reads"), CREATES,
                         ids=[f"{c[0]}-{c[2]}" for c in CREATES])
async def test_retry_after_a_lost_answer_creates_nothing_twice(stripe_sandbox, monkeypatch: pytest.MonkeyPatch,
                                                               tool: str, make_args: Any, object_type: str,
                                                               reads: int) -> None:
    ids = await seed(stripe_sandbox)
    args = make_args(ids)
    use_sandbox(monkeypatch, stripe_sandbox)
    before = count(stripe_sandbox, object_type)
    async with mcp_client() as client:
        lose_answer(stripe_sandbox, reads)
        first = await client.call_tool(tool, args)
        assert first.is_error, f"the fault did not hit {tool}"
        assert count(stripe_sandbox, object_type) == before + 1  # it did commit

        again = await ok(client, tool, args)  # what the model does next
        assert again["executed"] is True
        assert count(stripe_sandbox, object_type) == before + 1  # and nothing twice
        error = text_of(first)
        assert "429" in error and "with the same arguments is safe" in error
        third = await client.call_tool(tool, args)  # a repeat within the window is the same object again
        assert third.structured_content["object"]["id"] == again["object"]["id"]
        assert "nothing new was created" in text_of(third)
    assert count(stripe_sandbox, object_type) == before + 1


# stripe_create_invoice makes: GET price (currency), POST invoice, GET invoice, then per line GET invoice + POST item,
# then POST finalize. Requests before each write, and the step named in the error:
INVOICE_STEPS = [(1, "create the draft"), (4, "add items[0]"), (6, "add items[1]"), (7, "finalize")]


@pytest.mark.parametrize(("reads", "step"), INVOICE_STEPS, ids=[s for _, s in INVOICE_STEPS])
async def test_invoice_resumes_after_a_failure_at_any_step(stripe_sandbox, monkeypatch: pytest.MonkeyPatch,
                                                           reads: int, step: str) -> None:
    ids = await seed(stripe_sandbox)
    use_sandbox(monkeypatch, stripe_sandbox)
    args = {"customer": ids["customer"], "items": [{"price": ids["price"], "quantity": 2},
                                                   {"amount": 500, "description": "Setup"}], "finalize": True}
    invoices = count(stripe_sandbox, "invoice")
    async with mcp_client() as client:
        lose_answer(stripe_sandbox, reads)
        first = await client.call_tool("stripe_create_invoice", args)
        assert first.is_error
        done = (await ok(client, "stripe_create_invoice", args))["object"]
        assert done["status"] == "open" and done["total"] == 3500 and done["currency"] == "usd"
        items = await ok(client, "stripe_list", {"kind": "invoice_items", "related_to": done["id"]})
        assert sorted(i["amount"] for i in items["items"]) == [500, 3000]
    assert count(stripe_sandbox, "invoice") == invoices + 1  # the same invoice, never a second draft
    assert count(stripe_sandbox, "invoiceitem") == 2
    assert f"stopped at: {step}" in text_of(first) and "with the same arguments is safe" in text_of(first)


async def test_distinct_calls_are_distinct_objects(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with mcp_client() as client:
        a = await ok(client, "stripe_create_product", {"name": "Alpha"})
        b = await ok(client, "stripe_create_product", {"name": "Alpha", "description": "second"})
        c = await ok(client, "stripe_create_product", {"name": "Beta"})
        again = await client.call_tool("stripe_create_product", {"name": "Alpha"})
    assert len({a["object"]["id"], b["object"]["id"], c["object"]["id"]}) == 3
    assert again.structured_content["object"]["id"] == a["object"]["id"]
    assert "nothing new was created" in text_of(again)
    assert count(stripe_sandbox, "product") == 3


async def test_a_refused_create_says_nothing_was_created(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """A definite refusal created nothing: the text says so (and the next identical call gets a fresh key)."""
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        prod = await api.create_product(name="Later")
        await api.delete("products", prod["id"])
    args = {"product": prod["id"], "unit_amount": 100, "currency": "usd"}
    async with mcp_client() as client:
        text = text_of(await client.call_tool("stripe_create_price", args))
        assert "no price was created" in text and "with the same arguments is safe" not in text


def test_intent_keys_follow_arguments_and_the_window() -> None:
    now = [1_000_000.0]
    book = IntentBook(window_seconds=600, clock=lambda: now[0])
    first = book.intent("stripe_create_product", {"name": "A"})
    assert not first.repeat
    assert book.intent("stripe_create_product", {"name": "A"}).key == first.key  # a retry: the same key
    assert book.intent("stripe_create_product", {"name": "B"}).key != first.key  # another intent
    assert book.intent("stripe_create_price", {"name": "A"}).key != first.key
    now[0] += 599  # still the same window, though the clock's 10-minute bucket may have turned
    assert book.intent("stripe_create_product", {"name": "A"}).key == first.key
    now[0] += 2  # past the window: a new intent
    later = book.intent("stripe_create_product", {"name": "A"})
    assert later.key != first.key and not later.repeat
    later.refused()  # Stripe refused outright: the next identical call is a fresh attempt
    fresh = book.intent("stripe_create_product", {"name": "A"})
    assert fresh.key != later.key and not fresh.repeat
    assert book.intent("stripe_create_product", {"name": "A"}).key == fresh.key
    assert len(fresh.step("finalize")) < 255 and fresh.step("item0") != fresh.step("item1")
