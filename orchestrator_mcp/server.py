"""The orchestrator MCP server: its toolbox published over stdio."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from orchestrator_mcp.deps import OrchestratorDeps
from orchestrator_mcp.tools import TOOLBOX
from shared.deps import ServerOptions
from shared.server import build_server

INSTRUCTIONS = (
    "Sales-pipeline tools across Instantly and Stripe. Three servers work together: instantly (cold email: "
    "campaigns, leads, sending accounts, replies), stripe (payments: customers, products and prices, payment "
    "links, subscriptions, invoices, refunds) and orchestrator (joins them: payment links for engaged leads, "
    "lifecycle sequences, contact sync, funnel and revenue reports, health). Once configure_pipeline sets it "
    "up, the orchestrator acts on events by itself: a payment starts the post-purchase sequence, a failed "
    "renewal starts dunning, a cancellation starts win-back, and a lead marked interested gets a payment link "
    "if auto_payment_flow is on. That automation runs when events arrive: through the webhook receiver, or "
    "when sync_now polls both APIs. A payment link reaches a lead only when a sequence step uses "
    "{{payment_link}}. In sandbox mode (--sandbox) all three servers use local sandboxes with made-up data: "
    "nothing is emailed or charged, every result says so, and sandbox data never mixes with real accounts."
)


def build(options: ServerOptions | None = None) -> MCPServer:
    return build_server(TOOLBOX, name="orchestrator", instructions=INSTRUCTIONS, deps_factory=OrchestratorDeps,
                        options=options)
