"""Publishing a Toolbox as an MCPServer: flat input schemas, structured output with a text summary,
errors mapped to ToolError, progress, the audit trail, read-only and toolset filtering."""

from __future__ import annotations

import base64
import difflib
import inspect
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, ImageContent, TextContent, ToolAnnotations
from mcp.types import Tool as MCPTool
from pydantic import BaseModel, Field, ValidationError

from shared.deps import BaseDeps, ServerOptions
from shared.errors import AppError, error_payload, to_tool_error
from shared.redaction import redact, redact_secrets
from shared.render import BUDGET, fit_budget
from shared.schemas import compact_input_schema, compact_output_schema
from shared.tooling import Call, Toolbox, ToolSpec

PACKAGE_VERSION = "0.1.0"


def format_validation_error(exc: ValidationError, model: type[BaseModel] | None = None, tool: str = "") -> str:
    """The one rendering of invalid arguments: per problem the field, what is wrong, and a valid example.
    Never pydantic's boilerplate or its documentation links, and never the rejected value (the caller's data)."""
    schema = _schema_of(model)
    problems: dict[str, list[tuple[Any, str]]] = {}  # the problem, list positions as [*] -> (error, where)
    examples: dict[str, Any] = {}
    for err in exc.errors(include_url=False):
        loc = tuple(err.get("loc", ()))
        field = str(loc[0]) if loc else ""
        where = _loc_name(loc)
        problems.setdefault(_problem(err, _star(where), model), []).append((err, where))
        bound = (err.get("ctx") or {}).get({"less_than_equal": "le", "greater_than_equal": "ge"}.get(err["type"], ""))
        if field and len(loc) == 1 and bound is not None:
            examples[field] = bound  # the nearest valid value
        elif field and field in schema.get("properties", {}) and field not in examples:
            example = _example(schema, field)
            if example is not _NO_EXAMPLE:
                examples[field] = example
    head = f"Invalid arguments for {tool}" if tool else "Invalid arguments"
    text = f"{head}: " + " ".join(_grouped(general, places, model) for general, places in list(problems.items())[:10])
    if len(problems) > 10:
        text += f" And {len(problems) - 10} more kinds of problem."
    if examples:
        text += " Valid example: " + json.dumps(examples, separators=(", ", ": "), ensure_ascii=False) + "."
    return text


def _grouped(general: str, found: list[tuple[Any, str]], model: type[BaseModel] | None = None) -> str:
    """One problem once, however many items have it (2,000 leads with one typo are one line, not 100 KB)."""
    if len(found) == 1:
        return _problem(*found[0], model)
    places = [where for _, where in found]
    shown = ", ".join(places[:3]) + (f" and {len(places) - 3:,} more" if len(places) > 3 else "")
    return f"{general.rstrip('.')} ({len(places):,} items: {shown})."


def _star(where: str) -> str:
    import re

    return re.sub(r"\[\d+\]", "[*]", where)


def capped(message: str) -> str:
    """An error text within the size budget (shared.render.BUDGET), like every result."""
    raw = message.encode()
    if len(raw) <= BUDGET:
        return message
    return raw[: BUDGET - 60].decode(errors="ignore") + " [error message cut at the size budget]"


_NO_EXAMPLE = object()
_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "array": "a list", "object": "an object"}


def _schema_of(model: type[BaseModel] | None) -> dict[str, Any]:
    if model is None:
        return {}
    try:
        return model.model_json_schema()
    except Exception:  # noqa: BLE001 - an example is a courtesy; the error itself must still be rendered
        return {}


def _nested_fields(model: type[BaseModel], path: tuple[Any, ...]) -> list[str]:
    """The field names of the nested model at `path` (list indexes skipped), or [] when it is not a model."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        current = _model_in(fields[part].annotation)
        if current is None:
            return []
    return list(getattr(current, "model_fields", {}))


def _model_in(annotation: Any) -> Any:
    """The pydantic model inside an annotation such as `X | None`, `list[X]` or `Annotated[X, ...]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _loc_name(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _got(value: Any) -> str:
    kinds = {str: "text", bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "an object"}
    return "nothing" if value is None else kinds.get(type(value), type(value).__name__)


def _problem(err: Any, where: str, model: type[BaseModel] | None = None) -> str:
    kind = str(err.get("type", ""))
    loc = tuple(err.get("loc", ()))
    if kind == "extra_forbidden" and len(loc) > 1 and model is not None:
        valid = _nested_fields(model, loc[:-1])
        if valid:  # an unknown key inside an object argument: name that object's keys
            parent = where.rsplit(".", 1)[0] if "." in where else _loc_name(loc[:-1])
            return f"`{where}` is not a key of `{parent}`; valid keys: {', '.join(valid)}."
    ctx = err.get("ctx") or {}
    field = f"`{where}`" if where else "The arguments"
    msg = str(err.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "missing":
        return f"{field} is required but missing."
    if kind == "extra_forbidden":
        return f"{field} is not an argument of this tool."
    if kind in ("literal_error", "enum"):
        return f"{field} must be one of: {ctx.get('expected', '')}."
    if kind in ("string_too_long", "too_long"):
        unit = "characters" if kind.startswith("string") else "items"
        return f"{field} is too long: at most {ctx.get('max_length')} {unit}."
    if kind in ("string_too_short", "too_short"):
        unit = "characters" if kind.startswith("string") else "items"
        return f"{field} is too short: at least {ctx.get('min_length')} {unit}."
    if kind == "string_pattern_mismatch":
        return f"{field} is not in the expected format (it must match {ctx.get('pattern')})."
    bounds = {"greater_than_equal": ("at least", "ge"), "greater_than": ("more than", "gt"),
              "less_than_equal": ("at most", "le"), "less_than": ("less than", "lt")}
    if kind in bounds:
        word, key = bounds[kind]
        return f"{field} must be {word} {ctx.get(key)}."
    for suffix, expected in (("int", "a whole number"), ("float", "a number"), ("bool", "true or false"),
                             ("string", "text"), ("list", "a list"), ("dict", "an object"),
                             ("model", "an object"), ("decimal", "a number")):
        if kind.startswith(suffix + "_") and (kind.endswith("_type") or kind.endswith("_parsing")
                                              or kind.endswith("_from_float")):
            return f"{field} must be {expected}, not {_got(err.get('input'))}."
    return f"{field}: {msg}." if where else f"{msg.rstrip('.')}."


def _example(schema: dict[str, Any], field: str) -> Any:
    """A valid value for the field, from its own examples or its JSON schema."""
    return _example_of(schema.get("properties", {}).get(field, {}), schema.get("$defs", {}), depth=0)


def _example_of(node: dict[str, Any], defs: dict[str, Any], depth: int) -> Any:
    if depth > 4 or not isinstance(node, dict):
        return _NO_EXAMPLE
    if "$ref" in node:
        return _example_of(defs.get(node["$ref"].rsplit("/", 1)[-1], {}), defs, depth + 1)
    if node.get("examples"):
        return node["examples"][0]
    if "const" in node:
        return node["const"]
    if node.get("enum"):
        return node["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in node.get(key) or []:
            if branch.get("type") != "null":
                value = _example_of(branch, defs, depth + 1)
                if value is not _NO_EXAMPLE:
                    return value
    kind = node.get("type")
    if kind == "string":
        if node.get("pattern") or node.get("format") not in (None, "email", "date", "date-time", "uri"):
            return _NO_EXAMPLE  # an honest example needs the field's own `examples`
        return {"email": "ada@example.com", "date": "2026-07-01", "date-time": "2026-07-01T09:00:00Z",
                "uri": "https://example.com"}.get(node.get("format") or "", "text")
    if kind in ("integer", "number"):
        low = node.get("minimum", node.get("exclusiveMinimum", 0) + (1 if "exclusiveMinimum" in node else 0))
        high = node.get("maximum")
        value = max(low, 1) if high is None else min(max(low, 1), high)
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return True
    if kind == "array":
        item = _example_of(node.get("items", {}), defs, depth + 1)
        return _NO_EXAMPLE if item is _NO_EXAMPLE else [item]
    if kind == "object":
        props = node.get("properties") or {}
        out = {}
        for name in node.get("required", []):
            value = _example_of(props.get(name, {}), defs, depth + 1)
            if value is _NO_EXAMPLE:
                return _NO_EXAMPLE
            out[name] = value
        return out
    return _NO_EXAMPLE


def unknown_arguments_error(spec: ToolSpec, unknown: list[str]) -> str:
    valid = list(spec.input_model.model_fields)
    hints = []
    for name in unknown:
        close = difflib.get_close_matches(name, valid, n=1)
        hints.append(f"`{name}` (did you mean `{close[0]}`?)" if close else f"`{name}`")
    noun = "argument" if len(unknown) == 1 else "arguments"
    takes = ", ".join(valid) if valid else "no arguments"
    return (f"Unknown {noun} for {spec.name}: {', '.join(hints)}. {spec.name} takes: {takes}. "
            "Nothing was done; call again with only these.")


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
            raise ToolError(format_validation_error(exc, spec.input_model, spec.name)) from None

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
        head = result.summary() or f"{spec.title}."
        if note := deps.mode_note():
            head = f"{head}\n({note})"

        def render(data: dict[str, Any]) -> str:
            body = result.render_body(data)
            return f"{head}\n{body}" if body else head

        structured, text = fit_budget(redact_secrets(result.model_dump(mode="json")), render, cursor_for=result.cursor_for)
        content: list[Any] = [TextContent(type="text", text=redact(text))]
        for data, mime in result.images:
            content.append(ImageContent(type="image", data=base64.b64encode(data).decode(), mime_type=mime))
        return CallToolResult(content=content, structured_content=structured)

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
    specs: dict[str, ToolSpec]

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> Any:
        """Arguments are checked against the tool's own input model before the SDK sees them: the SDK would drop
        an argument the tool does not take (so list_campaigns(name=...) would list everything), and its
        validation errors are pydantic boilerplate. Both become errors that say what to do instead."""
        spec = getattr(self, "specs", {}).get(name)
        if spec is not None:
            unknown = [k for k in arguments if k not in spec.input_model.model_fields]
            if unknown:
                raise ToolError(capped(unknown_arguments_error(spec, unknown)))
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if spec is not None and isinstance(exc.__cause__, ValidationError):
                raise ToolError(capped(format_validation_error(exc.__cause__, spec.input_model, spec.name))) \
                    from exc.__cause__
            if len(str(exc).encode()) > BUDGET:
                raise ToolError(capped(str(exc))) from exc
            raise

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

    unknown = sorted(set(opts.toolsets or ()) - set(toolbox.toolsets))
    if unknown:
        raise AppError(
            f"Unknown toolset{'s' if len(unknown) > 1 else ''} for {name}: {', '.join(unknown)}. "
            f"Valid toolsets: {', '.join(toolbox.toolsets)} (comma-separated in --toolsets or "
            f"{name.upper()}_TOOLSETS; leave it out to list every tool)."
        )
    server = ToolboxServer(name=name, version=PACKAGE_VERSION, instructions=instructions, lifespan=lifespan)
    server.specs = {}
    for spec in toolbox.select(read_only=opts.read_only, toolsets=opts.toolsets):
        server.specs[spec.name] = spec
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
