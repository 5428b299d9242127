"""Running a launch (flows/launch.py): each write once, its result kept in the launch's state before the next, so
a retry or a second orchestrator picks up where the first stopped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from orchestrator_mcp.config import load_config, save_config
from orchestrator_mcp.flows.common import Step, params_key
from orchestrator_mcp.flows.launch import (
    DEFAULT_STEPS,
    SAMPLE,
    Launch,
    LaunchResult,
    campaign_label,
    default_senders,
    ensure_campaign,
)
from orchestrator_mcp.flows.launch_leads import add_reasons, import_new
from orchestrator_mcp.flows.launch_tiers import LINK_KEY, switch_links, tier_status
from orchestrator_mcp.flows.segments import campaigns_by_name, move_segment, wait_until_in
from shared.errors import InputError

Progress = Callable[[float, float, str], Awaitable[None]]
REGISTERED_TEXT = "You're in, {{firstName}}\nThanks for getting {{product_name}}. Everything you need follows soon."


async def _nothing(done: float, total: float, message: str) -> None:
    return None


async def _catalogue(launch: Launch, state: dict[str, Any], steps: list[Step]) -> None:
    """The product (found, else created) and one price per tier; a product made here gets its first tier's price
    as its default price."""
    req, stripe = launch.req, launch.stripe
    if "product_id" not in state:
        product = await launch.own_product()
        if product is None:
            if not req.tiers:
                raise InputError(f"no product named {req.product!r}: give tiers to create it", "tiers")
            product = await stripe.create_product(name=req.product, metadata={"launch": launch.op[:40]},
                                                  idempotency_key=params_key(launch.op, "product", req.product))
            state["created_product"] = True
            steps.append(Step(step="create product", outcome="done", detail=product["id"]))
        state.update(product_id=product["id"], product_name=product.get("name") or req.product)
        await launch.remember(state)
    if "tiers" not in state:
        tiers = await launch.tier_plan(await stripe.get_product(state["product_id"]))
        for i, t in enumerate(tiers):
            if not t.get("price_id"):
                price = await stripe.create_price(
                    product=state["product_id"], unit_amount=t["amount"], currency=t["currency"],
                    interval=req.interval, nickname=t["label"], idempotency_key=params_key(launch.op, f"price{i}", t))
                t["price_id"] = price["id"]
        state["tiers"] = tiers
        await launch.remember(state)
        steps.append(Step(step="prices per tier", outcome="done",
                          detail=", ".join(f"{t['label']} {t['price_id']}" for t in tiers)))
    if state.get("created_product") and not state.get("default_set"):
        await stripe.set_default_price(state["product_id"], state["tiers"][0]["price_id"],
                                       idempotency_key=params_key(launch.op, "default", state["tiers"][0]["price_id"]))
        state["default_set"] = True
        await launch.remember(state)


async def _links(launch: Launch, state: dict[str, Any], steps: list[Step]) -> None:
    """link_on=now: one payment link per tier, limited to the tier's buyers. link_on=engagement: the campaign's
    price in the pipeline configuration, and automatic payment links on."""
    if launch.per_lead:
        cfg = await load_config(launch.store)
        if cfg.campaign_prices.get(state["campaign_id"]) != state["tiers"][0]["price_id"] or not cfg.auto_payment_flow:
            cfg.campaign_prices[state["campaign_id"]] = state["tiers"][0]["price_id"]
            cfg.auto_payment_flow = True
            await save_config(launch.store, cfg)
            steps.append(Step(step="automatic payment links for the campaign", outcome="done",
                              detail=state["tiers"][0]["price_id"]))
        return
    for i, t in enumerate(state["tiers"]):
        if t.get("link_id"):
            continue
        meta = {"launch": launch.op[:40], "tier": t["label"], "instantly_campaign_id": state["campaign_id"],
                "price_id": t["price_id"]}
        link = await launch.stripe.create_payment_link(
            price=t["price_id"], metadata=meta, max_completed_sessions=t.get("limit"),
            idempotency_key=params_key(launch.op, f"link{i}", meta))
        t.update(link_id=link["id"], url=link["url"])
        await launch.store.set_config(LINK_KEY + link["id"], launch.op)
        await launch.remember(state)
        steps.append(Step(step=f"payment link {t['label']}", outcome="done", detail=link["id"]))


async def run_launch(launch: Launch, progress: Progress | None = None) -> LaunchResult:
    """Every step of the launch, each once; the result is the launch as it now stands."""
    report = progress or _nothing
    req, instantly = launch.req, launch.instantly
    steps: list[Step] = []
    state: dict[str, Any] = dict(await launch.store.get_config(launch.op, default={}))
    state.setdefault("name", req.name)
    campaigns = await campaigns_by_name(instantly)
    senders = await default_senders(instantly, req.sender_accounts)
    if not senders:
        raise InputError("no sending account: connect one in Instantly, or give sender_accounts", "sender_accounts")
    # 1. product and prices
    await _catalogue(launch, state, steps)
    # 2. the launch campaign and (link_on now) the registered campaign, found by name, else created
    if "campaign_id" not in state:
        cid, made = await ensure_campaign(instantly, campaigns, req.name, req.steps or DEFAULT_STEPS, senders,
                                          schedule=req.schedule, settings=req.settings)
        state["campaign_id"] = cid
        await launch.remember(state)
        steps.append(Step(step="launch campaign", outcome="done" if made else "reused", detail=cid))
    if launch.registered_name and "registered_id" not in state:
        rid, made = await ensure_campaign(instantly, campaigns, launch.registered_name,
                                          [req.registered_text or REGISTERED_TEXT], senders, schedule=req.schedule)
        state["registered_id"] = rid
        await launch.remember(state)
        steps.append(Step(step="registered campaign", outcome="done" if made else "reused", detail=rid))
        if made:
            await instantly.activate_campaign(rid)
    await report(1, 4, "campaign ready")
    # 3. payment links (or automatic links on engagement)
    await _links(launch, state, steps)
    # 4. new leads imported, the segment moved in, each lead's link set to the tier on sale
    created, skipped = 0, []
    if req.leads:
        created, skipped = await import_new(
            instantly, launch.store, req.leads, state["campaign_id"], skip_in_other=req.skip_leads_in_other_campaigns,
            progress=lambda done, total, msg: report(1 + done / max(total or 1, 1), 4, msg))
        steps.append(Step(step="import new leads", outcome="done" if created else "reused",
                          detail=f"{created} imported, {len(skipped)} not added"))
    plan, members = await launch.plan(new_leads=False)
    moved = await move_segment(instantly, members, state["campaign_id"])
    if req.segment is not None:
        steps.append(Step(step="move segment into the campaign", outcome="done" if moved else "reused",
                          detail=f"{moved} moved, {len(members)} in the launch"))
    leads = await wait_until_in(instantly, state["campaign_id"], {m.email for m in members})
    await report(3, 4, "leads in the campaign")
    if not launch.per_lead:
        written = await switch_links(launch, state, leads)
        steps.append(Step(step="write {{payment_link}} into lead variables", outcome="done" if written else "reused",
                          detail=f"{written} leads"))
    # 5. sending starts once the campaign has leads (unless activate=false)
    status = "active" if state.get("activated") else "paused"
    if req.activate and leads and not state.get("activated"):
        await instantly.activate_campaign(state["campaign_id"])
        state["activated"], status = True, "active"
        await launch.remember(state)
        steps.append(Step(step="activate campaign", outcome="done", detail=state["campaign_id"]))
    elif not req.activate or not leads:
        steps.append(Step(step="activate campaign", outcome="skipped",
                          detail="activate=false" if not req.activate else "no leads yet: add leads, run it again"))
    await report(4, 4, "done")
    left_out = add_reasons(plan.left_out, skipped)
    return plan.model_copy(update={
        "steps": steps, "campaign_status": status, "campaign": campaign_label(req.name, state["campaign_id"]),
        "registered_campaign": (campaign_label(launch.registered_name, state["registered_id"]) if launch.registered_name
                                else plan.registered_campaign),
        "product": f"{state['product_name']} ({state['product_id']})", "new_leads": created,
        "left_out": left_out, "skipped": skipped[:SAMPLE],
        "tiers": await tier_status(launch.stripe, state["tiers"], per_lead=launch.per_lead)})
