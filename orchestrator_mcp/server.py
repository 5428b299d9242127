"""The orchestrator MCP server: its toolbox published over stdio."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.tools import TOOLBOX
from shared.deps import ServerOptions
from shared.server import build_server

INSTRUCTIONS = (
    "Composite sales-pipeline tools across Instantly (cold email) and Stripe (payments): payment links for "
    "engaged leads, lifecycle sequences, contact sync, funnel and revenue attribution, events and health."
)


def build(options: ServerOptions | None = None) -> MCPServer:
    return build_server(TOOLBOX, name="orchestrator", instructions=INSTRUCTIONS, deps_factory=OrchestratorDeps,
                        options=options)
