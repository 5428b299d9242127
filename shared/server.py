"""Publishing a Toolbox as an MCPServer: flat input schemas, structured output with a text summary,
errors mapped to ToolError, progress, the audit trail, read-only and toolset filtering."""

from __future__ import annotations

import base64
import inspect
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, ImageContent, TextContent, ToolAnnotations
from mcp.types import Tool as MCPTool
from pydantic import Field, ValidationError

from shared.deps import BaseDeps, ServerOptions
from shared.errors import error_payload, to_tool_error
from shared.redaction import redact, redact_secrets
from shared.schemas import compact_input_schema, compact_output_schema
from shared.tooling import Call, Toolbox, ToolSpec

PACKAGE_VERSION = "0.1.0"


def format_validation_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ())) or "input"
        parts.append(f"{where}: {err.get('msg')}")
    return "Invalid input. " + "; ".join(parts)


def _flat_parameters(spec: ToolSpec) -> tuple[list[inspect.Parameter], dict[str, Any]]:
    """One keyword parameter per input field, so the model sees a flat schema (no wrapper object)."""
    params: list[inspect.Parameter] = []
    annotations: dict[str, Any] = {}
    for name, info in spec.input_model.model_fields.items():
        extra = {k: v for k, v in {
            "description": info.description, "examples": info.examples, "json_schema_extra": info.json_schema_extra,
            "title": info.title,
        }.items() if v is not None}
        annotation = Annotated[(info.annotation, *info.metadata, Field(**extra))]  # type: ignore[misc]
        default = inspect.Parameter.empty if info.is_required() else info.get_default(call_default_factory=True)
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation))
        annotations[name] = annotation
    return params, annotations


def _handler(spec: ToolSpec, server_name: str) -> Callable[..., Any]:
    async def handler(ctx: Context, **kwargs: Any) -> CallToolResult:
        deps: BaseDeps = ctx.request_context.lifespan_context
        started = time.monotonic()
        try:
            args = spec.input_model.model_validate(kwargs)
        except ValidationError as exc:
            raise ToolError(format_validation_error(exc)) from None

        async def progress(done: float, total: float | None, message: str | None) -> None:
            await ctx.report_progress(done, total, message)

        call = Call(deps=deps, progress_fn=progress)
        audited = {k: ("[personal data not kept]" if k in spec.input_model.audit_exclude else v)
                   for k, v in args.model_dump(mode="json", exclude_defaults=True).items()}
        try:
            result = await spec.fn(call, args)
        except Exception as exc:
            await deps.audit(spec.name, audited, "error", (time.monotonic() - started) * 1000,
                             error_payload(exc)["message"])
            raise to_tool_error(exc, spec.name) from None
        await deps.audit(spec.name, audited, "ok", (time.monotonic() - started) * 1000, None)
        summary = result.summary()
        if note := deps.mode_note():
            summary = f"{summary}\n({note})"
        content: list[Any] = [TextContent(type="text", text=redact(summary))]
        for data, mime in result.images:
            content.append(ImageContent(type="image", data=base64.b64encode(data).decode(), mime_type=mime))
        return CallToolResult(content=content, structured_content=redact_secrets(result.model_dump(mode="json")))

    params, annotations = _flat_parameters(spec)
    ctx_param = inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context)
    handler.__signature__ = inspect.Signature([ctx_param, *params], return_annotation=spec.output_model)  # type: ignore[attr-defined]
    handler.__annotations__ = {"ctx": Context, **annotations, "return": spec.output_model}
    handler.__name__ = spec.name
    handler.__doc__ = spec.description
    return handler


class ToolboxServer(MCPServer):
    """An MCPServer that publishes compact schemas (shared.schemas): tools/list goes to the model on every turn."""

    _published: list[MCPTool] | None = None

    async def list_tools(self) -> list[MCPTool]:
        if self._published is None:
            self._published = [
                tool.model_copy(update={
                    "input_schema": compact_input_schema(tool.input_schema),
                    "output_schema": compact_output_schema(tool.output_schema)
                    if tool.output_schema is not None else None,
                })
                for tool in await super().list_tools()
            ]
        return self._published


def build_server(
    toolbox: Toolbox,
    *,
    name: str,
    instructions: str,
    deps_factory: Callable[[ServerOptions], BaseDeps],
    options: ServerOptions | None = None,
) -> MCPServer:
    """An MCPServer with the selected tools. Keys are not needed to start or to list tools."""
    opts = options or ServerOptions()

    @asynccontextmanager
    async def lifespan(_server: MCPServer) -> AsyncIterator[BaseDeps]:
        deps = deps_factory(opts)
        try:
            yield deps
        finally:
            await deps.aclose()

    server = ToolboxServer(name=name, version=PACKAGE_VERSION, instructions=instructions, lifespan=lifespan)
    for spec in toolbox.select(read_only=opts.read_only, toolsets=opts.toolsets):
        server.add_tool(
            _handler(spec, name),
            name=spec.name,
            title=spec.title,
            description=spec.description,
            annotations=ToolAnnotations(
                read_only_hint=spec.read_only,
                destructive_hint=spec.destructive,
                idempotent_hint=spec.idempotent,
                open_world_hint=spec.open_world,
            ),
            structured_output=True,
        )
    return server
