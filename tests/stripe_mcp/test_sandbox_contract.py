"""Contract: sandbox responses validate against the component schemas of Stripe's public OpenAPI document (2022).

The document is OpenAPI 3.0 (`nullable: true`); `to_json_schema` turns that into JSON Schema before validating.
Newer fields the sandbox adds are allowed (the schemas do not forbid extra properties).

The document predates the API version the sandbox speaks (the SDK's pinned one, after 2025-03-31.basil), whose
resources dropped fields the 2022 schemas still require (invoice.subscription/payment_intent/charge/paid,
payment_intent.invoice, charge.invoice, line item type/proration, ...). So this test checks the TYPES of the fields
the sandbox renders, and requires only the fields the current version still has: a 2022 `required` entry counts
only if Stripe's own fixture of the resource today (stripe-fixtures3.json) has the field and the key-set test
(test_sandbox_shapes.py) does not justify leaving it out. The key sets themselves are checked there.
"""

from __future__ import annotations

import functools
from typing import Any

import httpx
import jsonschema
import pytest

from tests.contract.specs import load as load_spec
from tests.stripe_mcp.conftest import SandboxHandle
from tests.stripe_mcp.test_sandbox_shapes import ALLOWED


def to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 -> JSON Schema: `nullable: true` becomes a "null" type / anyOf branch / enum value."""
    if isinstance(node, list):
        return [to_json_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items() if k != "nullable" and not k.startswith("x-")}
    if node.get("nullable"):
        if "anyOf" in out:
            out["anyOf"] = [*out["anyOf"], {"type": "null"}]
        elif "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def current_required(schemas: dict[str, Any]) -> dict[str, Any]:
    """Drop the 2022 `required` entries the pinned API version no longer renders (see the module docstring)."""
    fixture = load_spec("stripe-fixtures3.json")["resources"]
    for name, schema in schemas.items():
        if name in fixture and isinstance(schema.get("required"), list):
            omitted = {e[1:] for e in ALLOWED.get(name, {}) if e.startswith("-")}
            schema["required"] = [f for f in schema["required"] if f in fixture[name] and f not in omitted]
    return schemas


@functools.lru_cache(maxsize=1)
def components() -> dict[str, Any]:
    doc = load_spec("stripe-openapi-spec3.json")
    out = to_json_schema(doc["components"])
    out["schemas"] = current_required(out["schemas"])
    return out


def test_removed_fields_are_not_required_any_more() -> None:
    schemas = components()["schemas"]
    assert "subscription" not in schemas["invoice"]["required"] and "paid" not in schemas["invoice"]["required"]
    assert "invoice" not in schemas["payment_intent"]["required"] and "refunds" not in schemas["charge"]["required"]
    assert {"currency", "total", "lines", "amount_due"} <= set(schemas["invoice"]["required"])


def validate(obj: dict[str, Any], schema_name: str) -> None:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "components": components(),
              "$ref": f"#/components/schemas/{schema_name}"}
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(obj), key=lambda e: list(e.path))
    assert not errors, f"{schema_name}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors[:5])


def test_helper_converts_nullable() -> None:
    converted = to_json_schema({"type": "string", "nullable": True, "enum": ["a"]})
    assert converted == {"type": ["string", "null"], "enum": ["a", None]}
    converted = to_json_schema({"anyOf": [{"$ref": "#/x"}], "nullable": True})
    assert converted == {"anyOf": [{"$ref": "#/x"}, {"type": "null"}]}


@pytest.fixture
def api(stripe_sandbox: SandboxHandle) -> Any:
    """Raw JSON calls (the contract is about the wire format, not the SDK's objects)."""
    http = httpx.Client(base_url=stripe_sandbox.url, headers={"Authorization": f"Bearer {stripe_sandbox.api_key}"},
                        timeout=30)

    def call(method: str, path: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        resp = http.request(method, path, data=data if method == "POST" else None,
                            params=data if method != "POST" else None)
        assert resp.status_code == 200, resp.text
        return resp.json()

    yield call
    http.close()


def test_objects_match_the_2022_schema_types(api: Any, stripe_sandbox: SandboxHandle) -> None:
    we = api("POST", "/v1/webhook_endpoints", {"url": "http://127.0.0.1:9/hook", "enabled_events[0]": "*"})
    validate(we, "webhook_endpoint")
    cus = api("POST", "/v1/customers", {"email": "c@example.com", "name": "C", "metadata[k]": "v",
                                        "address[city]": "Paris", "address[country]": "FR"})
    validate(cus, "customer")
    prod = api("POST", "/v1/products", {"name": "Plan", "default_price_data[currency]": "usd",
                                        "default_price_data[unit_amount]": "2000",
                                        "default_price_data[recurring][interval]": "month"})
    validate(prod, "product")
    monthly = api("GET", f"/v1/prices/{prod['default_price']}")
    validate(monthly, "price")
    one_off = api("POST", "/v1/prices", {"product": prod["id"], "currency": "usd", "unit_amount": "5000"})
    validate(one_off, "price")
    coupon = api("POST", "/v1/coupons", {"percent_off": "25", "duration": "once"})
    validate(coupon, "coupon")
    link = api("POST", "/v1/payment_links", {"line_items[0][price]": one_off["id"], "line_items[0][quantity]": "1",
                                             "after_completion[type]": "redirect",
                                             "after_completion[redirect][url]": "https://example.com/ok"})
    validate(link, "payment_link")
    for item in api("GET", f"/v1/payment_links/{link['id']}/line_items")["data"]:
        validate(item, "item")

    paid = stripe_sandbox.control(f"payment_links/{link['id']}/pay", {"email": "c@example.com"})
    session = api("GET", f"/v1/checkout/sessions/{paid['checkout_session']['id']}")
    validate(session, "checkout.session")
    pi = api("GET", f"/v1/payment_intents/{session['payment_intent']}")
    validate(pi, "payment_intent")
    charge = api("GET", f"/v1/charges/{pi['latest_charge']}")
    validate(charge, "charge")
    refund = api("POST", "/v1/refunds", {"payment_intent": pi["id"], "amount": "1000"})
    validate(refund, "refund")
    validate(api("GET", "/v1/balance"), "balance")

    sub_link = api("POST", "/v1/payment_links", {"line_items[0][price]": monthly["id"],
                                                 "line_items[0][quantity]": "2"})
    paid_sub = stripe_sandbox.control(f"payment_links/{sub_link['id']}/pay", {"email": "s@example.com"})
    sub_id = paid_sub["subscription"]["id"]
    sub = api("GET", f"/v1/subscriptions/{sub_id}")
    validate(sub, "subscription")
    invoice = api("GET", f"/v1/invoices/{sub['latest_invoice']}")
    validate(invoice, "invoice")

    draft = api("POST", "/v1/invoices", {"customer": cus["id"], "coupon": coupon["id"]})
    item = api("POST", "/v1/invoiceitems", {"customer": cus["id"], "invoice": draft["id"], "amount": "1500",
                                            "currency": "usd", "description": "Setup"})
    validate(item, "invoiceitem")
    validate(api("POST", f"/v1/invoices/{draft['id']}/finalize"), "invoice")

    dispute = stripe_sandbox.control(f"charges/{charge['id']}/dispute", {"reason": "fraudulent"})["dispute"]
    validate(api("GET", f"/v1/disputes/{dispute['id']}"), "dispute")
    validate(api("POST", f"/v1/disputes/{dispute['id']}", {"evidence[uncategorized_text]": "We shipped it.",
                                                            "submit": "false"}), "dispute")

    events = api("GET", "/v1/events", {"limit": "100"})
    assert events["data"]
    for event in events["data"]:
        validate(event, "event")
    validate(api("DELETE", f"/v1/customers/{cus['id']}"), "deleted_customer")
