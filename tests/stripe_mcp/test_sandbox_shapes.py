"""Every object the sandbox returns has the key set of Stripe's own fixture for that resource (API version the SDK
pins): no field the fixture lacks, none of the fixture's top-level fields missing, except the justified entries
of ALLOWED. The fixture is stripe/openapi's fixtures3.json (July 2026), tests/contract/specs.

The scenario walks every kind the sandbox renders: catalog, checkout and payment links, payment intents, charges,
refunds, disputes, subscriptions (items, plans), invoices (lines, invoice items, invoice payments), events and
their payloads, webhook endpoints, deleted objects. Nested objects that carry an `object` tag are checked too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from stripe_mcp.sandbox.runtime import API_VERSION
from tests.contract.specs import load as load_spec
from tests.stripe_mcp.conftest import SandboxHandle

# resource -> field -> why the sandbox differs from the fixture there. "-" = the fixture has it, we omit it;
# "+" = we render it, the fixture lacks it.
ALLOWED: dict[str, dict[str, str]] = {
    "invoice": {
        "-subscription": "removed by 2025-03-31.basil (changelog adds-new-parent-field-to-invoicing-objects) and "
                         "absent from the SDK's Invoice class; the fixture still lists it as null. The subscription "
                         "is parent.subscription_details.subscription.",
    },
    "charge": {
        "-refunds": "not included by default since 2022-11-15 (changelog deprecates-charges-auto-expand); "
                    "rendered when expanded (expand[]=refunds). The fixture shows the expanded form.",
    },
    "checkout.session": {
        "-currency_conversion": "only with adaptive pricing (Stripe omits it otherwise); the sandbox has none.",
    },
    "webhook_endpoint": {
        "+secret": "the signing secret, in the create answer only (SDK _webhook_endpoint.py: `secret`, \"only "
                   "returned at creation\"); the fixture shows a retrieved endpoint.",
    },
}
# Includable fields (invoice `payments` and `confirmation_secret`, checkout session `line_items`, charge `refunds`)
# are allowed only in an answer to a request that expanded them (`expand[]=...payments`).


def fixture_keys() -> dict[str, set[str]]:
    return {name: set(obj) for name, obj in load_spec("stripe-fixtures3.json")["resources"].items()
            if isinstance(obj, dict)}


def tagged(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict in `node` that names its resource (`object`), lists and search results excepted."""
    if isinstance(node, list):
        for item in node:
            yield from tagged(item)
    elif isinstance(node, dict):
        if isinstance(node.get("object"), str) and node["object"] not in ("list", "search_result"):
            yield node
        for value in node.values():
            yield from tagged(value)


def resource_of(obj: dict[str, Any]) -> str:
    return f"deleted_{obj['object']}" if obj.get("deleted") is True else obj["object"]


class Recorder:
    """Raw JSON calls against the sandbox; every answer is kept for the key-set check."""

    def __init__(self, sandbox: SandboxHandle) -> None:
        self.sandbox = sandbox
        self.http = httpx.Client(base_url=sandbox.url, timeout=30,
                                 headers={"Authorization": f"Bearer {sandbox.api_key}"})
        self.seen: list[tuple[Any, set[str]]] = []  # (answer, the fields its request expanded)

    def __call__(self, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
        resp = self.http.request(method, path, data=data if method == "POST" else None,
                                 params=data if method != "POST" else None)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        expanded = {v.rsplit(".", 1)[-1] for k, v in (data or {}).items() if k.startswith("expand")}
        self.seen.append((body, expanded))
        return body

    def control(self, path: str, body: dict[str, Any]) -> Any:
        out = self.sandbox.control(path, body)
        self.seen.append((out, set()))
        return out


def run_scenario(api: Recorder) -> None:
    api("POST", "/v1/webhook_endpoints", {"url": "http://127.0.0.1:9/hook", "enabled_events[0]": "*",
                                          "api_version": API_VERSION})
    cus = api("POST", "/v1/customers", {"email": "c@example.com", "name": "C", "payment_method": "pm_card_visa",
                                        "invoice_settings[default_payment_method]": "pm_card_visa"})
    api("GET", f"/v1/customers/{cus['id']}/payment_methods")
    prod = api("POST", "/v1/products", {"name": "Plan", "default_price_data[currency]": "usd",
                                        "default_price_data[unit_amount]": "1500",
                                        "default_price_data[recurring][interval]": "month"})
    monthly = api("GET", f"/v1/prices/{prod['default_price']}")
    one_off = api("POST", "/v1/prices", {"product": prod["id"], "currency": "usd", "unit_amount": "5000"})
    coupon = api("POST", "/v1/coupons", {"percent_off": "25", "duration": "once"})
    link = api("POST", "/v1/payment_links", {"line_items[0][price]": one_off["id"], "line_items[0][quantity]": "1"})
    api("GET", f"/v1/payment_links/{link['id']}/line_items")
    paid = api.control(f"payment_links/{link['id']}/pay", {"email": "c@example.com"})
    session = api("GET", f"/v1/checkout/sessions/{paid['checkout_session']['id']}", {"expand[]": "line_items"})
    pi = api("GET", f"/v1/payment_intents/{session['payment_intent']}")
    api("GET", f"/v1/charges/{pi['latest_charge']}")
    api("POST", "/v1/refunds", {"payment_intent": pi["id"], "amount": "1000"})
    api("GET", "/v1/balance")

    sub_link = api("POST", "/v1/payment_links", {"line_items[0][price]": monthly["id"],
                                                 "line_items[0][quantity]": "2"})
    sub = api.control(f"payment_links/{sub_link['id']}/pay", {"email": "s@example.com"})["subscription"]
    api("GET", f"/v1/subscriptions/{sub['id']}")
    api("GET", "/v1/subscription_items", {"subscription": sub["id"]})
    inv = api("GET", f"/v1/invoices/{sub['latest_invoice']}", {"expand[]": "payments"})
    api("GET", "/v1/invoice_payments", {"invoice": inv["id"]})
    api("GET", f"/v1/invoices/{inv['id']}/lines")
    api("POST", "/v1/subscriptions", {"customer": cus["id"], "items[0][price]": monthly["id"],
                                      "payment_behavior": "default_incomplete",
                                      "expand[0]": "latest_invoice.confirmation_secret"})

    draft = api("POST", "/v1/invoices", {"customer": cus["id"], "discounts[0][coupon]": coupon["id"]})
    api("POST", "/v1/invoiceitems", {"customer": cus["id"], "invoice": draft["id"], "amount": "1500",
                                     "currency": "usd", "description": "Setup"})
    api("POST", "/v1/invoiceitems", {"customer": cus["id"], "invoice": draft["id"], "pricing[price]": one_off["id"]})
    api("POST", "/v1/invoiceitems", {"customer": cus["id"], "amount": "700", "currency": "usd",
                                     "subscription": sub["id"]})
    api("POST", f"/v1/invoices/{draft['id']}/finalize")
    api("POST", f"/v1/invoices/{draft['id']}/pay")

    charge = api("GET", f"/v1/charges/{pi['latest_charge']}", {"expand[]": "refunds"})
    dispute = api.control(f"charges/{charge['id']}/dispute", {"reason": "fraudulent"})["dispute"]
    api("POST", f"/v1/disputes/{dispute['id']}", {"evidence[uncategorized_text]": "We shipped it.", "submit": "true"})
    api("GET", "/v1/events", {"limit": "100"})
    api("DELETE", f"/v1/coupons/{coupon['id']}")
    api("DELETE", f"/v1/customers/{cus['id']}")


@pytest.fixture
def recorded(stripe_sandbox: SandboxHandle) -> list[tuple[Any, set[str]]]:
    api = Recorder(stripe_sandbox)
    try:
        run_scenario(api)
    finally:
        api.http.close()
    return api.seen


def test_every_rendered_object_has_the_fixture_key_set(recorded: list[tuple[Any, set[str]]]) -> None:
    keys = fixture_keys()
    kinds: set[str] = set()
    problems: set[str] = set()
    for obj, expanded in ((o, ex) for body, ex in recorded for o in tagged(body)):
        resource = resource_of(obj)
        if resource not in keys:
            problems.add(f"{resource}: no such resource in Stripe's fixture")
            continue
        kinds.add(resource)
        allowed = ALLOWED.get(resource, {})
        for extra in sorted(set(obj) - keys[resource] - expanded):
            if f"+{extra}" not in allowed:
                problems.add(f"{resource}: renders `{extra}`, which the fixture lacks")
        for missing in sorted(keys[resource] - set(obj)):
            if f"-{missing}" not in allowed:
                problems.add(f"{resource}: lacks the fixture's `{missing}`")
    assert not problems, "\n".join(sorted(problems))
    expected = {"balance", "charge", "checkout.session", "coupon", "customer", "deleted_coupon", "deleted_customer",
                "dispute", "event", "invoice", "invoice_payment", "invoiceitem", "item", "line_item",
                "payment_intent", "payment_link", "payment_method", "plan", "price", "product", "refund",
                "subscription", "subscription_item", "webhook_endpoint"}
    assert expected <= kinds, f"the scenario no longer renders {sorted(expected - kinds)}"


def test_allow_list_entries_are_still_needed() -> None:
    keys = fixture_keys()
    for resource, fields in ALLOWED.items():
        for entry in fields:
            sign, field = entry[0], entry[1:]
            assert (field in keys[resource]) == (sign == "-"), f"{resource} {entry}: stale allow-list entry"


def test_includable_fields_only_when_expanded(stripe_sandbox: SandboxHandle) -> None:
    api = Recorder(stripe_sandbox)
    try:
        cus = api("POST", "/v1/customers", {"email": "e@example.com"})
        price = api("POST", "/v1/prices", {"currency": "usd", "unit_amount": "900", "product_data[name]": "X",
                                           "recurring[interval]": "month"})
        sub = api("POST", "/v1/subscriptions", {"customer": cus["id"], "items[0][price]": price["id"],
                                                "payment_behavior": "default_incomplete"})
        plain = api("GET", f"/v1/invoices/{sub['latest_invoice']}")
        assert not {"payments", "confirmation_secret", "payment_intent", "subscription"} & set(plain)
        full = api("GET", f"/v1/invoices/{plain['id']}", {"expand[0]": "payments", "expand[1]": "confirmation_secret"})
        [payment] = full["payments"]["data"]
        assert payment["object"] == "invoice_payment" and payment["status"] == "open"
        assert full["confirmation_secret"]["client_secret"].startswith(payment["payment"]["payment_intent"])
        pi = api("GET", f"/v1/payment_intents/{payment['payment']['payment_intent']}")
        assert "invoice" not in pi and pi["amount"] == 900
        assert api("GET", f"/v1/invoice_payments/{payment['id']}")["invoice"] == plain["id"]
    finally:
        api.http.close()
