"""Customers through the MCP tools: create with metadata, update, get the full object, list, search, paginate."""

from __future__ import annotations

import pytest

from shared.store import open_store

from tests.stripe_mcp.stripe_support import fails, mcp_client, ok, use_sandbox


async def test_create_update_get_list_and_search(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    stripe_sandbox.control("config", {"search_lag_seconds": 0})  # searches right after creating
    async with mcp_client() as client:
        created = await ok(client, "stripe_save_customer", {
            "email": "ada@example.com", "name": "Ada Lovelace", "metadata": {"lead_id": "42"}})
        assert created["mode"] == "test" and created["executed"] is True
        cus = created["object"]
        assert cus["id"].startswith("cus_") and cus["metadata"] == {"lead_id": "42"}

        updated = await ok(client, "stripe_save_customer", {
            "customer": cus["id"], "phone": "+15550100", "metadata": {"stage": "won"}})
        assert updated["object"]["phone"] == "+15550100"
        assert updated["object"]["metadata"] == {"lead_id": "42", "stage": "won"}

        full = await ok(client, "stripe_get", {"id": cus["id"]})
        assert full["object"]["email"] == "ada@example.com"
        assert "invoice_settings" in full["object"]  # the whole object, not a compact view

        await ok(client, "stripe_save_customer", {"email": "bob@example.com", "name": "Bob Byron"})
        by_email = await ok(client, "stripe_list", {"kind": "customers", "email": "ada@example.com"})
        assert [c["id"] for c in by_email["items"]] == [cus["id"]]
        assert by_email["items"][0]["name"] == "Ada Lovelace"  # rows carry fields, not just ids

        by_name = await ok(client, "stripe_list", {"kind": "customers", "name": "lovel"})
        assert [c["id"] for c in by_name["items"]] == [cus["id"]]
        by_meta = await ok(client, "stripe_list", {"kind": "customers", "query": "metadata['lead_id']:'42'"})
        assert [c["id"] for c in by_meta["items"]] == [cus["id"]]

        events = await ok(client, "stripe_list", {"kind": "events", "type": "customer.updated"})
        assert [(e["type"], e["object_id"]) for e in events["items"]] == [("customer.updated", cus["id"])]

        result = await client.call_tool("stripe_list", {"kind": "customers"})
        assert "2 customers" in result.content[0].text and "(test mode)" in result.content[0].text

    store = await open_store()  # the audit trail has every call, without the personal data
    rows = await store.list_audit()
    await store.close()
    assert {r["tool"] for r in rows} == {"stripe_save_customer", "stripe_get", "stripe_list"}
    assert "ada@example.com" not in str(rows) and "Lovelace" not in str(rows)


async def test_list_pages_with_cursor(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    stripe_sandbox.control("config", {"search_lag_seconds": 0})  # searches right after creating
    async with mcp_client() as client:
        for i in range(5):
            await ok(client, "stripe_save_customer", {"email": f"p{i}@example.com"})
        seen: list[str] = []
        cursor = None
        for _ in range(3):
            page = await ok(client, "stripe_list", {"kind": "customers", "limit": 2, "cursor": cursor} if cursor
                            else {"kind": "customers", "limit": 2})
            seen += [c["email"] for c in page["items"]]
            cursor = page.get("next_cursor")
            if not page["has_more"]:
                break
        assert seen == [f"p{i}@example.com" for i in range(4, -1, -1)]  # newest first, no gaps or repeats

        first = await ok(client, "stripe_list", {"kind": "customers", "limit": 2, "query": "email~'example'"})
        assert first["has_more"] and first["next_cursor"]
        rest = await ok(client, "stripe_list", {"kind": "customers", "query": "email~'example'", "limit": 10,
                                                "cursor": first["next_cursor"]})
        assert len(first["items"]) + len(rest["items"]) == 5


async def test_customer_input_errors(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with mcp_client() as client:
        text = await fails(client, "stripe_get", {"id": "cus_doesnotexist"})
        assert "cus_doesnotexist" in text and "Check the id" in text
        text = await fails(client, "stripe_save_customer", {"customer": "cus_nope", "name": "X"})
        assert "No such customer" in text
        text = await fails(client, "stripe_save_customer", {"customer": "sub_123", "name": "X"})
        assert "customer:" in text and "cus_" in text
        text = await fails(client, "stripe_list", {"kind": "invoices", "email": "a@b.c"})
        assert "email: does not apply to invoices" in text
        text = await fails(client, "stripe_list", {"kind": "subscriptions", "status": "sleeping"})
        assert "status:" in text
        text = await fails(client, "stripe_save_customer", {"email": "x@example.com", "metadata": {"k[1]": "v"}})
        assert "metadata:" in text
