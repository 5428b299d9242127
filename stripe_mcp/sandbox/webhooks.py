"""Webhook endpoints: create (returns the `whsec_` signing secret once), retrieve, update, list, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from .errors import invalid
from .listing import paginate, respond
from .params import Params
from .routing import route
from .runtime import only_version

if TYPE_CHECKING:
    from .runtime import Ctx

EVENT_TYPES = frozenset("""
balance.available charge.captured charge.expired charge.failed charge.pending charge.refunded charge.succeeded
charge.updated charge.dispute.closed charge.dispute.created charge.dispute.funds_reinstated
charge.dispute.funds_withdrawn charge.dispute.updated charge.refund.updated checkout.session.async_payment_failed
checkout.session.async_payment_succeeded checkout.session.completed checkout.session.expired coupon.created
coupon.deleted coupon.updated customer.created customer.deleted customer.updated customer.discount.created
customer.discount.deleted customer.discount.updated customer.subscription.created customer.subscription.deleted
customer.subscription.paused customer.subscription.pending_update_applied customer.subscription.pending_update_expired
customer.subscription.resumed customer.subscription.trial_will_end customer.subscription.updated invoice.created
invoice.deleted invoice.finalization_failed invoice.finalized invoice.marked_uncollectible invoice.overdue
invoice.paid invoice.payment_action_required invoice.payment_failed invoice.payment_succeeded invoice.sent
invoice.upcoming invoice.updated invoice.voided invoice.will_be_due invoice_payment.paid invoiceitem.created invoiceitem.deleted
invoiceitem.updated payment_intent.amount_capturable_updated payment_intent.canceled payment_intent.created
payment_intent.partially_funded payment_intent.payment_failed payment_intent.processing
payment_intent.requires_action payment_intent.succeeded payment_link.created payment_link.updated
payment_method.attached payment_method.detached payment_method.updated price.created price.deleted price.updated
product.created product.deleted product.updated refund.created refund.failed refund.updated
""".split())


def _enabled_events(p: Params) -> list[str]:
    events = p.strs("enabled_events")
    for i, name in enumerate(events):
        if name != "*" and name not in EVENT_TYPES and not (name.endswith(".*") and name[:-2]):
            raise invalid(f"Invalid enabled_events[{i}]: {name} is not a valid event type.", f"enabled_events[{i}]")
    return events


def _url(p: Params, required: bool) -> str | None:
    url = p.str("url", required=required)
    if url is not None:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise invalid(f"Invalid URL: {url}. URLs must begin with http:// or https://", "url", "url_invalid")
    return url


@route("POST", "/v1/webhook_endpoints", "webhook", sdk="WebhookEndpointCreateParams")
def create_endpoint(ctx: Ctx, p: Params) -> dict[str, Any]:
    url = _url(p, True)
    if "enabled_events" not in p:
        raise invalid("Missing required param: enabled_events.", "enabled_events", "parameter_missing")
    events = _enabled_events(p)
    we = ctx.base("webhook_endpoint", "we_")
    we.update({
        "api_version": only_version(p.str("api_version"), "api_version"),
        "application": None,
        "description": p.str("description"),
        "enabled_events": events,
        "metadata": p.metadata(),
        "status": "enabled",
        "url": url,
        "_secret": ctx.sb.new_id("whsec_", 32),
    })
    ctx.insert(we)
    return {**respond(ctx, we, p), "secret": we["_secret"]}


@route("GET", "/v1/webhook_endpoints/{id}", "webhook")
def get_endpoint(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    return respond(ctx, ctx.get("webhook_endpoint", id), p)


@route("POST", "/v1/webhook_endpoints/{id}", "webhook", sdk="WebhookEndpointUpdateParams")
def update_endpoint(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    we = ctx.get("webhook_endpoint", id)
    if "url" in p:
        we["url"] = _url(p, True)
    if "enabled_events" in p:
        we["enabled_events"] = _enabled_events(p)
    if "description" in p:
        we["description"] = p.str("description")
    if "disabled" in p:
        we["status"] = "disabled" if p.bool("disabled") else "enabled"
    we["metadata"] = p.metadata(we["metadata"])
    ctx.save(we)
    return respond(ctx, we, p)


@route("GET", "/v1/webhook_endpoints", "webhook", sdk="WebhookEndpointListParams")
def list_endpoints(ctx: Ctx, p: Params) -> dict[str, Any]:
    return paginate(ctx, "webhook_endpoint", p, "/v1/webhook_endpoints")


@route("DELETE", "/v1/webhook_endpoints/{id}", "webhook")
def delete_endpoint(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    we = ctx.get("webhook_endpoint", id)
    ctx.store.delete("webhook_endpoint", id)
    ctx.store.cancel_deliveries(id)
    return {"id": we["id"], "object": "webhook_endpoint", "deleted": True}
