"""Test controls under `/_sandbox/` (JSON in, JSON out, no auth; the sandbox listens on loopback only).

GET  /_sandbox/health                         -> {"ok": true, "now": <sandbox clock>, "service", "sandbox", "pid"}
GET  /_sandbox/stats                          -> object counts per type, request counts, webhook deliveries
POST /_sandbox/reset                          -> wipe everything (objects, events, keys, clock, faults, counters)
GET|POST|DELETE /_sandbox/faults              -> {"latency_ms", "rate", "kinds": ["429","500","reset","timeout",
                                                 "after_commit"], "next": [kinds for the next requests],
                                                 "after_commit_next": N, "timeout_seconds", "retry_after",
                                                 "rate_limit_per_second", "seed"}; DELETE clears
GET|POST /_sandbox/keys                       -> {"rk_test_abc": ["customers:read", "rak_invoice_write", "*"]};
                                                 null removes a key's set (then it may do anything)
GET  /_sandbox/clock                          -> {"now", "clock_offset"}
POST /_sandbox/advance_time                   -> {"seconds": N} | {"to": "renewal"|"trial_end"|<unix ts>,
                                                 "subscription": "sub_..."}; runs what falls due
POST /_sandbox/payment_links/{id}/pay         -> {"email", "name"?, "payment_method"?: "pm_card_visa", "quantity"?}
POST /_sandbox/checkout/sessions/{id}/complete-> {"email"?, "name"?, "payment_method"?}
POST /_sandbox/subscriptions/{id}/fail_next_renewal -> {"count"?: 1, "decline_code"?: "generic_decline"}
POST /_sandbox/charges/{id}/dispute           -> {"reason"?: "fraudulent", "amount"?}
POST /_sandbox/disputes/{id}/close            -> {"outcome": "won"|"lost"}
POST /_sandbox/subscriptions/{id}/upcoming   -> emits invoice.upcoming for the next invoice (simulate.py)
POST /_sandbox/simulate/advance               -> {"seconds": N}: advance_time, with invoice.upcoming notices
POST /_sandbox/webhooks/config                -> {"max_attempts", "backoff_seconds", "max_backoff_seconds",
                                                 "timeout_seconds"}
GET  /_sandbox/webhooks/deliveries            -> ?event=&endpoint=&status=pending|delivered|failed|canceled
POST /_sandbox/webhooks/drain                 -> {"timeout"?: 10}: wait until no delivery is due now
GET|POST /_sandbox/config                     -> {"search_lag_seconds": 1.0}: how long a new object stays out of
                                                 search results (0 in tests that search right after creating)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from shared.sandbox_mode import signature

from . import billing, simulate
from .auth import KEY_RE, PERMISSIONS_STATE, normalize
from .errors import StripeError, invalid
from .objects import checkout, disputes
from .runtime import Ctx, public

if TYPE_CHECKING:
    from .app import Core


def _error(exc: StripeError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status)


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise invalid(f"Invalid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise invalid("The body must be a JSON object.")
    return body


def control_routes(core: Core) -> list[Route]:
    def endpoint(fn: Callable[..., Any]) -> Callable[[Request], Any]:
        async def run(request: Request) -> JSONResponse:
            try:
                body = await _json(request) if request.method in ("POST", "PUT") else {}
                result = fn(request, body)
                if hasattr(result, "__await__"):
                    result = await result
            except StripeError as exc:
                core.wake()  # a decline keeps its events
                return _error(exc)
            except ValueError as exc:
                return _error(invalid(str(exc)))
            core.wake()
            return JSONResponse(result)

        return run

    def in_tx(livemode: bool, work: Callable[[Ctx], dict[str, Any]]) -> dict[str, Any]:
        """Run `work` in one transaction; a card error is raised after its writes are committed."""
        ctx = Ctx(core.sb, livemode)
        kept: StripeError | None = None
        with core.store.transaction():
            try:
                result = work(ctx)
            except StripeError as exc:
                if not exc.commit:
                    raise
                kept = exc
        if kept is not None:
            raise kept
        result["events"] = ctx.events
        return result

    def find(type_: str, object_id: str) -> dict[str, Any]:
        obj = core.store.get(type_, object_id)
        if obj is None:
            raise invalid(f"No such {type_}: '{object_id}'", "id", "resource_missing", status=404)
        return obj

    def health(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "now": core.sb.now(), **signature("stripe")}

    def stats(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        return {"objects": core.store.counts(), "requests": core.stats.describe(),
                "webhooks": {**core.store.delivery_counts(), "delivered_total": core.worker.delivered,
                             "failed_attempts": core.worker.failed_attempts},
                "clock": {"now": core.sb.now(), "clock_offset": core.sb.clock_offset}}

    def reset(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        core.reset()
        return {"reset": True}

    def faults(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        if request.method == "DELETE":
            core.faults.clear()
        elif request.method == "POST":
            core.faults.configure(body)
        return core.faults.describe()

    def keys(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        perms = core.permissions()
        if request.method == "POST":
            updates = body.get("permissions", body)
            for key, value in updates.items():
                if not KEY_RE.match(key) or not key.startswith("rk_"):
                    raise invalid(f"Not a restricted key: {key!r} (expected rk_test_... or rk_live_...)", key)
                if value is None:
                    perms.pop(key, None)
                else:
                    if isinstance(value, str):
                        value = [value]
                    normalize(list(value))
                    perms[key] = list(value)
            core.store.set_state(PERMISSIONS_STATE, perms)
        return {"permissions": perms}

    def clock(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        return {"now": core.sb.now(), "clock_offset": core.sb.clock_offset}

    def advance_time(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        now = core.sb.now()
        if "seconds" in body:
            seconds = int(body["seconds"])
            if seconds < 0:
                raise invalid("seconds must be >= 0 (the clock only moves forward)", "seconds")
            target = now + seconds
        elif "to" in body:
            to = body["to"]
            if isinstance(to, (int, float)):
                target = int(to)
            else:
                sub = find("subscription", str(body.get("subscription") or ""))
                if to == "renewal":
                    target = sub["_current_period_end"]
                elif to == "trial_end":
                    if not sub.get("trial_end") or sub["status"] != "trialing":
                        raise invalid(f"Subscription {sub['id']} is not trialing.", "subscription")
                    target = sub["trial_end"]
                else:
                    raise invalid("to must be 'renewal', 'trial_end' or a unix timestamp", "to")
        else:
            raise invalid("Give seconds or to.", "seconds")
        return billing.advance(core.sb, target)

    def pay_link(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        link = find("payment_link", request.path_params["id"])

        def work(ctx: Ctx) -> dict[str, Any]:
            qty = body.get("quantity")
            cs = checkout.session_from_link(ctx, link, int(qty) if qty is not None else None)
            cs = checkout.complete(ctx, cs, email=body.get("email"), name=body.get("name"),
                                   payment_method=body.get("payment_method"))
            return _result(ctx, cs)

        return (in_tx(bool(link["livemode"]), work))

    def complete_session(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        cs = find("checkout.session", request.path_params["id"])

        def work(ctx: Ctx) -> dict[str, Any]:
            done = checkout.complete(ctx, cs, email=body.get("email"), name=body.get("name"),
                                     payment_method=body.get("payment_method"))
            return _result(ctx, done)

        return (in_tx(bool(cs["livemode"]), work))

    def fail_next_renewal(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        sub = find("subscription", request.path_params["id"])
        with core.store.transaction():
            sub["_fail_renewals"] = int(sub.get("_fail_renewals") or 0) + int(body.get("count", 1))
            sub["_decline_code"] = body.get("decline_code") or "generic_decline"
            core.store.save("subscription", sub)
        return {"subscription": sub["id"], "fail_renewals": sub["_fail_renewals"],
                "decline_code": sub["_decline_code"]}

    def dispute(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        ch = find("charge", request.path_params["id"])
        amount = body.get("amount")
        return (in_tx(bool(ch["livemode"]), lambda ctx: {"dispute": public(disputes.open_dispute(
            ctx, ch, body.get("reason") or "fraudulent", int(amount) if amount is not None else None))}))

    def close_dispute(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        dp = find("dispute", request.path_params["id"])
        outcome = body.get("outcome", "lost")
        if outcome not in ("won", "lost"):
            raise invalid("outcome must be 'won' or 'lost'", "outcome")
        return (in_tx(bool(dp["livemode"]), lambda ctx: {
            "dispute": public(disputes.close_dispute(ctx, dp, outcome))}))

    def upcoming(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        return simulate.upcoming_now(core.sb, find("subscription", request.path_params["id"]))

    def simulate_advance(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        return simulate.advance(core.sb, int(body.get("seconds", 0)))

    def webhook_config(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        core.worker.config.update(body)
        return dict(vars(core.worker.config))

    def deliveries(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        q = request.query_params
        rows = core.store.deliveries({"event_id": q.get("event"), "endpoint_id": q.get("endpoint"),
                                      "status": q.get("status")})
        return {"data": rows, "counts": core.store.delivery_counts()}

    async def drain(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        drained = await core.worker.drain(float(body.get("timeout", 10)))
        return {"drained": drained, "counts": core.store.delivery_counts()}

    def config(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        if "search_lag_seconds" in body:
            lag = float(body["search_lag_seconds"])
            if lag < 0:
                raise invalid("search_lag_seconds must be >= 0", "search_lag_seconds")
            core.sb.search_lag_seconds = lag
        unknown = set(body) - {"search_lag_seconds"}
        if unknown:
            raise invalid(f"Unknown setting(s): {', '.join(sorted(unknown))}", sorted(unknown)[0])
        return {"search_lag_seconds": core.sb.search_lag_seconds}

    table: list[tuple[str, Callable[..., Any], list[str]]] = [
        ("/_sandbox/config", config, ["GET", "POST"]),
        ("/_sandbox/health", health, ["GET"]),
        ("/_sandbox/stats", stats, ["GET"]),
        ("/_sandbox/reset", reset, ["POST"]),
        ("/_sandbox/faults", faults, ["GET", "POST", "DELETE"]),
        ("/_sandbox/keys", keys, ["GET", "POST"]),
        ("/_sandbox/clock", clock, ["GET"]),
        ("/_sandbox/advance_time", advance_time, ["POST"]),
        ("/_sandbox/payment_links/{id}/pay", pay_link, ["POST"]),
        ("/_sandbox/checkout/sessions/{id}/complete", complete_session, ["POST"]),
        ("/_sandbox/subscriptions/{id}/fail_next_renewal", fail_next_renewal, ["POST"]),
        ("/_sandbox/charges/{id}/dispute", dispute, ["POST"]),
        ("/_sandbox/disputes/{id}/close", close_dispute, ["POST"]),
        ("/_sandbox/subscriptions/{id}/upcoming", upcoming, ["POST"]),
        ("/_sandbox/simulate/advance", simulate_advance, ["POST"]),
        ("/_sandbox/webhooks/config", webhook_config, ["GET", "POST"]),
        ("/_sandbox/webhooks/deliveries", deliveries, ["GET"]),
        ("/_sandbox/webhooks/drain", drain, ["POST"]),
    ]
    return [Route(path, endpoint(fn), methods=methods) for path, fn, methods in table]


def _result(ctx: Ctx, cs: dict[str, Any]) -> dict[str, Any]:
    def get(type_: str, object_id: Any) -> dict[str, Any] | None:
        obj = ctx.find(type_, object_id)
        return public(obj) if obj is not None else None

    sub = get("subscription", cs.get("subscription"))
    return {
        "checkout_session": public(cs), "customer": get("customer", cs.get("customer")),
        "payment_intent": get("payment_intent", cs.get("payment_intent")),
        "subscription": sub, "invoice": get("invoice", cs.get("invoice")),
    }
