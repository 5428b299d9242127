"""Checkout sessions: created by the API (for a known customer) or by paying a payment link; completion makes
the customer, the payment (mode payment) or the subscription and its invoice (mode subscription), and events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import invalid
from ..listing import SPECIAL_EXPANSIONS, field_filters, paginate, respond
from ..params import Params
from ..routing import route
from ..runtime import public
from . import payments, subscriptions
from .catalog import price_amount
from .coupons import coupon_from_params, discount_amount, redeem
from .customers import find_by_email, new_customer
from .invoiceitems import new_item
from .payment_links import item_object, line_items_list, parse_line_items

if TYPE_CHECKING:
    from ..runtime import Ctx

SESSION_TTL = 24 * 3600


def new_session(ctx: Ctx, *, mode: str, lines: list[dict[str, Any]], success_url: str | None,
                cancel_url: str | None, customer: str | None = None, customer_email: str | None = None,
                metadata: dict[str, str] | None = None, payment_link: str | None = None,
                client_reference_id: str | None = None, expires_at: int | None = None,
                subscription_data: dict[str, Any] | None = None, payment_intent_data: dict[str, Any] | None = None,
                coupon: dict[str, Any] | None = None) -> dict[str, Any]:
    cs = ctx.base("checkout.session", "cs_", mode_infix=True)
    subtotal = sum(price_amount(line["_price"]) * int(line["quantity"]) for line in lines)
    trial = bool((subscription_data or {}).get("trial_period_days"))
    recurring_total = sum(price_amount(line["_price"]) * int(line["quantity"]) for line in lines
                          if line["_price"]["type"] == "recurring")
    due_now = subtotal - recurring_total if trial else subtotal
    discount = discount_amount(coupon, due_now)
    cs.update({
        "adaptive_pricing": None, "after_expiration": None, "allow_promotion_codes": None,
        "amount_subtotal": due_now, "amount_total": due_now - discount,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": None, "cancel_url": cancel_url, "client_reference_id": client_reference_id,
        "client_secret": None, "collected_information": None, "consent": None, "consent_collection": None, "currency": lines[0]["_price"]["currency"], "custom_fields": [],
        "custom_text": {"after_submit": None, "shipping_address": None, "submit": None,
                        "terms_of_service_acceptance": None},
        "customer": customer, "customer_account": None, "customer_creation": None if customer else "if_required",
        "discounts": [{"coupon": coupon["id"], "promotion_code": None}] if coupon else [],
        "integration_identifier": None,
        "invoice_creation": {"enabled": False, "invoice_data": {
            "account_tax_ids": None, "custom_fields": None, "description": None, "footer": None, "issuer": None,
            "metadata": {}, "rendering_options": None}} if mode == "payment" else None,
        "managed_payments": None, "origin_context": None, "payment_method_configuration_details": None,
        "payment_method_options": {}, "permissions": None, "saved_payment_method_options": None,
        "wallet_options": None,
        "customer_details": None, "customer_email": customer_email,
        "expires_at": expires_at or ctx.now() + SESSION_TTL, "invoice": None, "locale": None,
        "metadata": metadata or {}, "mode": mode, "payment_intent": None, "payment_link": payment_link,
        "payment_method_collection": "always", "payment_method_types": ["card"], "payment_status": "unpaid",
        "phone_number_collection": {"enabled": False}, "recovered_from": None, "setup_intent": None,
        "shipping_address_collection": None, "shipping_cost": None, "shipping_options": [],
        "status": "open", "submit_type": None, "subscription": None, "success_url": success_url,
        "total_details": {"amount_discount": discount, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted", "url": f"https://checkout.stripe.com/c/pay/{cs['id']}",
        "_line_items": lines, "_subscription_data": subscription_data, "_payment_intent_data": payment_intent_data,
        "_coupon": public(coupon) if coupon else None,
    })
    return ctx.insert(cs)


def session_from_link(ctx: Ctx, link: dict[str, Any], quantity: int | None = None) -> dict[str, Any]:
    if not link["active"]:
        raise invalid(link.get("inactive_message") or "This payment link is no longer active.", "payment_link")
    lines = [dict(line) for line in link["_line_items"]]
    if quantity is not None:
        lines[0]["quantity"] = quantity
    mode = "subscription" if any(line["_price"]["type"] == "recurring" for line in lines) else "payment"
    ac = link["after_completion"]
    success = ac["redirect"]["url"] if ac["type"] == "redirect" else f"{link['url']}/success"
    pid = link.get("payment_intent_data") or {}
    return new_session(ctx, mode=mode, lines=lines, success_url=success, cancel_url=link["url"],
                       metadata=dict(link.get("metadata") or {}), payment_link=link["id"],
                       subscription_data=link.get("subscription_data"),
                       payment_intent_data={"metadata": pid.get("metadata") or {},
                                            "description": pid.get("description")})


def complete(ctx: Ctx, cs: dict[str, Any], *, email: str | None, name: str | None,
             payment_method: str | None) -> dict[str, Any]:
    """Pay the session as the buyer would. Raises the card error of a decline."""
    if cs["status"] != "open":
        raise invalid(f"This Checkout Session is {cs['status']} and can no longer be paid.", "id")
    if cs["expires_at"] <= ctx.now():
        raise invalid("This Checkout Session has expired.", "id")
    cus = ctx.find("customer", cs.get("customer"))
    email = email or cs.get("customer_email") or (cus or {}).get("email")
    if not email:
        raise invalid("Missing required param: email.", "email", "parameter_missing")
    if cus is None:
        cus = find_by_email(ctx, email)
    if cus is None:
        cus = ctx.insert(new_customer(ctx, email=email, name=name))
        ctx.emit("customer.created", cus)
    pm_ref = payment_method or "pm_card_visa"
    lines = cs["_line_items"]
    coupon = ctx.find("coupon", (cs.get("_coupon") or {}).get("id"))
    if cs["mode"] == "payment":
        pid = cs.get("_payment_intent_data") or {}
        pi = payments.new_intent(ctx, amount=cs["amount_total"], currency=cs["currency"], customer=cus["id"],
                                 description=pid.get("description"), metadata=dict(pid.get("metadata") or {}))
        cs["payment_intent"] = pi["id"]
        ctx.save(cs)
        err = payments.confirm(ctx, pi, pm_ref, attach=True)
        if err is not None:
            raise err
        cs["payment_status"] = "paid"
    else:
        sd = cs.get("_subscription_data") or {}
        pm = payments.attach_payment_method(ctx, pm_ref, cus, "payment_method")
        for line in lines:
            if line["_price"]["type"] == "one_time":
                amount = price_amount(line["_price"]) * int(line["quantity"])
                new_item(ctx, cus, amount=amount, currency=line["_price"]["currency"], quantity=int(line["quantity"]),
                         price=line["_price"], description=None)
        recurring = [(ctx.get("price", line["price"]), int(line["quantity"]), {})
                     for line in lines if line["_price"]["type"] == "recurring"]
        trial_days = sd.get("trial_period_days")
        sub, err = subscriptions.build(
            ctx, cus, recurring, trial_end=ctx.now() + int(trial_days) * 86400 if trial_days else None,
            metadata=dict(sd.get("metadata") or {}), default_pm=pm["id"], description=sd.get("description"),
            coupon=coupon, payment_behavior="error_if_incomplete", pay_with=pm["id"],
        )
        if err is not None:
            err.commit = False
            raise err
        cs["subscription"], cs["invoice"] = sub["id"], sub["latest_invoice"]
        cs["payment_status"] = "no_payment_required" if cs["amount_total"] == 0 else "paid"
    if coupon is not None and cs["mode"] == "payment":
        redeem(ctx, coupon)
    cs.update({"status": "complete", "customer": cus["id"], "url": None,
               "customer_details": {"address": None, "email": email, "name": name or cus.get("name"), "phone": None,
                                    "tax_exempt": "none", "tax_ids": []}})
    ctx.save(cs)
    ctx.emit("checkout.session.completed", cs)
    link = ctx.find("payment_link", cs.get("payment_link"))
    if link is not None and link.get("restrictions"):
        before = public(link)
        done = link["restrictions"]["completed_sessions"]
        done["count"] += 1
        if done["count"] >= done["limit"]:
            link["active"] = False
        ctx.save(link)
        ctx.emit("payment_link.updated", link, {k: v for k, v in before.items() if link.get(k) != v})
    return cs


@route("POST", "/v1/checkout/sessions", "checkout_session", sdk="checkout.SessionCreateParams")
def create(ctx: Ctx, p: Params) -> dict[str, Any]:
    mode = p.str("mode", required=True, choices=("payment", "setup", "subscription"))
    if mode == "setup":
        raise invalid("The sandbox supports mode=payment and mode=subscription only.", "mode")
    customer, email = p.str("customer"), p.str("customer_email")
    if customer and email:
        raise invalid("You may only specify one of these parameters: customer, customer_email.", "customer_email")
    if customer:
        ctx.get("customer", customer, "customer")
    lines = parse_line_items(ctx, p, allow_price_data=True)
    for i, line in enumerate(lines):
        if mode == "payment" and line["_price"]["type"] == "recurring":
            raise invalid("You specified `payment` mode but passed a recurring price. Either switch to "
                          "`subscription` mode or use only one-time prices.", f"line_items[{i}][price]")
    if mode == "subscription" and not any(line["_price"]["type"] == "recurring" for line in lines):
        raise invalid("You must provide at least one recurring price in `subscription` mode when using prices.",
                      "line_items")
    now = ctx.now()
    expires = p.int("expires_at")
    if expires is not None and not now + 1800 <= expires <= now + SESSION_TTL:
        raise invalid("The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session "
                      "creation.", "expires_at")
    sd, pid = p.sub("subscription_data"), p.sub("payment_intent_data")
    if sd is not None and mode != "subscription":
        raise invalid("You can only specify `subscription_data` in `subscription` mode.", "subscription_data")
    if pid is not None and mode != "payment":
        raise invalid("You can only specify `payment_intent_data` in `payment` mode.", "payment_intent_data")
    cs = new_session(
        ctx, mode=mode or "payment", lines=lines, success_url=p.str("success_url"), cancel_url=p.str("cancel_url"),
        customer=customer, customer_email=email, metadata=p.metadata(),
        client_reference_id=p.str("client_reference_id"), expires_at=expires,
        subscription_data={"metadata": sd.metadata(), "trial_period_days": sd.int("trial_period_days", min=1),
                           "description": sd.str("description")} if sd is not None else None,
        payment_intent_data={"metadata": pid.metadata(), "description": pid.str("description")}
        if pid is not None else None,
        coupon=coupon_from_params(ctx, p, lines[0]["_price"]["currency"]),
    )
    return respond(ctx, cs, p)


@route("GET", "/v1/checkout/sessions/{id}", "checkout_session")
def retrieve(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    return respond(ctx, ctx.get("checkout.session", id), p)


@route("POST", "/v1/checkout/sessions/{id}/expire", "checkout_session")
def expire(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    cs = ctx.get("checkout.session", id)
    if cs["status"] != "open":
        raise invalid(f"Only Checkout Sessions with a status of `open` can be expired; this one is {cs['status']}.",
                      None)
    cs.update({"status": "expired", "url": None})
    ctx.save(cs)
    ctx.emit("checkout.session.expired", cs)
    return respond(ctx, cs, p)


@route("GET", "/v1/checkout/sessions", "checkout_session", sdk="checkout.SessionListParams")
def list_sessions(ctx: Ctx, p: Params) -> dict[str, Any]:
    preds = field_filters(p, {"customer": "customer", "payment_intent": "payment_intent",
                              "payment_link": "payment_link", "subscription": "subscription"})
    status = p.str("status", choices=("complete", "expired", "open"))
    if status:
        preds.append(lambda o: o["status"] == status)
    return paginate(ctx, "checkout.session", p, "/v1/checkout/sessions", preds)


@route("GET", "/v1/checkout/sessions/{id}/line_items", "checkout_session")
def line_items(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    cs = ctx.get("checkout.session", id)
    rows = [(len(cs["_line_items"]) - i, item_object(ctx, line)) for i, line in enumerate(cs["_line_items"])]
    return paginate(ctx, "item", p, f"/v1/checkout/sessions/{id}/line_items", rows=rows)


SPECIAL_EXPANSIONS[("checkout.session", "line_items")] = lambda ctx, obj: line_items_list(
    ctx, ctx.get("checkout.session", obj["id"]), f"/v1/checkout/sessions/{obj['id']}/line_items")
