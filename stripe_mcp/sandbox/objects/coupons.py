"""Coupons (percent_off or amount_off): create, retrieve, update, delete, list; and the discount they give."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import invalid
from ..listing import paginate, respond
from ..params import Params
from ..routing import route
from ..runtime import changed, public

if TYPE_CHECKING:
    from ..runtime import Ctx


@route("POST", "/v1/coupons", "coupon", sdk="CouponCreateParams")
def create(ctx: Ctx, p: Params) -> dict[str, Any]:
    percent = p.number("percent_off", min=0.01, max=100)
    amount = p.int("amount_off", min=1)
    if (percent is None) == (amount is None):
        raise invalid("You must pass exactly one of percent_off or amount_off.", "percent_off")
    currency = p.currency(required=amount is not None)
    duration = p.str("duration", choices=("forever", "once", "repeating"), default="once")
    months = p.int("duration_in_months", min=1)
    if duration == "repeating" and months is None:
        raise invalid("You must pass duration_in_months when duration is repeating.", "duration_in_months")
    coupon = ctx.base("coupon", "")
    custom = p.str("id")
    if custom:
        if ctx.find("coupon", custom):
            raise invalid("Coupon already exists.", "id", "resource_already_exists")
        coupon["id"] = custom
    else:
        coupon["id"] = ctx.sb.new_id("", 8).upper()
    coupon.update({
        "amount_off": amount, "currency": currency, "duration": duration,
        "duration_in_months": months if duration == "repeating" else None,
        "max_redemptions": p.int("max_redemptions", min=1), "metadata": p.metadata(), "name": p.str("name"),
        "percent_off": percent, "redeem_by": p.int("redeem_by", min=0), "times_redeemed": 0, "valid": True,
    })
    ctx.insert(coupon)
    ctx.emit("coupon.created", coupon)
    return respond(ctx, coupon, p)


@route("GET", "/v1/coupons/{id}", "coupon")
def retrieve(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    return respond(ctx, ctx.get("coupon", id), p)


@route("POST", "/v1/coupons/{id}", "coupon", sdk="CouponUpdateParams")
def update(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    coupon = ctx.get("coupon", id)
    before = public(coupon)
    if "name" in p:
        coupon["name"] = p.str("name")
    coupon["metadata"] = p.metadata(coupon["metadata"])
    prev = changed(before, coupon)
    if prev:
        ctx.save(coupon)
        ctx.emit("coupon.updated", coupon, prev)
    return respond(ctx, coupon, p)


@route("DELETE", "/v1/coupons/{id}", "coupon")
def delete(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    coupon = ctx.get("coupon", id)
    ctx.store.delete("coupon", id)
    ctx.emit("coupon.deleted", coupon)
    return {"id": id, "object": "coupon", "deleted": True}


@route("GET", "/v1/coupons", "coupon", sdk="CouponListParams")
def list_coupons(ctx: Ctx, p: Params) -> dict[str, Any]:
    return paginate(ctx, "coupon", p, "/v1/coupons")


def usable(ctx: Ctx, coupon_id: str, param: str, currency: str | None = None) -> dict[str, Any]:
    coupon = ctx.get("coupon", coupon_id, param)
    if not coupon["valid"] or (coupon.get("max_redemptions") and coupon["times_redeemed"] >= coupon["max_redemptions"]):
        raise invalid(f"Coupon expired: {coupon_id}", param, "coupon_expired")
    if coupon.get("redeem_by") and coupon["redeem_by"] < ctx.now():
        raise invalid(f"Coupon expired: {coupon_id}", param, "coupon_expired")
    if currency and coupon.get("amount_off") and coupon.get("currency") != currency:
        raise invalid(f"The coupon {coupon_id} is in {coupon['currency']} but the amount is in {currency}.", param)
    return coupon


def redeem(ctx: Ctx, coupon: dict[str, Any]) -> None:
    coupon["times_redeemed"] += 1
    if coupon.get("max_redemptions") and coupon["times_redeemed"] >= coupon["max_redemptions"]:
        coupon["valid"] = False
    ctx.save(coupon)


def discount_amount(coupon: dict[str, Any] | None, subtotal: int) -> int:
    if not coupon or subtotal <= 0:
        return 0
    if coupon.get("percent_off"):
        return min(subtotal, round(subtotal * float(coupon["percent_off"]) / 100))
    return min(subtotal, int(coupon.get("amount_off") or 0))


def coupon_from_params(ctx: Ctx, p: Params, currency: str | None = None) -> dict[str, Any] | None:
    """`coupon=X` (legacy) or `discounts[0][coupon]=X`."""
    if p.str("coupon"):
        return usable(ctx, p.str("coupon") or "", "coupon", currency)
    for i, d in enumerate(p.items("discounts")):
        if d.str("coupon"):
            return usable(ctx, d.str("coupon") or "", f"discounts[{i}][coupon]", currency)
    return None


def discount_object(ctx: Ctx, coupon: dict[str, Any], customer: str | None, **refs: Any) -> dict[str, Any]:
    return {
        "id": ctx.id("di_"), "object": "discount", "checkout_session": refs.get("checkout_session"),
        "coupon": public(coupon), "customer": customer, "end": None, "invoice": refs.get("invoice"),
        "invoice_item": None, "promotion_code": None, "start": ctx.now(), "subscription": refs.get("subscription"),
        "subscription_item": None,
    }
