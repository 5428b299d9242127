"""What the Stripe tools share: result bases (mode on every result), short summaries, confirm and live-mode gating."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, PrivateAttr

from shared.safety import GatedResult
from shared.tooling import Call, ToolInput, ToolResult
from stripe_mcp.client.shapes import compact, label

if TYPE_CHECKING:
    from stripe_mcp.client.api import StripeApi
from stripe_mcp.deps import StripeDeps

Metadata = dict[str, str]
META = "Key-value strings."
LIMIT = "Max items (1-100)."
CURSOR = "next_cursor from the previous page."
LIVE_CONFIRM = "Needed with a live key."


class StripeResult(ToolResult):
    mode: Literal["test", "live"] = Field(description="test or live (real money).")


class ObjectResult(StripeResult, GatedResult):
    """One Stripe object (compact view), or a preview when a gated write was not confirmed."""

    executed: bool = True
    preview: str = ""
    object: dict[str, Any] = Field(default_factory=dict)
    _verb: str = PrivateAttr(default="")

    def summary(self) -> str:
        if not self.executed:
            return super().summary()
        return f"{self._verb} {label(self.object)}".strip()


def done(api: StripeApi, verb: str, obj: dict[str, Any], *, full: bool = False) -> ObjectResult:
    result = ObjectResult(mode=api.mode, object=obj if full else compact(obj))
    result._verb = verb
    return result


def preview(api: StripeApi, text: str, obj: dict[str, Any] | None = None) -> ObjectResult:
    return ObjectResult(mode=api.mode, executed=False, preview=text, object=compact(obj) if obj else {})


class LiveConfirmInput(ToolInput):
    """Inputs of writes that move money or create billable objects: with a live key they need confirm=true."""

    confirm: bool = Field(False, description=LIVE_CONFIRM)


def live_blocked(api: StripeApi, args: Any) -> bool:
    """True when this write must stop at a preview: a live key and no confirm=true."""
    return api.mode == "live" and not getattr(args, "confirm", False)


def live_preview(api: StripeApi, what: str) -> ObjectResult:
    return preview(api, f"LIVE mode: would {what}. Nothing was created.")


async def stripe(call: Call[StripeDeps]) -> StripeApi:
    return await call.deps.client()
