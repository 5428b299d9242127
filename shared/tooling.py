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

from pydantic import BaseModel, ConfigDict, PrivateAttr

D = TypeVar("D")
ProgressFn = Callable[[float, float | None, str | None], Awaitable[None]]


class ToolInput(BaseModel):
    """Base of every tool input: unknown fields are an error, so typos do not pass silently.

    `audit_exclude` names fields holding personal data that the audit log must not keep.
    """

    model_config = ConfigDict(extra="forbid")
    audit_exclude: ClassVar[frozenset[str]] = frozenset()


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
    toolset: str
    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool


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
                )
            )
            return fn

        return register

    @property
    def toolsets(self) -> list[str]:
        return sorted({s.toolset for s in self.specs})

    def select(self, *, read_only: bool = False, toolsets: list[str] | None = None) -> list[ToolSpec]:
        """The tools to publish. Read-only mode wins over everything: write tools are not listed."""
        chosen = set(toolsets) if toolsets else None
        out = []
        for spec in self.specs:
            if read_only and not spec.read_only:
                continue
            if chosen is not None and spec.toolset not in chosen:
                continue
            out.append(spec)
        return out
