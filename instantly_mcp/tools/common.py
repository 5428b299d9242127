"""What the Instantly tools share: list inputs and results, the client accessor, small converters."""

from __future__ import annotations

from typing import Any

from pydantic import Field, PrivateAttr

from instantly_mcp.client import InstantlyClient, Page
from instantly_mcp.client.models import ApiModel
from instantly_mcp.deps import InstantlyDeps
from shared.safety import GatedResult
from shared.tooling import Call, ToolInput, ToolResult

LIMIT_DESCRIPTION = "Max items (all pages up to this)."
CURSOR_DESCRIPTION = "Cursor: next_starting_after of a previous call."


async def client_of(call: Call[InstantlyDeps]) -> InstantlyClient:
    return await call.deps.client()


class ListInput(ToolInput):
    limit: int = Field(25, ge=1, le=1000, description=LIMIT_DESCRIPTION)
    starting_after: str | None = Field(None, description=CURSOR_DESCRIPTION)


class ItemsResult(ToolResult):
    items: list[dict[str, Any]]
    count: int
    has_more: bool = False
    next_starting_after: str | None = None
    _noun: str = PrivateAttr("items")

    def summary(self) -> str:
        more = (f"; more available: call again with starting_after={self.next_starting_after}"
                if self.has_more else "")
        return f"{self.count} {self._noun}{more}."


def page_result(page: Page[Any], items: list[dict[str, Any]], noun: str) -> ItemsResult:
    out = ItemsResult(items=items, count=len(items), has_more=page.has_more,
                      next_starting_after=page.next_starting_after)
    out._noun = noun
    return out


class ObjectResult(ToolResult):
    object: dict[str, Any]
    _noun: str = PrivateAttr("object")

    def summary(self) -> str:
        o = self.object
        label = o.get("name") or o.get("email") or o.get("label") or o.get("bl_value") or o.get("subject") or ""
        ident = o.get("id") or ""
        return f"{self._noun} {label} {ident}".strip() + "."


def obj(data: ApiModel | dict[str, Any], noun: str, **overrides: Any) -> ObjectResult:
    body = data.as_dict() if isinstance(data, ApiModel) else dict(data)
    body.update({k: v for k, v in overrides.items() if v is not None})
    out = ObjectResult(object=body)
    out._noun = noun
    return out


class ActionResult(GatedResult):
    # executed=False: a preview, nothing was changed (shorter wording than GatedResult's, same meaning).
    executed: bool = Field(description="false = preview only, nothing changed.")
    preview: str | None = None
    message: str | None = None
    object: dict[str, Any] | None = None

    def summary(self) -> str:
        if not self.executed:
            return super().summary()
        return self.message or "Done."


def preview(text: str) -> ActionResult:
    return ActionResult(executed=False, preview=text)


def text_to_html(body: str) -> str:
    """Instantly bodies are HTML: plain-text newlines become <br/> (HTML is left alone)."""
    lowered = body.lower()
    if "<br" in lowered or "<p" in lowered or "<div" in lowered:
        return body
    return body.replace("\r\n", "\n").replace("\n", "<br/>")
