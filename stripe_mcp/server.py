"""The Stripe MCP server: its toolbox published over stdio."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from shared.deps import ServerOptions
from shared.server import build_server
from stripe_mcp.deps import StripeDeps
from stripe_mcp.tools import TOOLBOX

INSTRUCTIONS = (
    "Stripe tools: customers, products and prices, payment links, checkout, payment intents, subscriptions, "
    "invoices, refunds, coupons, disputes, balance and revenue figures. Every result says test or live mode. "
    "Refunds, cancellations and deletes need confirm=true; with a live key every write does. A failed create can "
    "be retried with the same arguments: it never makes a second object."
)


def build(options: ServerOptions | None = None) -> MCPServer:
    return build_server(TOOLBOX, name="stripe", instructions=INSTRUCTIONS, deps_factory=StripeDeps,
                        options=options)
