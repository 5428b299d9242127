"""The Instantly tools. Each module registers its tools on TOOLBOX when imported."""

from shared.tooling import Toolbox

TOOLBOX = Toolbox("instantly")

# Registration order is the order of tools/list.
from instantly_mcp.tools import (  # noqa: E402,F401
    campaigns, leads_import, leads, lists, analytics, accounts, unibox, webhooks, admin, browse, delete,
)
