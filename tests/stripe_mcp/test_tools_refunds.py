"""Refunds (full or partial, only with confirm=true), disputes (list, evidence, gated submit), delete gating."""

from __future__ import annotations

import pytest

from tests.stripe_mcp.stripe_support import api_for, count, fails, mcp_client, ok, paid_intent, use_sandbox


async def test_refund_preview_partial_and_rest(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        pi = await paid_intent(api, amount=10_000)
    async with mcp_client() as client:
        preview = await ok(client, "stripe_create_refund", {"payment_intent": pi["id"], "amount": 2500})
        assert preview["executed"] is False
        assert "$25.00" in preview["preview"] and "partial" in preview["preview"]
        assert count(stripe_sandbox, "refund") == 0  # no write without confirm

        part = (await ok(client, "stripe_create_refund", {"payment_intent": pi["id"], "amount": 2500,
                                                          "reason": "requested_by_customer", "confirm": True}))
        assert part["executed"] is True and part["object"]["amount"] == 2500
        text = await fails(client, "stripe_create_refund", {"payment_intent": pi["id"], "amount": 9000,
                                                            "confirm": True})
        assert "amount:" in text and "7500" in text
        rest = await ok(client, "stripe_create_refund", {"charge": pi["latest_charge"], "confirm": True})
        assert rest["object"]["amount"] == 7500
        assert count(stripe_sandbox, "refund") == 2
        text = await fails(client, "stripe_create_refund", {"payment_intent": pi["id"], "confirm": True})
        assert "nothing left to refund" in text

        refunds = await ok(client, "stripe_list", {"kind": "refunds", "related_to": pi["id"]})
        assert sorted(r["amount"] for r in refunds["items"]) == [2500, 7500]
        text = await fails(client, "stripe_create_refund", {"payment_intent": pi["id"], "amount": -1})
        assert "amount:" in text
        text = await fails(client, "stripe_create_refund", {"payment_intent": "pi_missing"})
        assert "pi_missing" in text


async def test_dispute_evidence_and_gated_submit(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        pi = await paid_intent(api, amount=3000)
    dispute = stripe_sandbox.control(f"charges/{pi['latest_charge']}/dispute", {"reason": "fraudulent"})["dispute"]
    async with mcp_client() as client:
        listed = await ok(client, "stripe_list", {"kind": "disputes", "related_to": pi["id"]})
        assert [d["id"] for d in listed["items"]] == [dispute["id"]]
        updated = await ok(client, "stripe_update_dispute", {
            "dispute": dispute["id"], "evidence": {"uncategorized_text": "Delivered on time"}})
        assert updated["executed"] is True
        full = (await ok(client, "stripe_get", {"id": dispute["id"]}))["object"]
        assert full["evidence"]["uncategorized_text"] == "Delivered on time"
        status_before = full["status"]

        final = {"dispute": dispute["id"], "evidence": {"customer_email_address": "a@example.com"}, "submit": True}
        preview = await ok(client, "stripe_update_dispute", final)
        assert preview["executed"] is False
        assert (await ok(client, "stripe_get", {"id": dispute["id"]}))["object"]["status"] == status_before
        submitted = await ok(client, "stripe_update_dispute", {**final, "confirm": True})
        assert submitted["executed"] is True and submitted["object"]["status"] == "under_review"


async def test_delete_needs_confirm(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        cus = await api.create_customer(email="gone@example.com")
        coupon = await api.create_coupon(percent_off=10)
    async with mcp_client() as client:
        preview = await ok(client, "stripe_delete", {"id": cus["id"]})
        assert preview["executed"] is False and "gone@example.com" in preview["preview"]
        assert count(stripe_sandbox, "customer") == 1
        done = await ok(client, "stripe_delete", {"id": cus["id"], "confirm": True})
        assert done["object"]["deleted"] is True
        assert count(stripe_sandbox, "customer") == 0
        text = await fails(client, "stripe_delete", {"id": coupon["id"], "confirm": True})
        assert "kind='coupon'" in text and count(stripe_sandbox, "coupon") == 1  # never guessed as a coupon
        await ok(client, "stripe_delete", {"id": coupon["id"], "kind": "coupon", "confirm": True})
        assert count(stripe_sandbox, "coupon") == 0
        text = await fails(client, "stripe_delete", {"id": "sub_123", "confirm": True})
        assert "cannot be deleted" in text
