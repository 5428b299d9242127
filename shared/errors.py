"""Typed errors, and the one mapping from them to MCP tool errors that say what to do next."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from shared.redaction import redact

log = logging.getLogger(__name__)


class AppError(Exception):
    """Base for every error we raise on purpose. Its text is safe to show the model."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))

    @property
    def message(self) -> str:
        return str(self)

    def hint(self) -> str:
        return ""


class MissingSecretError(AppError):
    """A key or secret is not configured; the message says how to set it."""


class InputError(AppError):
    """Input that we reject before calling any API: names the field and why."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


class StoreError(AppError):
    """The local store cannot be opened or written; the message names the file and says what to do."""


class ConfirmationRequired(AppError):
    """A write that needs confirm=true."""


class ApiError(AppError):
    """An API answered with an error, or could not be reached.

    Carries the HTTP status (None when nothing answered), the API's own message and request id,
    and how many attempts were made.
    """

    def __init__(
        self,
        api: str,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
        attempts: int = 1,
        retry_after: float | None = None,
        param: str | None = None,
        code: str | None = None,
        server: str | None = None,
    ) -> None:
        self.api = api
        self.api_message = redact(message)
        self.status = status
        self.request_id = request_id
        self.method = method
        self.path = path
        self.attempts = attempts
        self.retry_after = retry_after
        self.param = param
        self.code = code
        self.server = server or f"{api.lower()}-mcp"
        where = f" ({method} {path})" if method and path else ""
        rid = f" [request {request_id}]" if request_id else ""
        head = f"{api} {status}" if status else f"{api} unreachable"
        super().__init__(f"{head}{where}: {message}{rid}")

    def hint(self) -> str:
        return _hint_for(self)


class AuthError(ApiError):
    pass


class PermissionDenied(ApiError):
    pass


class PaymentRequired(ApiError):
    pass


class NotFound(ApiError):
    pass


class RateLimited(ApiError):
    pass


class BadRequest(ApiError):
    pass


class Conflict(ApiError):
    pass


class ServerError(ApiError):
    pass


class NetworkError(ApiError):
    pass


def error_for_status(status: int | None) -> type[ApiError]:
    if status is None:
        return NetworkError
    return {
        400: BadRequest,
        401: AuthError,
        402: PaymentRequired,
        403: PermissionDenied,
        404: NotFound,
        409: Conflict,
        422: BadRequest,
        429: RateLimited,
    }.get(status, ServerError if status >= 500 else BadRequest)


def _hint_for(exc: ApiError) -> str:
    tries = f"after {exc.attempts} attempts" if exc.attempts > 1 else ""
    if isinstance(exc, AuthError):
        return f"The key was rejected. Check it with `{exc.server} auth status`, then set a valid one with `{exc.server} auth set`."
    if isinstance(exc, PermissionDenied):
        return "The key lacks a permission for this call; grant it to the (restricted) key or use a key that has it."
    if isinstance(exc, PaymentRequired):
        return f"This {exc.api} feature needs a paid plan on the account."
    if isinstance(exc, NotFound):
        return "Check the id (list the objects to find the right one); it may have been deleted."
    if isinstance(exc, RateLimited):
        wait = f"{exc.retry_after:g}" if exc.retry_after else "a few"
        return f"Rate limited; retried {exc.attempts} times. Try again in {wait} seconds."
    if isinstance(exc, BadRequest):
        field = f" Fix the field `{exc.param}`." if exc.param else ""
        return f"The API rejected the input.{field}"
    if isinstance(exc, Conflict):
        return "The request conflicts with the object's current state; fetch it and retry."
    if isinstance(exc, ServerError | NetworkError):
        return f"{exc.api} failed {tries or 'once'}; this is usually temporary. Try again shortly."
    return ""


MAX_ERROR_CHARS = 2000


def _shorten(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """At most `limit` characters: an error that quotes a huge input keeps its start and its advice."""
    if len(text) <= limit:
        return text
    keep = (limit - 5) // 2
    return f"{text[:keep]} ... {text[-keep:]}"


def describe(exc: BaseException) -> str:
    """The text the model sees for an error: what went wrong, then what to do next."""
    if isinstance(exc, AppError):
        hint = exc.hint()
        return _shorten(f"{exc} {hint}".strip())
    return "Unexpected internal error; the details are in the server's log (stderr)."


def to_tool_error(exc: BaseException, tool: str) -> Exception:
    """Map any exception to an MCP ToolError. Unexpected ones are logged with their traceback."""
    from mcp.server.mcpserver.exceptions import ToolError

    if not isinstance(exc, AppError):
        # Format the traceback ourselves so it is redacted whatever handler receives the record.
        trace = "".join(traceback.format_exception(exc))
        log.error("tool %s failed unexpectedly:\n%s", tool, redact(trace))
    return ToolError(redact(describe(exc)))


def error_payload(exc: BaseException) -> dict[str, Any]:
    """A compact, redacted record of an error for the audit log and step reports."""
    out: dict[str, Any] = {"type": type(exc).__name__, "message": describe(exc)}
    if isinstance(exc, ApiError):
        out.update(status=exc.status, request_id=exc.request_id)
    return out
