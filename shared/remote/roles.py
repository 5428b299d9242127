"""Roles: what a token may do. `read` lists and calls only read-only tools; `operate` adds the writes that need
no confirm (a preview-free write in test mode or the sandbox); `admin` has everything, including the tools that
always need confirm=true (erasure, sending, deleting) and any confirmed write (with a live Stripe key every write
needs confirm=true, so confirmed calls are how live money moves).

Enforced by an SDK server middleware (`ServerMiddleware`): tools/list drops what the role may not use, tools/call
refuses it. The role comes from the caller's verified token (`get_access_token()`)."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from typing import Any

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.types import CallToolResult, ListToolsResult, TextContent

from shared import profiles
from shared.safety import ConfirmInput
from shared.tooling import ToolSpec

ROLES = ("read", "operate", "admin")
_RANK = {name: i for i, name in enumerate(ROLES)}


def validate_role(role: str) -> str:
    value = (role or "").strip().lower()
    if value not in _RANK:
        raise ValueError(f"{role!r} is not a role: use one of {', '.join(ROLES)}")
    return value


def required_role(spec: ToolSpec) -> str:
    """The least role that may use a tool: read-only tools `read`; tools whose every write waits for confirm=true
    (erasure, sending, deleting: a ConfirmInput) or that are destructive `admin`; other writes `operate`."""
    if spec.read_only:
        return "read"
    if spec.destructive or issubclass(spec.input_model, ConfirmInput):
        return "admin"
    return "operate"


def allows(role: str, needed: str) -> bool:
    return _RANK[role] >= _RANK[needed]


def caller() -> tuple[str, str] | None:
    """(profile, role) of the verified token this request carries, or None when the server runs without auth."""
    token = get_access_token()
    if token is None:
        return None
    claims = token.claims or {}
    return str(claims["ismcp_profile"]), str(claims["ismcp_role"])


class RoleMiddleware:
    """Runs every MCP request as the caller's profile, and keeps tools outside the caller's role out of reach."""

    def __init__(self, specs: Mapping[str, ToolSpec]) -> None:
        self.needed = {name: required_role(spec) for name, spec in specs.items()}
        self.gated = {name for name, spec in specs.items() if "confirm" in spec.input_model.model_fields}

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        who = caller()
        if who is None:  # no auth configured (loopback only): everything, as on stdio
            return await call_next(ctx)
        profile, role = who
        with ExitStack() as stack:
            stack.enter_context(profiles.use(profile))
            if ctx.method == "tools/call":
                refusal = self._refusal(role, ctx.params or {})
                if refusal:
                    return CallToolResult(content=[TextContent(type="text", text=refusal)], is_error=True)
            result = await call_next(ctx)
            if ctx.method == "tools/list":
                result = self._filtered(result, role)
            return result

    def _refusal(self, role: str, params: Mapping[str, Any]) -> str | None:
        name = str(params.get("name", ""))
        needed = self.needed.get(name)
        if needed is None:
            return None  # unknown tool: the SDK answers that
        if not allows(role, needed):
            return (f"{name} is not available to this token: it needs the {needed} role and the token has {role}. "
                    "Nothing was done. Ask an administrator for a token with that role.")
        arguments = params.get("arguments") or {}
        if name in self.gated and arguments.get("confirm") is True and not allows(role, "admin"):
            return (f"{name} with confirm=true needs the admin role (confirmed writes include live-money ones); "
                    f"this token has {role}. Nothing was done. Call without confirm for a preview.")
        return None

    def _filtered(self, result: HandlerResult, role: str) -> HandlerResult:
        def keep(name: str) -> bool:
            needed = self.needed.get(name)
            return needed is None or allows(role, needed)

        if isinstance(result, ListToolsResult):
            return result.model_copy(update={"tools": [t for t in result.tools if keep(t.name)]})
        if isinstance(result, dict) and isinstance(result.get("tools"), list):
            return {**result, "tools": [t for t in result["tools"] if keep(str(t.get("name")))]}
        return result
