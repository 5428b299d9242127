"""The `/v1` route table: path patterns, the handler, and the restricted-key permission each route needs.

Handlers are plain synchronous functions `handler(ctx, params, **path_params) -> dict`; the app runs them inside
one SQLite transaction, so a request's writes and events land together or not at all.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .errors import unknown_param

Handler = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class RouteDef:
    method: str
    path: str
    regex: re.Pattern[str]
    handler: Handler
    resource: str  # permission resource, e.g. "customer" -> rak_customer_read / rak_customer_write
    write: bool
    sdk_params: str | None  # name of the SDK's TypedDict for the top-level parameters (unknown ones are a 400)
    extra_params: tuple[str, ...]


ROUTES: list[RouteDef] = []


def route(method: str, path: str, resource: str, *, write: bool | None = None, sdk: str | None = None,
          extra: Iterable[str] = ()) -> Callable[[Handler], Handler]:
    pattern = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$"

    def register(fn: Handler) -> Handler:
        ROUTES.append(RouteDef(method.upper(), path, re.compile(pattern), fn, resource,
                               method.upper() != "GET" if write is None else write, sdk, tuple(extra)))
        return fn

    return register


def match(method: str, path: str) -> tuple[RouteDef | None, dict[str, str], bool]:
    """(route, path params, path_known): path_known says some route has this path with another method."""
    path_known = False
    for r in sorted(ROUTES, key=lambda r: r.path.count("{")):  # literal segments win: /customers/search
        m = r.regex.match(path)
        if m:
            if r.method == method:
                return r, m.groupdict(), True
            path_known = True
    return None, {}, path_known


@functools.cache
def _sdk_fields(name: str) -> frozenset[str] | None:
    try:
        import stripe.params as sdk_params  # the SDK's own parameter types, to reject unknown parameters

        obj: Any = sdk_params
        for part in name.split("."):
            obj = getattr(obj, part)
    except Exception:  # noqa: BLE001 - an SDK without this type: accept any parameter
        return None
    fields: set[str] = set()
    for cls in getattr(obj, "__mro__", ()):
        fields.update(getattr(cls, "__annotations__", {}))
    return frozenset(fields) or None


def check_known_params(r: RouteDef, params: dict[str, Any]) -> None:
    if not r.sdk_params:
        return
    fields = _sdk_fields(r.sdk_params)
    if fields is None:
        return
    for key in params:
        if key not in fields and key not in r.extra_params:
            raise unknown_param(key)
