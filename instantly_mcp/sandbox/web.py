"""HTTP helpers shared by the route modules: Instantly's error envelope, body and query parsing, and the
cursor pagination every list endpoint uses."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from instantly_mcp.sandbox.ids import is_uuid

if TYPE_CHECKING:
    from instantly_mcp.sandbox.core import Sandbox

REASONS = {
    400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
    409: "Conflict", 413: "Payload Too Large", 429: "Too Many Requests", 500: "Internal Server Error",
    503: "Service Unavailable", 504: "Gateway Timeout",
}
MAX_LIMIT = 100
DEFAULT_LIMIT = 100


class ApiError(Exception):
    """Raised by handlers; rendered as `{statusCode, error, message}`."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_body(status: int, message: str) -> dict[str, Any]:
    return {"statusCode": status, "error": REASONS.get(status, "Error"), "message": message}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, message), status_code=status, headers=headers)


def bad(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(what: str = "Resource") -> ApiError:
    return ApiError(404, f"{what} not found")


def ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


def sandbox(request: Request) -> Sandbox:
    return request.app.state.sandbox  # type: ignore[no-any-return]


async def body(request: Request, *, required: bool = True) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        if required:
            raise bad("body must be object")
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise bad("Body is not valid JSON") from None
    if data is None and not required:
        return {}
    if not isinstance(data, dict):
        raise bad("body must be object")
    return data


def path_id(request: Request, name: str = "id", *, uuid: bool = True) -> str:
    value = str(request.path_params[name])
    if uuid and not is_uuid(value):
        raise bad(f'params/{name} must match format "uuid"')
    return value


# --- query parameters ---

def q_str(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value if value not in (None, "") else None


def q_bool(request: Request, name: str) -> bool | None:
    value = q_str(request, name)
    if value is None:
        return None
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise bad(f"querystring/{name} must be boolean")


def q_num(request: Request, name: str, enum: Iterable[float] | None = None) -> float | None:
    value = q_str(request, name)
    if value is None:
        return None
    try:
        num = float(value)
    except ValueError:
        raise bad(f"querystring/{name} must be number") from None
    if enum is not None and num not in set(enum):
        raise bad(f"querystring/{name} must be equal to one of the allowed values")
    return num


def q_enum(request: Request, name: str, allowed: Sequence[str]) -> str | None:
    value = q_str(request, name)
    if value is not None and value not in allowed:
        raise bad(f"querystring/{name} must be equal to one of the allowed values")
    return value


def q_list(request: Request, name: str) -> list[str]:
    """Repeated `name=a&name=b` and/or comma lists `name=a,b`."""
    out: list[str] = []
    for value in request.query_params.getlist(name):
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def check_limit(value: Any, where: str) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    if isinstance(value, bool):
        raise bad(f"{where}/limit must be integer")
    try:
        limit = int(value)
        if isinstance(value, float | str) and float(value) != limit:
            raise ValueError
    except (TypeError, ValueError):
        raise bad(f"{where}/limit must be integer") from None
    if limit > MAX_LIMIT:
        raise bad(f"{where}/limit must be <= {MAX_LIMIT}")
    if limit < 1:
        raise bad(f"{where}/limit must be >= 1")
    return limit


def q_limit(request: Request) -> int:
    return check_limit(request.query_params.get("limit"), "querystring")


# --- pagination ---

def page(
    items: Iterable[dict[str, Any]],
    limit: int,
    *,
    after: str | None = None,
    key: Callable[[dict[str, Any]], str] = lambda item: str(item["id"]),
    render: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    descending: bool = False,
) -> dict[str, Any]:
    """`items` sorted by `key` (ascending, or descending): the `limit` items strictly after the cursor.

    `next_starting_after` is the key of the last item of a full page; as with Instantly, the page after it
    may be empty. An unknown cursor simply positions by comparison."""
    out: list[dict[str, Any]] = []
    for item in items:
        if after is not None:
            k = key(item)
            if (k >= after) if descending else (k <= after):
                continue
        out.append(item)
        if len(out) == limit:
            break
    result: dict[str, Any] = {"items": [render(i) if render else i for i in out]}
    if len(out) == limit:
        result["next_starting_after"] = key(out[-1])
    return result
