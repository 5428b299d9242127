"""Test/live mode, the live-mode guard, STRIPE_REFUSE_LIVE, restricted keys, a missing key, read-only mode."""

from __future__ import annotations

import pytest
from mcp import Client

from shared.deps import ServerOptions
from stripe_mcp.server import build
from tests.stripe_mcp.stripe_support import LIVE_KEY, count, fails, mcp_client, ok, text_of, use_sandbox

READ_TOOLS = {"stripe_get", "stripe_list", "stripe_payment_history", "stripe_get_balance", "stripe_revenue"}


async def test_live_key_needs_confirm_for_money_tools(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox, key=LIVE_KEY)
    async with mcp_client() as client:
        product = await client.call_tool("stripe_create_product", {"name": "Live thing"})
        assert not product.is_error and product.structured_content["mode"] == "live"
        assert "LIVE mode" in text_of(product)  # the mode is in the text too
        prod = product.structured_content["object"]["id"]
        price = (await ok(client, "stripe_create_price", {"product": prod, "unit_amount": 500,
                                                          "currency": "usd"}))["object"]["id"]

        preview = await client.call_tool("stripe_create_payment_link", {"price": price})
        assert not preview.is_error and preview.structured_content["executed"] is False
        assert "LIVE mode" in preview.structured_content["preview"] and "confirm=true" in text_of(preview)
        assert count(stripe_sandbox, "payment_link") == 0
        for tool, args in (("stripe_create_payment_intent", {"amount": 100, "currency": "usd"}),
                           ("stripe_create_invoice", {"customer": "cus_x"})):
            assert (await ok(client, tool, args))["executed"] is False
        assert count(stripe_sandbox, "payment_intent") == 0 and count(stripe_sandbox, "invoice") == 0

        link = await ok(client, "stripe_create_payment_link", {"price": price, "confirm": True})
        assert link["executed"] is True and link["mode"] == "live"
        assert count(stripe_sandbox, "payment_link") == 1

    monkeypatch.setenv("STRIPE_API_KEY", stripe_sandbox.api_key)
    async with mcp_client() as client:  # test data and live data are apart
        assert (await ok(client, "stripe_list", {"kind": "payment_links"}))["items"] == []


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
        assert len((await client.list_tools()).tools) == 20
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
        for name, prop in tool.input_schema.get("properties", {}).items():
            assert prop.get("description"), f"{tool.name}.{name} has no description"
    destructive = {t.name for t in every if t.annotations.destructive_hint}
    assert destructive == {"stripe_delete", "stripe_deactivate_payment_link", "stripe_cancel_subscription",
                           "stripe_create_refund"}
    for name in destructive:
        assert "confirm" in next(t for t in every if t.name == name).input_schema["properties"]
