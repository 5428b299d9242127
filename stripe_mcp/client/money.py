"""Refunds (with a preview of what is refundable), disputes, the balance, and a customer's payment history."""

from __future__ import annotations

from typing import Any, Literal

from shared.errors import InputError
from stripe_mcp.client import validation as v
from stripe_mcp.client.core import StripeCore, idem

RefundReason = Literal["duplicate", "fraudulent", "requested_by_customer"]


def _id(value: Any) -> str | None:
    return value.get("id") if isinstance(value, dict) else value


class MoneyApi(StripeCore):
    async def refundable(self, *, payment_intent: str | None = None, charge: str | None = None) -> dict[str, Any]:
        """What a refund would act on: {charge, payment_intent, currency, captured, refunded, refundable}."""
        if (payment_intent is None) == (charge is None):
            raise InputError("pass exactly one of payment_intent or charge", "payment_intent")
        if payment_intent:
            v.object_id(payment_intent, "pi_", "payment_intent")
            pi = await self.retrieve("payment_intents", payment_intent)
            charge = _id(pi.get("latest_charge"))
            if not charge:
                raise InputError(f"{payment_intent} has no charge to refund (status {pi.get('status')})",
                                 "payment_intent")
        else:
            v.object_id(charge, ("ch_", "py_"), "charge")  # type: ignore[arg-type]
        ch = await self.retrieve("charges", charge)  # type: ignore[arg-type]
        captured = int(ch.get("amount_captured") or (ch.get("amount") if ch.get("captured") else 0) or 0)
        refunded = int(ch.get("amount_refunded") or 0)
        return {"charge": ch["id"], "payment_intent": _id(ch.get("payment_intent")), "currency": ch.get("currency"),
                "captured": captured, "refunded": refunded, "refundable": max(captured - refunded, 0),
                "customer": _id(ch.get("customer"))}

    async def create_refund(
        self, *, payment_intent: str | None = None, charge: str | None = None, amount: int | None = None,
        reason: RefundReason | None = None, metadata: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """A full refund, or a partial one when `amount` (minor units) is given."""
        if (payment_intent is None) == (charge is None):
            raise InputError("pass exactly one of payment_intent or charge", "payment_intent")
        params: dict[str, Any] = {"payment_intent": payment_intent} if payment_intent else {"charge": charge}
        if amount is not None:
            params["amount"] = v.amount(amount)
        if reason:
            params["reason"] = reason
        if metadata:
            params["metadata"] = v.metadata(metadata)
        return await self._dict("POST", "/v1/refunds", self.sdk.v1.refunds.create_async, params=params,
                                options=idem(idempotency_key))

    async def update_dispute(
        self, dispute_id: str, *, evidence: dict[str, str] | None = None, submit: bool = False,
        metadata: dict[str, str] | None = None, idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Add evidence (Stripe's evidence field names, e.g. uncategorized_text, customer_email_address); submit=True
        sends it to the bank, which cannot be undone."""
        v.object_id(dispute_id, ("dp_", "du_"), "dispute")
        params: dict[str, Any] = {"submit": submit}
        if evidence:
            params["evidence"] = evidence
        if metadata:
            params["metadata"] = v.metadata(metadata)
        return await self._dict("POST", f"/v1/disputes/{dispute_id}", self.sdk.v1.disputes.update_async,
                                dispute_id, params=params, options=idem(idempotency_key))

    async def get_balance(self) -> dict[str, Any]:
        return await self._dict("GET", "/v1/balance", self.sdk.v1.balance.retrieve_async)

    async def payment_history(self, customer: str, *, limit: int = 20) -> list[dict[str, Any]]:
        """A customer's payment intents, charges without an intent, and invoices, merged newest first."""
        v.object_id(customer, "cus_", "customer")
        await self.retrieve("customers", customer)  # a clear not-found for a wrong id
        entries: list[dict[str, Any]] = []
        intents = await self.list_page("payment_intents", {"customer": customer}, limit=limit)
        for pi in intents.items:
            entries.append({"type": "payment_intent", "id": pi["id"], "created": pi.get("created"),
                            "amount": pi.get("amount"), "amount_received": pi.get("amount_received"),
                            "currency": pi.get("currency"), "status": pi.get("status"),
                            "description": pi.get("description")})
        charges = await self.list_page("charges", {"customer": customer}, limit=limit)
        for ch in charges.items:
            if _id(ch.get("payment_intent")):
                continue  # already shown through its payment intent
            entries.append({"type": "charge", "id": ch["id"], "created": ch.get("created"),
                            "amount": ch.get("amount"), "amount_refunded": ch.get("amount_refunded"),
                            "currency": ch.get("currency"), "status": ch.get("status"),
                            "description": ch.get("description")})
        invoices = await self.list_page("invoices", {"customer": customer}, limit=limit)
        for inv in invoices.items:
            entries.append({"type": "invoice", "id": inv["id"], "created": inv.get("created"),
                            "amount": inv.get("total"), "amount_paid": inv.get("amount_paid"),
                            "currency": inv.get("currency"), "status": inv.get("status"),
                            "description": inv.get("description") or inv.get("number")})
        entries.sort(key=lambda e: (e.get("created") or 0, e["id"]), reverse=True)
        return [{k: val for k, val in e.items() if val is not None} for e in entries[:limit]]
