"""How our tools are declared: plain async functions with a pydantic input and a typed result.

    @toolbox.tool(toolset="campaigns", title="List campaigns", read_only=True)
    async def instantly_list_campaigns(call: Call[Deps], args: ListCampaigns) -> CampaignPage:
        "Concise description the model sees."

Tests call the function directly with a `Call`; `shared.server` publishes the same function over MCP.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar, get_type_hints

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationInfo, field_validator

D = TypeVar("D")
ProgressFn = Callable[[float, float | None, str | None], Awaitable[None]]

# Size limits on every tool input, checked before any API or store call, so an oversized value is an input
# error that names the field (not an "URL too long" crash, a 100 KB error message, or a store error).
MAX_ID_CHARS = 255  # Stripe ids are < 100 characters, Instantly ids are UUIDs
MAX_TEXT_CHARS = 50_000  # any other single string: an email body, a note, a name
# Fields holding an id (at any depth), besides `id`, `*_id` and `*_ids`: Stripe's object references.
ID_FIELDS = frozenset({"customer", "price", "product", "coupon", "invoice", "subscription", "charge",
                       "payment_intent", "dispute", "payment_link", "starting_after", "cursor"})


def _is_id(name: str) -> bool:
    return name == "id" or name.endswith(("_id", "_ids")) or name in ID_FIELDS


def _oversized(value: Any, path: str, limit: int) -> str | None:
    """Where `value` (raw input, any depth) holds a string longer than allowed, as an error text."""
    if isinstance(value, str):
        if len(value) > limit:
            what = "an id" if limit == MAX_ID_CHARS else "a value"
            return f"{path} is {len(value):,} characters long; {what} has at most {limit:,}"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            name = str(key)
            if len(name) > MAX_ID_CHARS:
                return f"a key in {path} is {len(name):,} characters long; a key has at most {MAX_ID_CHARS}"
            found = _oversized(item, f"{path}.{name}", MAX_ID_CHARS if _is_id(name) else MAX_TEXT_CHARS)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            if found := _oversized(item, f"{path}[{i}]", limit):
                return found
    return None


class ToolInput(BaseModel):
    """Base of every tool input: unknown fields are an error, so typos do not pass silently, and no
    string is oversized (ids at most MAX_ID_CHARS, other values MAX_TEXT_CHARS, at any depth).

    `audit_exclude` names fields holding personal data that the audit log must not keep.
    """

    model_config = ConfigDict(extra="forbid")
    audit_exclude: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _within_size_limits(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name or "input"
        if problem := _oversized(value, name, MAX_ID_CHARS if _is_id(name) else MAX_TEXT_CHARS):
            raise ValueError(problem)
        return value


class ToolResult(BaseModel):
    """Base of every tool result.

    The text beside the structured content is `summary()` (one line; empty = the tool's title) followed by
    `render_body()`, a readable rendering of the data (shared.render) generated from the result's fields.
    """

    _images: list[tuple[bytes, str]] = PrivateAttr(default_factory=list)

    def summary(self) -> str:
        return ""

    def render_body(self, data: dict[str, Any]) -> str:
        """The data under the summary line; `data` is this result as JSON (possibly shortened to the budget)."""
        from shared.render import render_data

        return render_data(data)

    def cursor_for(self, item: dict[str, Any]) -> str | None:
        """For a page of items: the cursor that resumes right after `item`, when the size budget shortens the page
        (shared.render.fit_budget). None = unknown: the page's cursor is then dropped and a smaller limit suggested."""
        return None

    def render_text(self, data: dict[str, Any] | None = None) -> str:
        """Summary line, then the data: what a client that shows only text gives the model."""
        body = self.render_body(data if data is not None else self.model_dump(mode="json"))
        head = self.summary()
        return "\n".join(part for part in (head, body) if part)

    def attach_image(self, data: bytes, mime: str = "image/png") -> None:
        """Add a picture (e.g. a funnel chart) to the result's content."""
        self._images.append((data, mime))

    @property
    def images(self) -> list[tuple[bytes, str]]:
        return list(self._images)


@dataclass
class Call(Generic[D]):
    """What a tool receives besides its arguments: its dependencies and a progress reporter."""

    deps: D
    progress_fn: ProgressFn | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    async def progress(self, done: float, total: float | None = None, message: str | None = None) -> None:
        if self.progress_fn is not None:
            await self.progress_fn(done, total, message)


@dataclass(frozen=True)
class ToolSpec:
    fn: Callable[..., Awaitable[ToolResult]]
    name: str
    title: str
    description: str
    input_model: type[ToolInput]
    output_model: type[ToolResult]
    toolset: str  # the group it is listed under; `also` names further groups that list it too
    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool
    also: tuple[str, ...] = ()

    def in_toolsets(self, chosen: set[str]) -> bool:
        return self.toolset in chosen or any(t in chosen for t in self.also)


class Toolbox:
    """The tools of one server, in declaration order."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.specs: list[ToolSpec] = []

    def tool(
        self,
        *,
        toolset: str,
        title: str,
        also: tuple[str, ...] = (),
        read_only: bool = False,
        destructive: bool = False,
        idempotent: bool = False,
        open_world: bool = True,
    ) -> Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[Any]]]:
        def register(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
            hints = get_type_hints(fn)
            params = list(inspect.signature(fn).parameters)
            if len(params) != 2:
                raise TypeError(f"tool {fn.__name__} must take (call, args)")
            input_model = hints[params[1]]
            output_model = hints["return"]
            if not (issubclass(input_model, ToolInput) and issubclass(output_model, ToolResult)):
                raise TypeError(f"tool {fn.__name__}: input must be a ToolInput and result a ToolResult")
            if any(s.name == fn.__name__ for s in self.specs):
                raise ValueError(f"duplicate tool {fn.__name__}")
            description = inspect.cleandoc(fn.__doc__ or "").strip()
            if not description:
                raise ValueError(f"tool {fn.__name__} needs a docstring: it is the model-facing description")
            self.specs.append(
                ToolSpec(
                    fn=fn,
                    name=fn.__name__,
                    title=title,
                    description=description,
                    input_model=input_model,
                    output_model=output_model,
                    toolset=toolset,
                    read_only=read_only,
                    destructive=destructive,
                    idempotent=idempotent,
                    open_world=open_world,
                    also=also,
                )
            )
            return fn

        return register

    @property
    def toolsets(self) -> list[str]:
        return sorted({t for s in self.specs for t in (s.toolset, *s.also)})

    def select(self, *, read_only: bool = False, toolsets: list[str] | None = None) -> list[ToolSpec]:
        """The tools to publish. Read-only mode wins over everything: write tools are not listed."""
        chosen = set(toolsets) if toolsets else None
        out = []
        for spec in self.specs:
            if read_only and not spec.read_only:
                continue
            if chosen is not None and not spec.in_toolsets(chosen):
                continue
            out.append(spec)
        return out
