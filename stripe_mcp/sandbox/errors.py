"""Stripe-shaped API errors: `{"error": {type, code, message, param, ...}}` with the status Stripe uses."""

from __future__ import annotations

from typing import Any

DOCS = "https://stripe.com/docs/error-codes"


class StripeError(Exception):
    """An error answered to the client.

    commit=True means the request's writes are kept (a declined card still records the failed charge and
    its events) and the answer is saved for idempotent replay; otherwise the transaction is rolled back.
    """

    def __init__(
        self,
        status: int,
        type: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        commit: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type
        self.message = message
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.extra = extra or {}
        self.headers = headers or {}
        self.commit = commit

    def body(self, request_id: str | None = None) -> dict[str, Any]:
        err: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            err["code"] = self.code
            err["doc_url"] = f"{DOCS}/{self.code.replace('_', '-')}"
        if self.param:
            err["param"] = self.param
        if self.decline_code:
            err["decline_code"] = self.decline_code
        if request_id:
            err["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        err.update(self.extra)
        return {"error": err}


def invalid(message: str, param: str | None = None, code: str | None = None, status: int = 400) -> StripeError:
    return StripeError(status, "invalid_request_error", message, code=code, param=param)


def missing_param(param: str) -> StripeError:
    return invalid(f"Missing required param: {param}.", param, "parameter_missing")


def unknown_param(param: str) -> StripeError:
    return invalid(f"Received unknown parameter: {param}", param, "parameter_unknown")


def no_such(label: str, object_id: str, param: str = "id") -> StripeError:
    """404 for the object named in the path; 400 when an id given as a parameter does not exist."""
    status = 404 if param == "id" else 400
    return invalid(f"No such {label}: '{object_id}'", param, "resource_missing", status=status)


def idempotency_error(message: str, status: int = 400) -> StripeError:
    return StripeError(status, "idempotency_error", message)


def card_error(code: str, decline_code: str | None, message: str, param: str | None = None,
               extra: dict[str, Any] | None = None) -> StripeError:
    return StripeError(402, "card_error", message, code=code, decline_code=decline_code, param=param,
                       extra=extra, commit=True)


def rate_limited(retry_after: float = 1.0) -> StripeError:
    return StripeError(
        429, "rate_limit_error",
        "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
        code="rate_limit", headers={"Retry-After": str(max(1, round(retry_after)))},
    )


def api_error(message: str = "An unknown error occurred (sandbox fault injection).") -> StripeError:
    return StripeError(500, "api_error", message)
