"""The Instantly tools. Each module registers its tools on the toolbox (tools/box.py) when imported.

`TOOLBOX` here is the full toolbox: asking for it loads every tool module, and the tools are listed in the order
of MODULES. The input models alone (campaign_spec; leads_import's LeadIn), which the orchestrator uses, load
without the rest, so its start-up does not pay for Instantly's tool modules.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# The order of tools/list.
MODULES = ("campaigns", "leads_import", "leads", "lists", "analytics", "accounts", "unibox", "webhooks", "admin",
           "browse", "delete")


def __getattr__(name: str) -> Any:
    if name != "TOOLBOX":
        raise AttributeError(name)
    from instantly_mcp.tools.box import TOOLBOX

    for module in MODULES:
        import_module(f"{__name__}.{module}")
    order = {f"{__name__}.{m}": i for i, m in enumerate(MODULES)}
    TOOLBOX.specs.sort(key=lambda spec: order.get(spec.fn.__module__, len(order)))  # stable: in-module order kept
    globals()["TOOLBOX"] = TOOLBOX  # loaded once: later look-ups find the attribute, not this function
    return TOOLBOX
