"""StripeError subclasses mapped onto shared.errors types, each with a hint that says what to do next."""

from __future__ import annotations

from typing import Any

import stripe

from shared.errors import (
    ApiError,
    AuthError,
    BadRequest,
    Conflict,
    NetworkError,
    NotFound,
    PaymentRequired,
    PermissionDenied,
    RateLimited,
    ServerError,
)

API = "Stripe"


class CardDeclined(PaymentRequired):
    """The card was declined (HTTP 402, card_error); `decline_code` says why when Stripe tells."""

    decline_code: str | None = None

    def hint(self) -> str:
        why = f" (decline code: {self.decline_code})" if self.decline_code else ""
        return (f"The card was declined{why}. Ask the customer for another card or payment method; "
                "retrying the same card will not help.")


class IdempotencyConflict(BadRequest):
    """The same idempotency key was reused with different parameters."""

    def hint(self) -> str:
        return ("This idempotency key was already used with different parameters. Reuse a key only to retry the "
                "very same request; use a new key (a new operation) for a different one.")


class StripePermissionDenied(PermissionDenied):
    """A restricted key lacks a permission; Stripe's own message names it and is passed through."""

    def hint(self) -> str:
        return ("The (restricted) key lacks the permission named above: grant it in the Dashboard "
                "(Developers > API keys) or use a key that has it. Check the key with `stripe-mcp auth status`.")


class StripeNotFound(NotFound):
    def hint(self) -> str:
        return "Check the id (list the objects with stripe_list to find the right one) and the mode (test/live)."


def _error_body(exc: stripe.StripeError) -> dict[str, Any]:
    body = exc.json_body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"]
    return {}


def map_stripe_error(exc: stripe.StripeError, *, method: str | None = None, path: str | None = None,
                     attempts: int = 1) -> ApiError:
    """The shared.errors type for a StripeError: message, status, request id and param carried along."""
    body = _error_body(exc)
    message = exc.user_message or body.get("message") or type(exc).__name__
    common: dict[str, Any] = dict(status=exc.http_status, request_id=exc.request_id, method=method, path=path,
                                  attempts=attempts, code=exc.code or body.get("code"), server="stripe-mcp")
    if isinstance(exc, stripe.CardError):
        err = CardDeclined(API, message, param=exc.param, **common)
        err.decline_code = body.get("decline_code")
        return err
    if isinstance(exc, stripe.IdempotencyError):
        return IdempotencyConflict(API, message, **common)
    if isinstance(exc, stripe.InvalidRequestError):
        if exc.http_status == 404 or common["code"] == "resource_missing":
            return StripeNotFound(API, message, param=exc.param, **common)
        return BadRequest(API, message, param=exc.param, **common)
    if isinstance(exc, stripe.AuthenticationError):
        return AuthError(API, message, **common)
    if isinstance(exc, stripe.PermissionError):
        return StripePermissionDenied(API, message, **common)
    if isinstance(exc, stripe.RateLimitError):
        retry_after = (exc.headers or {}).get("retry-after")
        try:
            wait = float(retry_after) if retry_after else None
        except ValueError:
            wait = None
        return RateLimited(API, message, retry_after=wait, **common)
    if isinstance(exc, stripe.APIConnectionError):
        common["status"] = None
        return NetworkError(API, "could not reach the Stripe API (connection failed or timed out)", **common)
    if exc.http_status == 409:
        return Conflict(API, message, **common)
    return ServerError(API, message, **common)
