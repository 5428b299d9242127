"""The audit log as a tool: who did what and when, with arguments redacted."""

from __future__ import annotations

import time
from typing import Any

from pydantic import Field

from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.tools import TOOLBOX
from shared.render import plural
from shared.tooling import Call, ToolInput, ToolResult


class AuditQuery(ToolInput):
    tool: str | None = Field(None, description="Only this tool's calls.")
    since_hours: float | None = Field(None, gt=0)
    limit: int = Field(50, ge=1, le=500)


class AuditEntry(ToolResult):
    at: float = Field(description="Unix time of the call.")
    server: str
    tool: str
    outcome: str = Field(description="ok or error.")
    duration_ms: float
    arguments: dict[str, Any] = Field(description="Arguments, with secrets redacted.")
    error: str | None = None


class AuditLog(ToolResult):
    entries: list[AuditEntry]

    def summary(self) -> str:
        errors = sum(1 for e in self.entries if e.outcome != "ok")
        return f"{plural(len(self.entries), 'audit entry', 'audit entries')}, {plural(errors, 'error')}."


@TOOLBOX.tool(toolset="admin", title="Audit log", read_only=True, idempotent=True, open_world=False)
async def audit_log(call: Call[OrchestratorDeps], args: AuditQuery) -> AuditLog:
    """Recent tool calls of all three servers, newest first, with redacted arguments."""
    store = await call.deps.store()
    since = time.time() - args.since_hours * 3600 if args.since_hours else None
    rows = await store.list_audit(tool=args.tool, since=since, limit=args.limit)
    return AuditLog(entries=[AuditEntry.model_validate(r) for r in rows])
