"""Events: every state change records one (`evt_...`), queues its webhook deliveries, and is listable."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .listing import paginate, retrieve
from .params import Params
from .routing import route
from .runtime import API_VERSION, public

if TYPE_CHECKING:
    from .runtime import Ctx


def matches(enabled: list[str], event_type: str) -> bool:
    for pattern in enabled:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


def emit_event(ctx: Ctx, event_type: str, obj: dict[str, Any],
               previous: dict[str, Any] | None = None) -> dict[str, Any]:
    endpoints = [
        we for we in ctx.all("webhook_endpoint")
        if we.get("status") == "enabled" and matches(we.get("enabled_events") or [], event_type)
    ]
    data: dict[str, Any] = {"object": public(obj)}
    if previous:
        data["previous_attributes"] = previous
    event = {
        "id": ctx.id("evt_"),
        "object": "event",
        "api_version": API_VERSION,  # every payload is rendered at this version (see runtime.only_version)
        "created": ctx.now(),
        "data": data,
        "livemode": ctx.livemode,
        "pending_webhooks": len(endpoints),
        "request": {"id": ctx.request_id, "idempotency_key": ctx.idempotency_key},
        "type": event_type,
    }
    ctx.insert(event)
    for we in endpoints:
        ctx.store.add_delivery(event["id"], we["id"], time.time())
    ctx.events.append(event["id"])
    return event


def _type_filter(p: Params) -> Any:
    single = p.str("type")
    many = p.strs("types")
    if single is None and not many:
        return None
    patterns = ([single] if single else []) + many
    return lambda o: matches(patterns, o["type"])


@route("GET", "/v1/events", "event", sdk="EventListParams")
def list_events(ctx: Ctx, p: Params) -> dict[str, Any]:
    preds = [_type_filter(p)]
    delivery = p.bool("delivery_success")
    if delivery is not None:
        preds.append(lambda o: (o.get("pending_webhooks", 0) == 0) == delivery)
    return paginate(ctx, "event", p, "/v1/events", preds)


@route("GET", "/v1/events/{id}", "event")
def get_event(ctx: Ctx, p: Params, id: str) -> dict[str, Any]:
    return retrieve(ctx, "event", id, p)
