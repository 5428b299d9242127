"""What a sale on a launch link drives (checkout.session.completed; see flows/launch.py and launch_tiers.py):

- the buyer's lead leaves the launch campaign for its "registered" campaign, so the reminders stop;
- a tier that reached its limit (restrictions.completed_sessions) is deactivated and the leads still in the
  launch campaign get the next tier's link in {{payment_link}}.

Read from Stripe's link each time (its completed_sessions count), never counted here, so a replayed or
duplicated event changes nothing twice.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from orchestrator_mcp.flows.common import move_body
from orchestrator_mcp.flows.launch_tiers import LINK_KEY, switch_links
from orchestrator_mcp.flows.segments import all_leads

if TYPE_CHECKING:
    from instantly_mcp.client import InstantlyClient
    from shared.store import Store
    from stripe_mcp.client.api import StripeApi

log = logging.getLogger(__name__)


def _email(obj: dict[str, Any]) -> str | None:
    details = obj.get("customer_details") or {}
    email = details.get("email") or obj.get("customer_email")
    return str(email).strip().lower() if email else None


async def on_checkout(obj: dict[str, Any], *, store: Store, instantly: InstantlyClient,
                      stripe_api: StripeApi) -> list[str]:
    """Returns what was done (for logs and the simulation's report); [] for a link that is no launch's."""
    link_id = obj.get("payment_link")
    link_id = link_id.get("id") if isinstance(link_id, dict) else link_id
    if not link_id or obj.get("status") not in (None, "complete"):
        return []
    op = await store.get_config(LINK_KEY + str(link_id))
    state = await store.get_config(op) if op else None
    if not state or "campaign_id" not in state:
        return []
    done: list[str] = []
    leads = await all_leads(instantly, state["campaign_id"])
    email = _email(obj)
    buyer = next((x for x in leads if (x.email or "").lower() == email), None) if email else None
    if buyer is not None:
        await instantly.move_leads(move_body(buyer, state["registered_id"]))
        leads = [x for x in leads if x.id != buyer.id]
        done.append(f"{email} registered: moved to the registered campaign, reminders stop")
    before = state.get("current")
    ctx = SimpleNamespace(stripe=stripe_api, instantly=instantly, store=store, op=op)
    changed = await switch_links(ctx, state, leads)
    if state.get("current") != before:
        tier = next(t for t in state["tiers"] if t["link_id"] == state["current"])
        done.append(f"tier switched to {tier['label']}: {changed} leads now get {tier['url']}")
    for line in done:
        log.info("launch %s: %s", state.get("name"), line)
    return done
