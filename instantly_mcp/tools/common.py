"""What the Instantly tools share: list inputs and results, the client accessor, small converters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field, PrivateAttr

from instantly_mcp.client import InstantlyClient, Page
from instantly_mcp.client.models import ApiModel
from instantly_mcp.deps import InstantlyDeps
from instantly_mcp.tools.resolve import label
from shared.render import plural, render_data
from shared.safety import GatedResult
from shared.tooling import Call, ToolInput, ToolResult

LIMIT_DESCRIPTION = "Max items."
CURSOR_DESCRIPTION = "next_starting_after of the last call."
CAMPAIGN_REF = "Campaign name or id."
LIST_REF = "Lead list name or id."
_NAMED = (("campaign", "campaign_name"), ("campaign_id", "campaign_name"), ("list_id", "list_name"))


def named_for_text(value: Any) -> Any:
    """For the text only: 'Q4 outreach (0199…)' in the id's place instead of an id column and a name column."""
    if isinstance(value, list):
        return [named_for_text(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: named_for_text(v) for k, v in value.items()}
    for ident, name in _NAMED:
        if isinstance(out.get(ident), str) and isinstance(out.get(name), str):
            out[ident] = label(out.pop(name), out[ident])
    return out


def render_named(data: dict[str, Any]) -> str:
    return render_data(named_for_text(data))


async def client_of(call: Call[InstantlyDeps]) -> InstantlyClient:
    return await call.deps.client()


class ListInput(ToolInput):
    limit: int = Field(25, ge=1, le=1000, description=LIMIT_DESCRIPTION)
    starting_after: str | None = Field(None, description=CURSOR_DESCRIPTION)


Cursor = Callable[[dict[str, Any]], str | None]


def by_id(item: dict[str, Any]) -> str | None:
    """Most Instantly lists page by the last item's id."""
    return item.get("id")


class ItemsResult(ToolResult):
    items: list[dict[str, Any]]
    count: int
    has_more: bool = False
    next_starting_after: str | None = None
    _noun: tuple[str, str | None] = PrivateAttr(("item", None))
    _cursor: Cursor | None = PrivateAttr(None)
    _headline: str | None = PrivateAttr(None)

    def summary(self) -> str:
        if self._headline:
            return self._headline
        more = (f"; more available: call again with starting_after={self.next_starting_after}"
                if self.has_more and self.next_starting_after else "")
        return f"{plural(self.count, *self._noun)}{more}."

    def render_body(self, data: dict[str, Any]) -> str:
        return render_named(data)

    def cursor_for(self, item: dict[str, Any]) -> str | None:
        return self._cursor(item) if self._cursor else None


def page_result(page: Page[Any], items: list[dict[str, Any]], noun: str, plural_noun: str | None = None,
                cursor: Cursor | None = by_id, cls: type[ItemsResult] = ItemsResult) -> Any:
    """A page of items; `cursor(item)` is the API's cursor that resumes after that item (None = unknown)."""
    out = cls(items=items, count=len(items), has_more=page.has_more,
                      next_starting_after=page.next_starting_after)
    out._noun = (noun, plural_noun)
    out._cursor = cursor
    return out


class ObjectResult(ToolResult):
    object: dict[str, Any]
    _noun: str = PrivateAttr("object")

    def summary(self) -> str:
        o = self.object
        name = o.get("name") or o.get("email") or o.get("label") or o.get("bl_value") or o.get("subject")
        ident = o.get("id")
        if name and name == ident:
            ident = None
        return f"{self._noun} {label(name, ident)}".strip() + "."

    def render_body(self, data: dict[str, Any]) -> str:
        return render_named(data)


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
