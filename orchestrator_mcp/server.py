"""The orchestrator MCP server: its toolbox published over stdio."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.tools import TOOLBOX
from orchestrator_mcp.tools.simulate import TOOLSET as SIMULATION
from shared.deps import ServerOptions
from shared.server import build_server
from shared.tooling import Toolbox

INSTRUCTIONS = (
    "Composite sales-pipeline tools across Instantly (cold email) and Stripe (payments): payment links for "
    "engaged leads, lifecycle sequences, contact sync, funnel and revenue attribution, events and health."
)


def published(options: ServerOptions) -> Toolbox:
    """The toolbox a server lists: the simulation tools only in sandbox mode, never with real keys."""
    if options.sandbox:
        return TOOLBOX
    box = Toolbox(TOOLBOX.server)
    box.specs = [s for s in TOOLBOX.specs if s.toolset != SIMULATION]
    return box


def build(options: ServerOptions | None = None) -> MCPServer:
    opts = options or ServerOptions()
    return build_server(published(opts), name="orchestrator", instructions=INSTRUCTIONS,
                        deps_factory=OrchestratorDeps, options=opts)
