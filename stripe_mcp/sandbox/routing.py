"""The `/v1` route table: path patterns, the handler, and the restricted-key permission each route needs.

Handlers are plain synchronous functions `handler(ctx, params, **path_params) -> dict`; the app runs them inside
one SQLite transaction, so a request's writes and events land together or not at all.
"""

from __future__ import annotations

import functools
import re
import sys
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import typing_extensions

from .errors import unknown_param
from .forms import as_list

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
def _sdk_type(name: str) -> Any:
    try:
        import stripe.params as sdk_params  # the SDK's own parameter types, to reject unknown parameters

        obj: Any = sdk_params
        for part in name.split("."):
            obj = getattr(obj, part)
    except Exception:  # noqa: BLE001 - an SDK without this type: accept any parameter
        return None
    return obj


@functools.cache
def _fields(td: Any) -> dict[str, Any]:
    """A TypedDict's fields -> their (unevaluated) annotations, with the module to evaluate them in."""
    out: dict[str, Any] = {}
    for cls in reversed(getattr(td, "__mro__", ())):
        module = sys.modules.get(getattr(cls, "__module__", ""), None)
        for key, ann in getattr(cls, "__annotations__", {}).items():
            out[key] = (ann, vars(module) if module else {})
    return out


def _evaluate(ann: Any, scope: dict[str, Any]) -> Any:
    if isinstance(ann, typing.ForwardRef):
        ann = ann.__forward_arg__
    if isinstance(ann, str):
        try:
            return eval(ann, dict(scope), vars(typing))  # noqa: S307 - the SDK's own annotations
        except Exception:  # noqa: BLE001 - a name only imported for type checking: accept anything there
            return None
    return ann


def _shape(ann: Any, scope: dict[str, Any]) -> Any:
    """("td", TypedDict) for a nested object, ("list", shape) for an array, None for anything else (scalars and
    free-form hashes such as metadata)."""
    tp = _evaluate(ann, scope)
    if tp is None:
        return None
    if typing_extensions.is_typeddict(tp) or typing.is_typeddict(tp):
        return ("td", tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.NotRequired, typing.Required, typing_extensions.NotRequired, typing_extensions.Required):
        return _shape(args[0], scope)
    if origin in (typing.Union, types.UnionType):
        shapes = [s for s in (_shape(a, scope) for a in args) if s is not None]
        return shapes[0] if len(shapes) == 1 else None
    if origin is list:
        inner = _shape(args[0], scope) if args else None
        return ("list", inner) if inner is not None else None
    return None


def _check_nested(value: Any, shape: Any, name: str) -> None:
    if shape is None or value == "" or value is None:
        return
    kind, inner = shape
    if kind == "list":
        items = as_list(value)
        for i, item in enumerate(items or []):
            _check_nested(item, inner, f"{name}[{i}]")
        return
    if not isinstance(value, dict):
        return  # a wrong type is the handler's 400 (parameter_invalid_*)
    fields = _fields(inner)
    for key, sub in value.items():
        if key not in fields:
            raise unknown_param(f"{name}[{key}]")
        ann, scope = fields[key]
        _check_nested(sub, _shape(ann, scope), f"{name}[{key}]")


def check_known_params(r: RouteDef, params: dict[str, Any]) -> None:
    """Unknown parameters get Stripe's 400 parameter_unknown, at any depth (`recurring[foo]`,
    `line_items[0][foo]`); free-form hashes (metadata) take any key. The SDK's parameter TypedDicts are the schema."""
    if not r.sdk_params:
        return
    td = _sdk_type(r.sdk_params)
    if td is None:
        return
    fields = _fields(td)
    for key, value in params.items():
        if key in r.extra_params:
            continue
        if key not in fields:
            raise unknown_param(key)
        ann, scope = fields[key]
        _check_nested(value, _shape(ann, scope), key)
