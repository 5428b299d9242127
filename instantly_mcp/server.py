"""The Instantly MCP server: its toolbox published over stdio."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from instantly_mcp.deps import InstantlyDeps
from instantly_mcp.tools import TOOLBOX
from shared.deps import ServerOptions
from shared.server import build_server

INSTRUCTIONS = (
    "Instantly.ai cold-email tools: campaigns and sequences, leads (bulk import, export), lead lists, analytics, "
    "email accounts and warmup, unibox replies, webhooks, tags and block list. Writes that send, delete, start or "
    "pause need confirm=true; without it they return a preview."
)


def build(options: ServerOptions | None = None) -> MCPServer:
    return build_server(TOOLBOX, name="instantly", instructions=INSTRUCTIONS, deps_factory=InstantlyDeps,
                        options=options)
