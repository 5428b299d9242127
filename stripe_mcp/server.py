"""The Stripe MCP server: its toolbox published over stdio."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from shared.deps import ServerOptions
from shared.server import build_server
from stripe_mcp.deps import StripeDeps
from stripe_mcp.tools import TOOLBOX

INSTRUCTIONS = (
    "Stripe tools. Three servers work together: instantly (cold email: campaigns, leads, sending accounts, "
    "replies), stripe (payments: customers, products and prices, payment links, subscriptions, invoices, "
    "refunds) and orchestrator (joins them: campaigns that sell, payment links for engaged leads, lifecycle "
    "sequences, contact sync, funnel and revenue reports, health). Every result says test or live mode. "
    "Refunds, cancellations "
    "and deletes need confirm=true; with a live key every write does. A failed create can be retried with "
    "the same arguments: it never makes a second object. Once "
    "configure_pipeline sets it up, the orchestrator acts on events by itself: a payment starts the "
    "post-purchase sequence, a failed renewal starts dunning, a cancellation starts win-back, and a lead "
    "marked interested gets a payment link if auto_payment_flow is on. That automation runs when events "
    "arrive: through the webhook receiver, or when sync_now polls both APIs. In sandbox mode (--sandbox) all "
    "three servers use local sandboxes with made-up data: nothing is emailed or charged, every result says "
    "so, and sandbox data never mixes with real accounts."
)


def build(options: ServerOptions | None = None) -> MCPServer:
    return build_server(TOOLBOX, name="stripe", instructions=INSTRUCTIONS, deps_factory=StripeDeps,
                        options=options)
