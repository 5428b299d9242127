"""What the Stripe tools share: result bases (mode on every result), short summaries, and the two rules every
write follows, kept here once:

- `write_tool` registers a write tool and holds the live-mode gate: with a live key, a call without
  confirm=true returns a preview and makes no write call. (Inputs built on shared.safety.ConfirmInput gate every
  call themselves, in any mode, with their own previews.)
- `create` makes a create call retry-safe: its idempotency key is derived from the tool and its arguments
  (stripe_mcp.client.intents), so the same call repeated within the window returns the same object.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, Literal, get_type_hints

from pydantic import Field, PrivateAttr

from shared.errors import ApiError, AppError, Conflict, RateLimited, describe
from shared.safety import ConfirmInput, GatedResult
from shared.tooling import Call, ToolInput, ToolResult
from stripe_mcp.client.intents import INTENTS, WINDOW_SECONDS, Intent
from stripe_mcp.client.shapes import compact, label
from stripe_mcp.deps import StripeDeps
from stripe_mcp.tools import TOOLBOX
from stripe_mcp.tools.names import annotate
from stripe_mcp.tools.resolve import RefKind, names_in, resolve_refs

if TYPE_CHECKING:
    from stripe_mcp.client.api import StripeApi

Metadata = dict[str, str]
# Field descriptions shared by every tool (one wording, defined once). Names work wherever ids do (tools/resolve.py).
CUSTOMER = "Customer id or email."
PRODUCT = "Product id or name."
PRICE = "Price id, lookup_key or product name."
CURRENCY = "ISO code, lowercase: usd."
MINOR = "Minor units: 1999 = $19.99 (JPY: yen)."
CURSOR = "next_cursor from the previous page."


class StripeResult(ToolResult):
    mode: Literal["test", "live"] = Field(description="test or live (real money).")


class ObjectResult(StripeResult, GatedResult):
    """One Stripe object (compact view), or a preview when a gated write was not confirmed."""

    executed: bool = True
    preview: str = ""
    object: dict[str, Any] = Field(default_factory=dict)
    _verb: str = PrivateAttr(default="")
    _note: str = PrivateAttr(default="")  # what happens next, or that an earlier identical call made it (text only)

    def summary(self) -> str:
        if not self.executed:
            return super().summary()
        text = f"{self._verb} {label(self.object)}".strip()
        return f"{text}. {self._note}" if self._note else text


def done(api: StripeApi, verb: str, obj: dict[str, Any], *, full: bool = False, note: str = "") -> ObjectResult:
    result = ObjectResult(mode=api.mode, object=obj if full else compact(obj))
    result._verb, result._note = verb, note
    return result


def preview(api: StripeApi, text: str, obj: dict[str, Any] | None = None) -> ObjectResult:
    return ObjectResult(mode=api.mode, executed=False, preview=text, object=compact(obj) if obj else {})


class LiveConfirmInput(ToolInput):
    """Inputs of Stripe writes that act without confirm in test mode; with a live key they need confirm=true.
    (The server instructions say so once, and an unconfirmed live call returns a preview that says it again.)"""

    refs: ClassVar[dict[str, RefKind]] = {}  # fields naming a product, price or customer (tools/resolve.py)

    confirm: bool = False


async def stripe(call: Call[StripeDeps]) -> StripeApi:
    return await call.deps.client()


# --- the live-mode gate -------------------------------------------------------------------------------------------

PreviewCheck = Callable[["StripeApi", Any], Awaitable[str | None]]


def _described(args: ToolInput) -> str:
    """The arguments of a call, short, for a preview: name='X', unit_amount=500 ..."""
    shown = []
    for name, value in args.model_dump(exclude={"confirm"}, exclude_none=True).items():
        text = repr(value) if not isinstance(value, list | dict) else repr(value)[:80]
        shown.append(f"{name}={text}")
    out = ", ".join(shown)
    return out if len(out) <= 300 else out[:297] + "..."


def write_tool(*, toolset: str, title: str, destructive: bool = False, idempotent: bool = False,
               check: PreviewCheck | None = None) -> Callable[[Callable[..., Awaitable[Any]]], Any]:
    """Register a Stripe write tool behind the live-mode gate. `check` (reads only) runs in the preview, so a
    preview that succeeds cannot fail at confirm for a reason it could have seen; its text joins the preview."""

    def register(fn: Callable[..., Awaitable[Any]]) -> Any:
        model = get_type_hints(fn)["args"]
        if "confirm" not in model.model_fields:
            raise TypeError(f"{fn.__name__}: a Stripe write tool needs a confirm field (LiveConfirmInput)")
        always_gated = issubclass(model, ConfirmInput)  # these preview every unconfirmed call themselves
        verb = title[0].lower() + title[1:]

        @functools.wraps(fn)
        async def gated(call: Call[StripeDeps], args: Any) -> Any:
            if names_in(args):  # products, prices, customers given by name: their ids, before anything else
                args = await resolve_refs(await stripe(call), args)
            if not always_gated and not args.confirm:
                api = await stripe(call)
                if api.mode == "live":
                    seen = await check(api, args) if check else None
                    extra = f" {seen}." if seen else ""
                    return preview(api, f"LIVE mode: would {verb} ({_described(args)}).{extra} Nothing was changed.")
            result = await fn(call, args)
            if isinstance(result, ObjectResult) and result.object:
                await annotate(await stripe(call), [result.object])
            return result

        return TOOLBOX.tool(toolset=toolset, title=title, read_only=False, destructive=destructive,
                            idempotent=idempotent, open_world=True)(gated)

    return register


# --- retry-safe creates -------------------------------------------------------------------------------------------

WINDOW_MINUTES = WINDOW_SECONDS // 60
REUSED = ("An identical earlier call (its answer lost, or repeated) had already created it: this is that same "
          "object; nothing new was created.")


def intent(tool: str, args: ToolInput) -> Intent:
    """The idempotency intent of a tool call: its arguments (without confirm) within the time window."""
    return INTENTS.intent(tool, args.model_dump(mode="json", exclude={"confirm"}))


def refusal(exc: BaseException) -> bool:
    """Stripe refused outright (a 4xx other than 409 in-progress and 429): nothing was created."""
    return (isinstance(exc, ApiError) and exc.status is not None and 400 <= exc.status < 500
            and not isinstance(exc, RateLimited | Conflict))


class CreateFailed(AppError):
    """A create call failed; the text says whether anything may exist and that repeating the call is safe."""

    def __init__(self, cause: ApiError, what: str, *, partial: str = "", advice: str = "") -> None:
        if refusal(cause):
            tail = f"Stripe refused it, so no {what} was created{partial}. Fix the cause and call again. {advice}"
        else:
            tail = (f"The {what} may have been created{partial}. Calling this tool again with the same arguments "
                    f"is safe: within {WINDOW_MINUTES} min it completes and returns the same {what}, never a "
                    "second one.")
        super().__init__(f"{describe(cause)} {tail}".strip())
        self.cause = cause


async def create(api: StripeApi, tool: str, args: ToolInput, what: str,
                 make: Callable[[str], Awaitable[dict[str, Any]]], *, advice: str = "", verb: str = "created",
                 it: Intent | None = None) -> ObjectResult:
    """One retry-safe create: `make(key)` does the call with the idempotency key derived from the arguments
    (or from `it`, when the tool already took the call's intent)."""
    from stripe_mcp.client.core import track_replays

    it = it or intent(tool, args)
    try:
        with track_replays() as replays:
            obj = await make(it.key)
    except ApiError as exc:
        if refusal(exc):
            it.refused()
        raise CreateFailed(exc, what, advice=advice) from None
    return done(api, verb, obj, note=REUSED if it.repeat and replays and replays[-1] else "")
