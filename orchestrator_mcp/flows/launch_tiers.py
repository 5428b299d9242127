"""A launch's price tiers: one payment link per tier, limited to the tier's buyers
(`restrictions.completed_sessions.limit`), the tier on sale, and each lead's {{payment_link}} switched to it.

Read from Stripe's links each time (their completed_sessions counts), never counted here, so a replayed or
duplicated event changes nothing twice."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from orchestrator_mcp.flows.common import custom_variables, params_key
from orchestrator_mcp.flows.payment_flow import format_amount
from shared.render import money
from shared.tooling import ToolInput

if TYPE_CHECKING:
    from stripe_mcp.client.api import StripeApi

LINK_KEY = "launch-link:"  # store config: payment link id -> the launch's state key


class Tier(ToolInput):
    label: str = Field("Regular", max_length=40)
    amount: int = Field(gt=0, description="Minor units (7900 = $79.00).")
    limit: int | None = Field(None, ge=1, description="Buyers at this price.")


class TierOut(BaseModel):
    label: str
    price: str = Field(description="Amount with currency.")
    limit: int | None
    sold: int
    status: str = Field(description="on sale, waiting, sold out, planned (a preview), or per lead (link_on "
                                     "engagement: each interested lead gets a personal link at this price).")
    price_id: str
    payment_link: str


def sold(link: dict) -> tuple[int, int | None]:
    cs = ((link.get("restrictions") or {}).get("completed_sessions") or {})
    return int(cs.get("count") or 0), cs.get("limit")


def is_sold_out(link: dict) -> bool:
    count, limit = sold(link)
    return link.get("active") is False or (limit is not None and count >= int(limit))


async def tier_status(stripe_api: StripeApi, tiers: list[dict[str, Any]], *, per_lead: bool = False) -> list[TierOut]:
    out, on_sale = [], False
    for t in tiers:
        count, status = 0, "per lead" if per_lead and t.get("price_id") else "planned"
        if t.get("link_id"):
            link = await stripe_api.get_payment_link(t["link_id"])
            count, limit = sold(link)
            if limit is None:  # no restriction counts them: completed sessions of the link (GET
                # /v1/checkout/sessions?payment_link=..., https://docs.stripe.com/api/checkout/sessions/list)
                count = 0
                async for _ in stripe_api.iterate("checkout_sessions", {"payment_link": t["link_id"],
                                                                        "status": "complete"}):
                    count += 1
            status = "sold out" if is_sold_out(link) else ("waiting" if on_sale else "on sale")
            on_sale = on_sale or status == "on sale"
        out.append(TierOut(label=t["label"], price=money(t["amount"], t["currency"]), limit=t.get("limit"),
                           sold=count, status=status, price_id=t.get("price_id") or "",
                           payment_link=t.get("url") or ""))
    return out


async def current_tier(stripe_api: StripeApi, state: dict[str, Any], *, op: str) -> dict[str, Any]:
    """The first tier not sold out; a sold-out link still active is deactivated (once: an idempotency key)."""
    tiers = state["tiers"]
    for i, t in enumerate(tiers):
        link = await stripe_api.get_payment_link(t["link_id"])
        if not is_sold_out(link) or i == len(tiers) - 1:
            return t
        if link.get("active") is not False:
            await stripe_api.deactivate_payment_link(t["link_id"], idempotency_key=params_key(op, "off", t["link_id"]))
    return tiers[-1]


async def switch_links(launch: Any, state: dict[str, Any], leads: list[Any]) -> int:
    """Each lead of the launch campaign gets the current tier's link; returns how many changed. `launch` has
    .stripe, .instantly, .store and .op (a Launch, or the event handler's stand-in)."""
    tier = await current_tier(launch.stripe, state, op=launch.op)
    variables = {"payment_link": tier["url"], "payment_amount": format_amount(tier["amount"], tier["currency"]),
                 "product_name": state.get("product_name"), "tier": tier["label"]}
    changed = 0
    for lead in leads:
        current = custom_variables(lead)
        if all(current.get(k) == v for k, v in variables.items()):
            continue
        await launch.instantly.update_lead(lead.id, {"custom_variables": {**current, **variables}})
        changed += 1
    if state.get("current") != tier["link_id"]:
        state["current"] = tier["link_id"]
        await launch.store.set_config(launch.op, state)
    return changed
