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
    "Sales-pipeline tools across Instantly and Stripe. Three servers work together: instantly (cold email: "
    "campaigns, leads, sending accounts, replies), stripe (payments: customers, products and prices, payment "
    "links, subscriptions, invoices, refunds) and orchestrator (joins them: campaigns that sell with payment "
    "links built in (launch_offer), payment links for engaged leads (trigger_payment_flow), lifecycle "
    "sequences, contact sync, funnel and revenue reports, health). Once configure_pipeline sets it "
    "up, the orchestrator acts on events by itself: a payment starts the post-purchase sequence, a failed "
    "renewal starts dunning, a cancellation starts win-back, and a lead marked interested gets a payment link "
    "if auto_payment_flow is on. That automation runs when events arrive: through the webhook receiver, or "
    "when sync_now polls both APIs. A payment link reaches a lead only when a sequence step uses "
    "{{payment_link}}. Campaigns, prices and products can be named by name or id. In sandbox mode (--sandbox) all three servers use local sandboxes with made-up data: "
    "nothing is emailed or charged, every result says so, and sandbox data never mixes with real accounts; "
    "there, simulate_engagement, simulate_time and simulate_billing make leads engage, campaigns send and "
    "buyers pay, and sandbox_reset(confirm=true) builds a seeded starting world."
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
