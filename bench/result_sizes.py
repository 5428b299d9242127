"""B8: the largest result of every tool on a large sandbox world (2,000 leads in 10 campaigns, see size_world.py),
against the 20 KB budget: text, and structured content as compact JSON (UTF-8 bytes). Shared with
tests/bench/test_result_sizes.py, which asserts the budget on every call.

Every tool the three servers list (normal mode, plus the orchestrator's sandbox-only simulation tools) is called
through an in-memory MCP client, in sandbox mode against two sandboxes on loopback, with the arguments in CALLS:
reads with their largest limits, writes as previews (no confirm), and the tools that act on many objects (an import
of 2,000 leads, bulk moves and deletes, conversions, launches) also for real. A listed tool missing from CALLS is a
failure naming it, and so is an entry in CALLS that no server lists.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from mcp import Client

from bench.common import Row
from bench.servers import instantly_sandbox, patched_env, stripe_sandbox
from bench.size_world import CAMPAIGNS, LEADS_PER_CAMPAIGN, build
from shared.render import BUDGET

LEADS = "{leads2000}"  # 2,000 leads for an import: new ones, duplicates of the world's and a few invalid
STEP = "Quick question, {{firstName}}\nHi {{firstName}}, {{payment_link}}"
# --- THE ARGUMENT TABLE: tool name -> the calls to make, in this order (the world moves first, then reads, then
# previews and single writes, then bulk writes for real, destructive ones last). "{name}" is filled from the world
# (bench/size_world.py); a string that is exactly "{name}" takes the value as it is (a list, ...). ---
CALLS: dict[str, list[dict[str, Any]]] = {
    # the world moves: contacts into the store, sends, engagement, payments
    "sync_now": [{"source": "both", "contacts": True, "max_leads": 300}, {}],
    "simulate_time": [{"days": 3, "campaign": "B8 campaign 4"}],  # one campaign: 200 sends, each one processed
    "simulate_engagement": [
        {"events": ["replied", "interested"], "campaign": "{campaign_name}", "count": 120,
         "reply_text": "Sounds good. What does it cost, and can we start next week?"},
    ],
    "simulate_billing": [
        {"action": "pay", "link": "{link}", "email": "{lead_email}"},
        {"action": "fail_renewal", "email": "{subscriber_email}"},
        {"action": "refund", "email": "{lead_email}"},
    ],
    # Instantly reads
    "instantly_list_campaigns": [{}, {"limit": 1000}, {"campaign_id": "{campaign}"}],
    "instantly_list_leads": [{}, {"limit": 10000}, {"campaign_id": "{campaign}", "limit": 1000},
                             {"leads": "{emails100}"}, {"filter": "interested", "limit": 1000}],
    "instantly_campaign_analytics": [{}, {"view": "overview"}, {"view": "daily"},
                                     {"view": "steps", "campaign_id": "{campaign}"}],
    "instantly_list_accounts": [{}, {"limit": 1000}, {"emails": "{senders}", "daily": True}],
    "instantly_list_emails": [{}, {"limit": 100}, {"email_id": "{reply}"}],
    "instantly_list": [{"kind": "lead_lists"}, {"kind": "lead_lists", "limit": 1000},
                       {"kind": "webhooks", "limit": 1000}, {"kind": "event_types"},
                       {"kind": "tags", "limit": 1000}, {"kind": "block_list", "limit": 1000},
                       {"kind": "job", "job_id": "{job}"}],
    "instantly_workspace": [{}],
    # Stripe reads
    "stripe_get": [{"id": "{customer}"}, {"id": "{subscription}"}, {"id": "{product}"}],
    "stripe_list": [{"kind": kind, "limit": 100} for kind in (
        "customers", "products", "prices", "payment_links", "checkout_sessions", "payment_intents", "charges",
        "refunds", "subscriptions", "invoices", "invoice_items", "coupons", "disputes", "events")],
    "stripe_payment_history": [{"customer": "{customer}", "limit": 100}],
    "stripe_get_balance": [{}],
    "stripe_revenue": [{}, {"period": "day"}],
    # orchestrator reads
    "audit_log": [{"limit": 500}],
    "find_contacts": [{}, {"limit": 500}, {"campaign_id": "{campaign_name}", "limit": 500},
                      {"email": "{lead_email}", "journey": True}, {"email": "{lead_email}", "export": "all"}],
    "list_events": [{}, {"limit": 1000}],
    "system_status": [{}],
    "funnel_report": [{}, {"refresh": True, "chart": False}],
    "revenue_attribution": [{"costs": {"B8 campaign 0": 10000}, "period": "day"}],
    # Instantly writes: previews, single writes, and bulk ones for real
    "instantly_save_campaign": [{"name": "B8 new campaign", "subject": "Hi {{firstName}}", "body": "Hello",
                                 "sender_accounts": "{senders}"},
                                {"campaign_id": "{campaign}", "settings": {"daily_limit": 50}}],
    "instantly_set_campaign_status": [{"campaign_id": "{other}", "action": "pause"},
                                      {"campaign_id": "{other}", "action": "pause", "confirm": True}],
    "instantly_import_leads": [{"campaign_id": "{campaign}", "leads": LEADS}],
    "instantly_update_lead": [{"lead": "{lead_email}", "campaign_id": "{campaign}", "first_name": "Changed"},
                              {"leads": "{emails100}", "interest": "interested"}],
    "instantly_move_leads": [{"from_campaign_id": "{campaign8}", "to_campaign_id": "{campaign9}"},
                             {"emails": "{emails2000}", "to_list_id": "{list2}", "mode": "copy"},
                             {"from_campaign_id": "{campaign}", "filter": "interested", "to_list_id": "{list2}",
                              "mode": "copy"}],
    "instantly_save_lead_list": [{"name": "B8 new list"}],
    "instantly_manage_accounts": [{"emails": "{senders}", "action": "disable_warmup"}],
    "instantly_reply_email": [{"email_id": "{reply}", "body": "Thanks! Here is the link."}],
    "instantly_create_webhook": [{"url": "https://hooks.example.com/new", "campaign_id": "B8 idle campaign"}],  # env secret
    "instantly_manage_tags": [{"action": "create", "label": "b8 vip"},
                              {"action": "assign", "tags": ["tag 0"], "resource_type": "campaign",
                               "resources": "{campaigns}"}],
    "instantly_add_to_block_list": [{"values": "{blocks}"}],
    # Stripe writes
    "stripe_save_customer": [{"email": "new@b8.example.com", "name": "New Buyer"},
                             {"email": "new@b8.example.com", "name": "New Buyer", "confirm": True}],
    "stripe_create_product": [{"name": "B8 new product", "confirm": True}],
    "stripe_create_price": [{"product": "{product}", "unit_amount": 500, "currency": "usd", "confirm": True}],
    "stripe_create_coupon": [{"percent_off": 10, "duration": "once", "confirm": True}],
    "stripe_create_payment_link": [{"price": "{price}", "confirm": True}],
    "stripe_create_payment_intent": [{"amount": 500, "currency": "usd", "customer": "{customer}", "confirm": True}],
    "stripe_update_dispute": [{"dispute": "{dispute}", "evidence": {"uncategorized_text": "Delivered on time."}}],
    "stripe_create_subscription": [{"customer": "{customer}", "items": [{"price": "{monthly}"}],
                                    "collection_method": "send_invoice", "days_until_due": 30, "confirm": True}],
    "stripe_update_subscription": [{"subscription": "{subscription}", "metadata": {"k": "v"}, "confirm": True}],
    "stripe_create_invoice": [{"customer": "{customer}", "items": [{"amount": 500, "description": "Work"}],
                               "currency": "usd", "confirm": True}],
    # orchestrator writes
    "trigger_payment_flow": [{"lead_email": "{lead_email}", "campaign_id": "{campaign}", "price_id": "{price}",
                              "confirm": True},
                             {"campaign_id": "{campaign}", "price_id": "{price}", "min_score": 0},
                             {"campaign_id": "{campaign3}", "price_id": "{price}", "min_score": 0, "cap": 100,
                              "confirm": True}],
    "map_contact": [{"email": "{lead_email}"}, {"email": "{lead_email}", "apply": True}],
    "purge_expired_data": [{}, {"confirm": True}],
    "replay_event": [{"id": 1}],
    "configure_pipeline": [{"auto_payment_flow": True, "campaign_roles": {"post_purchase": "B8 campaign 7"}},
                           {"auto_payment_flow": True, "campaign_roles": {"post_purchase": "B8 campaign 7"},
                            "confirm": True}],
    "start_lifecycle_sequence": [{"email": "{lead_email}", "role": "post_purchase",
                                  "variables": {"product_name": "B8 product 0"}},
                                 {"status": "engaged", "role": "post_purchase"},
                                 {"status": "engaged", "role": "post_purchase", "confirm": True}],
    "launch_offer": [  # the preview selects every lead of the world; for real, one campaign's 200
        {"name": "B8 launch", "product": "B8 product 1", "segment": {"where": {"industry": "SaaS"}},
         "tiers": [{"label": "Early bird", "amount": 700, "limit": 50}, {"amount": 900}], "steps": [STEP]},
        {"name": "B8 launch", "product": "B8 product 1",
         "segment": {"where": {"industry": "SaaS"}, "campaigns": ["B8 campaign 6"]},
         "tiers": [{"label": "Early bird", "amount": 700, "limit": 50}, {"amount": 900}], "steps": [STEP],
         "confirm": True},
        # 2,000 new leads (duplicates and invalid ones among them), previewed, then imported
        {"name": "B8 integrated", "product": "{price}", "leads": LEADS, "steps": [STEP], "sender_accounts": "{senders}"},
        {"name": "B8 integrated", "product": "{price}", "leads": LEADS, "steps": [STEP], "sender_accounts": "{senders}",
         "confirm": True},
    ],
    "setup_subscription_lifecycle": [
        {"product": "B8 plan", "roles": {"dunning": ["Card problem\nPlease fix it: {{invoice_url}}"]}},
        {"product": "B8 plan", "roles": {"dunning": ["Card problem\nPlease fix it: {{invoice_url}}"]},
         "confirm": True},
    ],
    "sandbox_reset": [{"seed": True}],  # a preview: confirm would wipe the world this run measures
    # destructive ones last: previews, then for real
    "instantly_delete": [{"kind": "campaign", "target": "{campaign}"},
                         {"kind": "campaign", "target": "{campaign9}", "confirm": True},
                         {"kind": "lead_list", "target": "{list}", "confirm": True}],
    "stripe_cancel_subscription": [{"subscription": "{subscription}"},
                                   {"subscription": "{subscription}", "confirm": True}],
    "stripe_create_refund": [{"charge": "{charge}"}, {"charge": "{charge}", "confirm": True}],
    "stripe_delete": [{"id": "{product}"}, {"id": "{customer}", "confirm": True}],
    "forget_contact": [{"email": "{lead_email}"}, {"email": "{lead_email}", "confirm": True}],
}


@dataclass
class Measured:
    server: str
    tool: str
    args: str  # the call's arguments, shortened for reading
    text: int  # UTF-8 bytes of the text content
    structured: int  # UTF-8 bytes of the structured content as compact JSON
    images: int  # bytes of images (charts), not part of the text budget
    error: str  # the error text, if the call failed
    seconds: float

    @property
    def largest(self) -> int:
        return max(self.text, self.structured)


@dataclass
class Report:
    results: list[Measured]
    missing: list[str]  # listed tools with no entry in CALLS
    stale: list[str]  # entries in CALLS that no server lists
    listed: dict[str, list[str]]
    world_seconds: float

    def per_tool(self) -> dict[str, Measured]:
        """The largest result of each tool."""
        out: dict[str, Measured] = {}
        for m in self.results:
            if m.tool not in out or m.largest > out[m.tool].largest:
                out[m.tool] = m
        return out

    def over(self, budget: int = BUDGET) -> list[Measured]:
        return [m for m in self.results if m.text > budget or m.structured > budget]


def _fill(value: Any, world: dict[str, Any]) -> Any:
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in world:
            return world[value[1:-1]]
        for key, got in world.items():
            if isinstance(got, str):
                value = value.replace("{" + key + "}", got)
        return value
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    return value


def _short(args: dict[str, Any]) -> str:
    out = {k: (f"<{len(v)} items>" if isinstance(v, list) and len(v) > 3 else v) for k, v in args.items()}
    text = json.dumps(out, separators=(",", ":"), ensure_ascii=False)
    return text if len(text) <= 160 else text[:159] + "…"


def _builders() -> dict[str, Any]:
    from instantly_mcp.server import build as instantly
    from orchestrator_mcp.server import build as orchestrator
    from stripe_mcp.server import build as stripe

    return {"instantly": instantly, "stripe": stripe, "orchestrator": orchestrator}


async def listed_tools() -> dict[str, list[str]]:
    """Every tool each server lists: in normal mode, and in sandbox mode (the simulation tools)."""
    from shared.deps import ServerOptions

    out: dict[str, list[str]] = {}
    for server, build_server in _builders().items():
        names: list[str] = []
        for sandbox in (False, True):
            async with Client(build_server(ServerOptions(sandbox=sandbox))) as client:
                names += [t.name for t in (await client.list_tools()).tools if t.name not in names]
        out[server] = names
    return out


async def measure(progress: Callable[[Measured], None] | None = None) -> Report:
    """Build the world in two fresh sandboxes and call every tool with the arguments in CALLS."""
    from shared.deps import ServerOptions

    listed = await listed_tools()
    server_of = {tool: server for server, tools in listed.items() for tool in tools}
    missing = [tool for tool in server_of if tool not in CALLS]
    stale = [tool for tool in CALLS if tool not in server_of]
    results: list[Measured] = []
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(dir=shm) as tmp:  # in memory where there is one: sizes, not disks, are measured
        async with instantly_sandbox(tmp) as ins, stripe_sandbox(tmp) as stp:
            started = time.monotonic()
            world = await build(ins.url, stp.url)
            world_seconds = time.monotonic() - started
            env = {"ISMCP_SANDBOX_DIR": f"{tmp}/sandbox", "ISMCP_SANDBOX_INSTANTLY_PORT": str(ins.port),
                   "ISMCP_SANDBOX_STRIPE_PORT": str(stp.port), "ISMCP_STORE_PATH": f"{tmp}/unused-store.sqlite",
                   "INSTANTLY_WEBHOOK_SECRET": "b8-webhook-secret"}
            with patched_env(env):
                async with AsyncExitStack() as stack:
                    clients = {server: await stack.enter_async_context(Client(build_server(ServerOptions(sandbox=True))))
                               for server, build_server in _builders().items()}
                    for tool, calls in CALLS.items():
                        if tool not in server_of:
                            continue
                        for raw in calls:
                            measured = await _call(clients[server_of[tool]], server_of[tool], tool, _fill(raw, world))
                            results.append(measured)
                            if progress is not None:
                                progress(measured)
    return Report(results=results, missing=missing, stale=stale, listed=listed, world_seconds=world_seconds)


async def _call(client: Client, server: str, tool: str, args: dict[str, Any]) -> Measured:
    started = time.monotonic()
    result = await client.call_tool(tool, args)
    seconds = time.monotonic() - started
    texts = [c.text for c in result.content if getattr(c, "type", "") == "text"]
    images = sum(len(getattr(c, "data", "")) for c in result.content if getattr(c, "type", "") == "image")
    structured = result.structured_content
    return Measured(
        server=server, tool=tool, args=_short(args), text=sum(len(t.encode()) for t in texts),
        structured=len(json.dumps(structured, separators=(",", ":"), ensure_ascii=False).encode())
        if structured is not None else 0,
        images=images, error=(texts[0] if texts else "error")[:300] if result.is_error else "", seconds=seconds)


async def run() -> list[Row]:
    report = await measure()
    per_tool = report.per_tool()
    worst = max(per_tool.values(), key=lambda m: m.largest)
    over = sorted({m.tool for m in report.over()})
    errors = [f"{m.tool}({m.args}): {m.error[:160]}" for m in report.results if m.error]
    sizes = {t: [m.text, m.structured] for t, m in sorted(per_tool.items(), key=lambda kv: -kv[1].largest)}
    problems = ([f"tools with no arguments in CALLS: {report.missing}"] if report.missing else []) + (
        [f"CALLS entries no server lists: {report.stale}"] if report.stale else [])
    return [Row(
        id="B8", what=f"largest result of every tool, {len(per_tool)} tools ({len(report.results)} calls), "
                      f"{CAMPAIGNS * LEADS_PER_CAMPAIGN:,} leads in {CAMPAIGNS} campaigns",
        figure=f"{worst.largest:,} B ({worst.tool})", goal=f"<= {BUDGET:,} B text and structured",
        verdict="missed" if over or report.missing else "met",
        detail=[f"largest per tool (text B, structured B): {json.dumps(sizes, separators=(',', ':'))}",
                f"world built in {report.world_seconds:.1f} s"] + problems + ([f"errors: {errors}"] if errors else []),
        note=f"over: {over}" if over else "; ".join(problems),
    )]


if __name__ == "__main__":
    import asyncio

    def show(m: Measured) -> None:
        flag = " OVER" if m.largest > BUDGET else ""
        print(f"{m.tool:32} {m.text:>8} {m.structured:>8} {m.seconds:6.2f}s {m.args}{flag}"
              + (f"\n    ERROR {m.error[:200]}" if m.error else ""), flush=True)

    async def _main() -> None:
        report = await measure(show)
        print("missing:", report.missing, "stale:", report.stale, f"world {report.world_seconds:.1f}s")

    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(_main())
