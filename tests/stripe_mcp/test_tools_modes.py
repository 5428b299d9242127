"""Test/live mode, the live-mode guard, STRIPE_REFUSE_LIVE, restricted keys, a missing key, read-only mode."""

from __future__ import annotations

import pytest
from mcp import Client

from shared.deps import ServerOptions
from stripe_mcp.server import build
from stripe_mcp.tools import TOOLBOX
from tests.stripe_mcp.conftest import wait_for
from tests.stripe_mcp.stripe_support import (
    LIVE_KEY,
    api_for,
    catalog,
    count,
    fails,
    mcp_client,
    ok,
    paid_intent,
    text_of,
    use_sandbox,
)

READ_TOOLS = {"stripe_get", "stripe_list", "stripe_payment_history", "stripe_get_balance", "stripe_revenue"}


def writes(sandbox) -> int:
    """Write requests the sandbox has answered (every POST and DELETE under /v1)."""
    by_route = sandbox.stats()["requests"]["by_route"]
    return sum(n for route, n in by_route.items() if route.split()[0] in ("POST", "DELETE"))


async def live_seed(sandbox) -> dict[str, str]:
    """Live-mode objects for every write tool to act on, made through the library (which has no gate)."""
    async with api_for(sandbox, key=LIVE_KEY) as api:
        prod, price = await catalog(api, amount=500)
        _, monthly = await catalog(api, amount=900, interval="month")
        cus = await api.create_customer(email="live@example.com")
        coupon = await api.create_coupon(percent_off=10)
        paid = await paid_intent(api, amount=700, customer=cus["id"])
        disputed = await paid_intent(api, amount=800, card="pm_card_createDispute")
        sub = await api.create_subscription(customer=cus["id"], items=[{"price": monthly}],
                                            collection_method="send_invoice")
        draft = await api.create_invoice(customer=cus["id"])
        link = await api.create_payment_link(price=price)
        dispute = wait_for_dispute(sandbox, disputed["id"])
    return {"product": prod, "price": price, "monthly": monthly, "customer": cus["id"], "coupon": coupon["id"],
            "pi": paid["id"], "sub": sub["id"], "invoice": draft["id"], "link": link["id"], "dispute": dispute}


def wait_for_dispute(sandbox, payment_intent: str) -> str:
    import httpx

    def find() -> str | None:
        resp = httpx.get(f"{sandbox.url}/v1/disputes", auth=(LIVE_KEY, ""), params={"payment_intent": payment_intent})
        data = resp.json().get("data") or []
        return data[0]["id"] if data else None

    return wait_for(find)


def every_write_call(ids: dict[str, str]) -> dict[str, dict]:
    """One valid call per Stripe write tool, without confirm."""
    return {
        "stripe_save_customer": {"email": "new@example.com", "name": "New"},
        "stripe_create_product": {"name": "Live thing"},
        "stripe_create_price": {"product": ids["product"], "unit_amount": 500, "currency": "usd"},
        "stripe_create_coupon": {"percent_off": 20},
        "stripe_create_payment_link": {"price": ids["price"]},
        "stripe_create_payment_intent": {"amount": 100, "currency": "usd"},
        "stripe_update_dispute": {"dispute": ids["dispute"], "evidence": {"uncategorized_text": "delivered"}},
        "stripe_create_subscription": {"customer": ids["customer"], "items": [{"price": ids["monthly"]}],
                                       "collection_method": "send_invoice"},
        "stripe_update_subscription": {"subscription": ids["sub"], "metadata": {"a": "b"}},
        "stripe_cancel_subscription": {"subscription": ids["sub"]},
        "stripe_create_invoice": {"customer": ids["customer"], "items": [{"price": ids["price"]}]},
        "stripe_create_refund": {"payment_intent": ids["pi"]},
        "stripe_delete": {"id": ids["customer"]},
    }


async def test_live_key_every_write_needs_confirm(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = await live_seed(stripe_sandbox)
    calls = every_write_call(ids)
    assert set(calls) == {s.name for s in TOOLBOX.specs if not s.read_only}  # a new write tool joins this walk
    use_sandbox(monkeypatch, stripe_sandbox, key=LIVE_KEY)
    before, objects = writes(stripe_sandbox), stripe_sandbox.stats()["objects"]
    async with mcp_client() as client:
        for tool, args in calls.items():
            result = await client.call_tool(tool, args)
            assert not result.is_error, f"{tool}: {text_of(result)}"
            got = result.structured_content
            assert got["executed"] is False and got["mode"] == "live", tool
            assert "confirm=true" in text_of(result), tool
        assert writes(stripe_sandbox) == before  # not one write request reached Stripe
        assert stripe_sandbox.stats()["objects"] == objects

        product = await ok(client, "stripe_create_product", {"name": "Live thing"})
        assert "LIVE mode: would create product (name='Live thing')" in product["preview"]
        link = await ok(client, "stripe_create_payment_link", {"price": ids["price"]})
        assert ids["price"] in link["preview"] and "$5.00" in link["preview"]  # the preview checked the price
        assert "No such price" in await fails(client, "stripe_create_payment_link", {"price": "price_missing"})

        made = await ok(client, "stripe_create_product", {"name": "Live thing", "confirm": True})
        assert made["executed"] is True and made["mode"] == "live" and made["object"]["name"] == "Live thing"
        link = await ok(client, "stripe_create_payment_link", {"price": ids["price"], "confirm": True})
        assert link["executed"] is True and link["object"]["url"]
    assert writes(stripe_sandbox) == before + 2

    monkeypatch.setenv("STRIPE_API_KEY", stripe_sandbox.api_key)
    async with mcp_client() as client:  # test data and live data are apart
        assert (await ok(client, "stripe_list", {"kind": "payment_links"}))["items"] == []


async def test_test_key_writes_act_without_confirm(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with mcp_client() as client:
        for tool, args in (("stripe_save_customer", {"email": "t@example.com"}),
                           ("stripe_create_product", {"name": "Test thing"}),
                           ("stripe_create_coupon", {"percent_off": 5}),
                           ("stripe_create_payment_intent", {"amount": 100, "currency": "usd"})):
            got = await ok(client, tool, args)
            assert got["executed"] is True and got["mode"] == "test", tool
        preview = await ok(client, "stripe_delete", {"id": (await ok(client, "stripe_list", {
            "kind": "customers"}))["items"][0]["id"]})
        assert preview["executed"] is False  # destructive writes still ask in test mode
    assert count(stripe_sandbox, "customer") == 1 and count(stripe_sandbox, "product") == 1


async def test_refuse_live(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox, key=LIVE_KEY)
    monkeypatch.setenv("STRIPE_REFUSE_LIVE", "1")
    async with mcp_client() as client:
        text = await fails(client, "stripe_list", {"kind": "customers"})
    assert "STRIPE_REFUSE_LIVE" in text and "sk_live" not in text
    assert stripe_sandbox.stats()["requests"]["total"] == 0


async def test_restricted_key_names_the_missing_permission(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    key = "rk_test_limited"
    stripe_sandbox.control("keys", {key: ["customers:read"]})
    use_sandbox(monkeypatch, stripe_sandbox, key=key)
    async with mcp_client() as client:
        listed = await ok(client, "stripe_list", {"kind": "customers"})
        assert listed["mode"] == "test"
        text = await fails(client, "stripe_save_customer", {"email": "x@example.com"})
    assert "rak_customer_write" in text and "stripe-mcp auth status" in text
    assert "rk_test_limited" not in text


async def test_bad_and_missing_keys(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox, key="sk_test_not-valid")
    async with mcp_client() as client:
        text = await fails(client, "stripe_get_balance")
    assert "401" in text and "stripe-mcp auth status" in text

    monkeypatch.delenv("STRIPE_API_KEY")
    async with mcp_client() as client:  # starts and lists tools without a key
        assert len((await client.list_tools()).tools) == 18
        text = await fails(client, "stripe_get_balance")
    assert "stripe-mcp auth set" in text and "STRIPE_API_KEY" in text

    monkeypatch.setenv("STRIPE_API_KEY", "pk_test_publishable")
    async with mcp_client() as client:
        assert "publishable" in await fails(client, "stripe_get_balance")


async def test_read_only_lists_no_write_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    async with mcp_client(read_only=True) as client:
        tools = (await client.list_tools()).tools
    assert {t.name for t in tools} == READ_TOOLS
    assert all(t.annotations.read_only_hint and not t.annotations.destructive_hint for t in tools)

    monkeypatch.setenv("STRIPE_READ_ONLY", "1")
    async with Client(build(ServerOptions.from_env("STRIPE"))) as client:
        assert {t.name for t in (await client.list_tools()).tools} == READ_TOOLS
    async with Client(build(ServerOptions.from_env("STRIPE", toolsets="billing"))) as client:
        assert (await client.list_tools()).tools == []  # read-only wins over the toolset choice


async def test_toolsets_and_annotations() -> None:
    async with mcp_client(toolsets=["refunds", "reporting"]) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == {"stripe_create_refund", "stripe_get_balance", "stripe_revenue"}
    async with mcp_client() as client:
        every = (await client.list_tools()).tools
    for tool in every:
        ann = tool.annotations
        assert tool.title and tool.description
        assert None not in (ann.read_only_hint, ann.destructive_hint, ann.idempotent_hint, ann.open_world_hint)
        assert tool.name.startswith("stripe_")
        # Within the tools/list budget (issue 14 §4) self-explanatory optional fields (email, phone, metadata...)
        # carry no description; what a model must get right does: required fields, and every product, price or
        # customer reference says it takes a name too.
        schema = tool.input_schema
        for name in schema.get("required", []):
            assert schema["properties"][name].get("description"), f"{tool.name}.{name} has no description"
        for where in [schema, *schema.get("$defs", {}).values()]:
            for name, prop in where.get("properties", {}).items():
                if name in ("customer", "price", "product") and tool.name != "stripe_list":
                    said = prop.get("description", "")
                    assert ("email" if name == "customer" else "name") in said or "Check" in said, (tool.name, name)
    destructive = {t.name for t in every if t.annotations.destructive_hint}
    assert destructive == {"stripe_delete", "stripe_cancel_subscription", "stripe_create_refund"}
    for name in destructive:
        confirm = next(t for t in every if t.name == name).input_schema["properties"]["confirm"]
        assert "preview" in confirm["description"]
