"""The Stripe tools. Each module registers its tools on TOOLBOX when imported."""

from shared.tooling import Toolbox

TOOLBOX = Toolbox("stripe")

# Registration happens on import; the order here is the order of tools/list.
# isort: off
from stripe_mcp.tools import objects, customers, catalog, payments, billing, refunds, reporting  # noqa: E402,F401
# isort: on
