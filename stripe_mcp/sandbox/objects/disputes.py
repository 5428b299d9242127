"""Disputes: opened on a charge (by a test control or `pm_card_createDispute`), evidence updates, close, list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import invalid
from ..listing import field_filters, paginate, respond
from ..params import Params
from ..routing import route
from ..runtime import changed, public

if TYPE_CHECKING:
    from ..runtime import Ctx

EVIDENCE_FIELDS = (
    "access_activity_log", "billing_address", "cancellation_policy", "cancellation_policy_disclosure",
    "cancellation_rebuttal", "customer_communication", "customer_email_address", "customer_name",
    "customer_purchase_ip", "customer_signature", "duplicate_charge_documentation", "duplicate_charge_explanation",
    "duplicate_charge_id", "product_description", "receipt", "refund_policy", "refund_policy_disclosure",
    "refund_refusal_explanation", "service_date", "service_documentation", "shipping_address", "shipping_carrier",
    "shipping_date", "shipping_documentation", "shipping_tracking_number", "uncategorized_file",
    "uncategorized_text",
)
REASONS = ("bank_cannot_process", "check_returned", "credit_not_processed", "customer_initiated",
           "debit_not_authorized", "duplicate", "fraudulent", "general", "incorrect_account_details",
           "insufficient_funds", "product_not_received", "product_unacceptable", "subscription_canceled",
           "unrecognized")
OPEN = ("needs_response", "under_review", "warning_needs_response", "warning_under_review")


def open_dispute(ctx: Ctx, ch: dict[str, Any], reason: str = "fraudulent", amount: int | None = None) -> dict[str, Any]:
    if ch["status"] != "succeeded":
        raise invalid(f"Charge {ch['id']} did not succeed, so it cannot be disputed.", "charge")
    if ch.get("disputed"):
        raise invalid(f"Charge {ch['id']} is already disputed.", "charge")
    if reason not in REASONS:
        raise invalid(f"Invalid reason: must be one of {', '.join(REASONS)}", "reason")
    dp = ctx.base("dispute", "dp_")
    dp.update({
        "amount": amount or ch["amount_captured"] - ch["amount_refunded"], "balance_transactions": [],
        "charge": ch["id"], "currency": ch["currency"], "enhanced_eligibility_types": [],
        "evidence": {f: None for f in EVIDENCE_FIELDS},
        "evidence_details": {"due_by": ctx.now() + 7 * 86400, "enhanced_eligibility": {}, "has_evidence": False,
                             "past_due": False, "submission_count": 0},
        "is_charge_refundable": False, "metadata": {},
        "payment_intent": ch.get("payment_intent"),
        "payment_method_details": {"card": {"brand": ch["payment_method_details"]["card"]["brand"],
                                            "case_type": "chargeback", "network_reason_code": "4855"},
                                   "type": "card"},
        "reason": reason, "status": "needs_response",
    })
    ctx.insert(dp)
    ch["disputed"] = True
    ctx.save(ch)
    ctx.emit("charge.dispute.created", dp)
    ctx.emit("charge.dispute.funds_withdrawn", dp)
    return dp


def close_dispute(ctx: Ctx, dp: dict[str, Any], outcome: str) -> dict[str, Any]:
    if dp["status"] not in OPEN:
        raise invalid(f"This dispute is already closed ({dp['status']}).", "id")
    before = public(dp)
    dp["status"] = outcome
    ctx.save(dp)
    ctx.emit("charge.dispute.closed", dp, changed(before, dp))
    if outcome == "won":
        ctx.emit("charge.dispute.funds_reinstated", dp)
    return dp


@route("GET", "/v1/disputes", "dispute", sdk="DisputeListParams")
def list_disputes(ctx: Ctx, p: Params) -> dict[str, Any]:
    preds = field_filters(p, {"charge": "charge", "payment_intent": "payment_intent"})
    return paginate(ctx, "dispute", p, "/v1/disputes", preds)


@route("GET", "/v1/disputes/{id}", "dispute")
def get_dispute(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    return respond(ctx, ctx.get("dispute", id), p)


@route("POST", "/v1/disputes/{id}", "dispute", sdk="DisputeUpdateParams")
def update_dispute(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    dp = ctx.get("dispute", id)
    before = public(dp)
    evidence = p.sub("evidence")
    # `submit` defaults to false: evidence is staged until an update with submit=true sends it to the bank
    # (https://docs.stripe.com/api/disputes/update#update_dispute-submit); submitting needs no new evidence.
    submit = bool(p.bool("submit", default=False))
    if evidence is not None or submit:
        if dp["status"] not in ("needs_response", "warning_needs_response"):
            raise invalid("This dispute is no longer accepting evidence.", "evidence")
    if evidence is not None:
        for key in evidence.keys():
            if key not in EVIDENCE_FIELDS:
                raise invalid(f"Received unknown parameter: evidence[{key}]", f"evidence[{key}]", "parameter_unknown")
            dp["evidence"][key] = evidence.str(key, max_len=150000)
        dp["evidence_details"]["has_evidence"] = any(v for v in dp["evidence"].values())
    if submit:
        dp["status"] = "under_review" if dp["status"] == "needs_response" else "warning_under_review"
        dp["evidence_details"]["submission_count"] += 1
    dp["metadata"] = p.metadata(dp["metadata"])
    prev = changed(before, dp)
    if prev:
        ctx.save(dp)
        ctx.emit("charge.dispute.updated", dp, prev)
    return respond(ctx, dp, p)


@route("POST", "/v1/disputes/{id}/close", "dispute", sdk="DisputeCloseParams")
def close(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    return respond(ctx, close_dispute(ctx, ctx.get("dispute", id), "lost"), p)
