"""Starting over: wipe both sandboxes and, on request, build the seeded world (used by the sandbox_reset tool and
by `orchestrator-mcp sandbox reset --seed`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from orchestrator_mcp.events.polling import INSTANTLY_CURSOR, STRIPE_CURSOR
from orchestrator_mcp.simulation.outcome import Reaction, money, react
from orchestrator_mcp.simulation.sandboxes import Sandboxes
from orchestrator_mcp.simulation.seed import seed_world

if TYPE_CHECKING:
    from orchestrator_mcp.deps import OrchestratorDeps


async def start_over(deps: OrchestratorDeps, sb: Sandboxes, *, seed: bool) -> tuple[dict[str, Any], Reaction]:
    """Reset both sandboxes (their clocks too) and the poll cursors that pointed into them; then seed."""
    await sb.instantly("reset", {})
    await sb.stripe("reset", {})
    store = await deps.store()
    for cursor in (STRIPE_CURSOR, INSTANTLY_CURSOR):
        if await store.get_cursor(cursor) is not None:
            await store.set_cursor(cursor, None)
    if not seed:
        return {}, Reaction()
    world = await seed_world(sb)
    reaction = await react(deps, instantly_payloads=world.pop("payloads"), stripe=True)
    return world, reaction


def describe(world: dict[str, Any]) -> list[str]:
    """The seeded world in a few lines, names beside ids."""
    out = ["Sending accounts: " + ", ".join(f"{a['email']} (warmup {a['warmup']})" for a in world["accounts"])]
    for c in world["campaigns"]:
        role = f", plays {c['role']} once configured" if c["role"] else ""
        out.append(f"Campaign {c['name']} ({c['id']}): active, {c['leads']} lead{'' if c['leads'] == 1 else 's'}"
                   f"{role}")
    for p in world["products"]:
        every = f"/{p['interval']}" if p["interval"] else " one-off"
        out.append(f"Product {p['name']} ({p['product_id']}): {money(p['amount'], p['currency'])}{every}, "
                   f"price {p['price_id']}")
    roles = {c["role"]: c["id"] for c in world["campaigns"] if c["role"]}
    out.append(f"{world['emails_sent']} first emails sent, then opens, clicks, replies, an interested lead, a "
               f"meeting booked and a bounce. Automate the lifecycle with configure_pipeline "
               f"campaign_roles={json.dumps(roles)}.")
    return out
