"""The Instantly MCP server: its toolbox published over stdio."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from instantly_mcp.deps import InstantlyDeps
from instantly_mcp.tools import TOOLBOX
from shared.deps import ServerOptions
from shared.server import build_server

INSTRUCTIONS = (
    "Instantly.ai cold-email tools. Three servers work together: instantly (cold email: campaigns, leads, "
    "sending accounts, replies), stripe (payments: customers, products and prices, payment links, "
    "subscriptions, invoices, refunds) and orchestrator (joins them: campaigns that sell, payment links for engaged leads, "
    "lifecycle sequences, contact sync, funnel and revenue reports, health). Writes that send, delete, start "
    "or pause need confirm=true; without it they return a preview and change nothing. A campaign sends only "
    "with a sending account and leads. Once configure_pipeline sets it up, the orchestrator acts on events by "
    "itself: a payment starts the post-purchase sequence, a failed renewal starts dunning, a cancellation "
    "starts win-back, and a lead marked interested gets a payment link if auto_payment_flow is on. That "
    "automation runs when events arrive: through the webhook receiver, or when sync_now polls both APIs. In "
    "sandbox mode (--sandbox) all three servers use local sandboxes with made-up data: nothing is emailed or "
    "charged, every result says so, and sandbox data never mixes with real accounts."
)


def build(options: ServerOptions | None = None) -> MCPServer:
    return build_server(TOOLBOX, name="instantly", instructions=INSTRUCTIONS, deps_factory=InstantlyDeps,
                        options=options)
