"""The orchestrator's tools. Each module registers its tools on TOOLBOX when imported."""

from shared.tooling import Toolbox

TOOLBOX = Toolbox("orchestrator")

from orchestrator_mcp.tools import audit, contacts, events, health, lifecycle, payments, reports  # noqa: E402,F401  (registers tools)
from orchestrator_mcp.tools import flows  # noqa: E402,F401  (launch_offer, setup_subscription_lifecycle)
from orchestrator_mcp.tools import privacy  # noqa: E402,F401  (purge_expired_data)
from orchestrator_mcp.tools import simulate  # noqa: E402,F401  (sandbox mode only; see server.py)
