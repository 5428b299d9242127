"""Previews are inert, for every tool of every server, walked from the toolboxes' specs.

For each tool with a `confirm` field, and (with a live Stripe key) for every write tool of stripe-mcp and the
orchestrator, the tool is called WITHOUT confirm against both sandboxes, and:
- a result that says it is a preview (executed=false), and every destructive tool's result, made no write
  request at either sandbox (counted in their /_sandbox/stats by route) and changed no store row;
- with a live Stripe key no tool wrote to Stripe at all without confirm=true.
A new gated tool needs an entry in ARGS below, or this test fails: nothing is skipped silently.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

import instantly_mcp.server
import orchestrator_mcp.server
import stripe_mcp.server
from instantly_mcp.tools import TOOLBOX as INSTANTLY
from orchestrator_mcp.tools.simulate import TOOLSET as SIMULATION
from shared.deps import ServerOptions
from shared.store.engine import database_url, open_store
from shared.tooling import Toolbox, ToolSpec
from stripe_mcp.tools import TOOLBOX as STRIPE
from tests.instantly_mcp.conftest import SENDER
from tests.orchestrator_mcp.conftest import Pipeline, pipeline  # noqa: F401  (fixture)
from tests.stripe_mcp.stripe_support import LIVE_KEY

SERVERS: dict[str, tuple[Toolbox, Any]] = {
    "instantly": (INSTANTLY, instantly_mcp.server.build), "stripe": (STRIPE, stripe_mcp.server.build),
    # The published toolbox: the simulation tools are listed only in sandbox mode, where making the sandboxes move
    # is their job (sandbox_reset's own preview is tested in tests/orchestrator_mcp/test_simulate_billing.py).
    "orchestrator": (orchestrator_mcp.server.published(ServerOptions()), orchestrator_mcp.server.build),
}
# Reads that Instantly's API sends as POST.
INSTANTLY_READ_POSTS = {"POST /api/v2/leads/list"}
# Arguments for each tool, {placeholders} filled from the seeded world.
ARGS: dict[str, Any] = {  # a tool's arguments, or a list of argument sets (each is a case)
    # instantly
    "instantly_save_campaign": {"name": "New one"},
    "instantly_delete_campaign": {"campaign_id": "{campaign}"},
    "instantly_set_campaign_status": {"campaign_id": "{campaign}", "action": "activate"},
    "instantly_import_leads": {"campaign_id": "{campaign}", "leads": [{"email": "new@lead.io"}]},
    "instantly_update_lead": {"lead_id": "{lead}", "first_name": "Changed"},
    "instantly_delete_lead": {"lead_id": "{lead}"},
    "instantly_move_leads": {"lead_ids": ["{lead}"], "from_campaign_id": "{campaign}", "to_campaign_id": "{other}"},
    "instantly_set_lead_interest": {"email": "ada@acme.io", "status": "interested", "campaign_id": "{campaign}"},
    "instantly_save_lead_list": {"name": "A list"},
    "instantly_delete_lead_list": {"list_id": "{list}"},
    "instantly_manage_accounts": {"emails": [SENDER], "action": "pause"},
    "instantly_reply_email": {"email_id": "{email}", "body": "Thanks!"},
    "instantly_create_webhook": {"url": "https://example.com/hook"},
    "instantly_delete_webhook": {"webhook_id": "{webhook}"},
    "instantly_delete": {"kind": "campaign", "target": "{campaign}"},
    "instantly_manage_tags": {"action": "create", "label": "vip"},
    "instantly_create_tag": {"label": "vip"},
    "instantly_assign_tags": {"tag_ids": ["{tag}"], "resource_type": "campaign", "resource_ids": ["{campaign}"]},
    "instantly_add_to_block_list": {"values": ["spam.io"]},
    "instantly_remove_from_block_list": {"value": "blocked.io"},
    # stripe
    "stripe_delete": {"id": "{customer}"},
    "stripe_save_customer": {"email": "new@customer.io"},
    "stripe_create_product": {"name": "Thing"},
    "stripe_create_price": {"product": "{product}", "unit_amount": 500, "currency": "usd"},
    "stripe_create_coupon": {"percent_off": 10, "duration": "once"},
    "stripe_create_payment_link": {"price": "{price}"},
    "stripe_deactivate_payment_link": {"payment_link": "{link}"},
    "stripe_create_checkout_session": {"customer": "{customer}", "price": "{price}",
                                       "success_url": "https://example.com/ok"},
    "stripe_create_payment_intent": {"amount": 500, "currency": "usd"},
    "stripe_update_dispute": {"dispute": "{dispute}", "evidence": {"product_description": "An audit"}},
    "stripe_create_subscription": {"customer": "{customer}", "items": [{"price": "{monthly}"}],
                                   "collection_method": "send_invoice", "days_until_due": 30},
    "stripe_update_subscription": {"subscription": "{subscription}", "metadata": {"k": "v"}},
    "stripe_cancel_subscription": {"subscription": "{subscription}"},
    "stripe_create_invoice": {"customer": "{customer}", "items": [{"amount": 500, "description": "Work"}],
                              "currency": "usd"},
    "stripe_create_refund": {"charge": "{charge}"},
    # orchestrator
    "trigger_payment_flow": [{"lead_email": "ada@acme.io", "campaign_id": "{campaign}", "price_id": "{price}"},
                             {"campaign_id": "{campaign}", "price_id": "{price}", "min_score": 0}],  # engaged leads
    "map_contact": {"email": "ada@acme.io", "apply": True},
    "forget_contact": {"email": "ada@acme.io"},
    "purge_expired_data": {},
    "sync_now": {"source": "both", "contacts": True},
    "replay_event": {"id": "evt_missing"},
    # a group, previewed (one contact is moved at once, as the automation does)
    "start_lifecycle_sequence": {"emails": ["ada@acme.io", "new@zed.io"], "role": "win_back",
                                 "variables": {"product_name": "Audit"}},
    "configure_pipeline": {"auto_payment_flow": True},
    "launch_offer": [{"name": "Launch", "product": "Kit", "segment": {},
                      "tiers": [{"label": "Early bird", "amount": 700, "limit": 1}, {"amount": 900}]},
                     {"name": "Launch", "product": "{price}", "leads": [{"email": "zed@zed.io"}], "link_on": "engagement",
                      "steps": ["Hi\n{{payment_link}}"], "sender_accounts": [SENDER]}],
    "setup_subscription_lifecycle": {"product": "Team plan", "amount": 900, "roles": {"dunning": ["Card\nFix it"]}},
}


def _walked(spec: ToolSpec) -> bool:
    """Write tools published with real keys. The simulation tools are listed only in sandbox mode and refused
    outside it; sandbox_reset's preview is tested in tests/orchestrator_mcp/test_simulate_billing.py."""
    return not spec.read_only and spec.toolset != SIMULATION


def _cases() -> list[Any]:
    cases = []
    for server, (box, _) in SERVERS.items():
        for spec in box.specs:
            if not _walked(spec):
                continue
            gated = "confirm" in spec.input_model.model_fields
            modes = (["test"] if gated else []) + (["live"] if server != "instantly" else [])
            variants = ARGS.get(spec.name, {})
            for n in range(len(variants) if isinstance(variants, list) else 1):
                for mode in modes:
                    cases.append(pytest.param(server, spec.name, mode, n, id=f"{spec.name}-{mode}" + (f"-{n}" if n else "")))
    return cases


def _spec(server: str, name: str) -> ToolSpec:
    return next(s for s in SERVERS[server][0].specs if s.name == name)


def _fill(value: Any, world: dict[str, str]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return world[value[1:-1]]
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    return value


def _stripe(pipeline: Pipeline, key: str, path: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    res = httpx.post(f"{pipeline.stripe_url}{path}", data=data or {}, headers={"Authorization": f"Bearer {key}"},
                     timeout=30)
    assert res.status_code == 200, res.text
    return res.json()  # type: ignore[no-any-return]


def seed(pipeline: Pipeline, key: str) -> dict[str, str]:
    """One of everything a tool may act on: Instantly objects, and Stripe objects in the key's mode."""
    world: dict[str, str] = {"campaign": pipeline.new_campaign("Outreach"), "other": pipeline.new_campaign("Other")}
    with pipeline.instantly.client() as http:
        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            res = http.post(path, json=body)
            assert res.status_code == 200, res.text
            return res.json()  # type: ignore[no-any-return]

        world["lead"] = post("/leads", {"email": "ada@acme.io", "first_name": "Ada", "campaign": world["campaign"]})["id"]
        world["list"] = post("/lead-lists", {"name": "Seed list"})["id"]
        world["webhook"] = post("/webhooks", {"target_hook_url": "https://example.com/seed",
                                              "event_type": "all_events"})["id"]
        world["tag"] = post("/custom-tags", {"label": "seed"})["id"]
        post("/block-lists-entries", {"bl_value": "blocked.io"})
        for event in ("sent", "opened", "replied"):
            pipeline.engage("ada@acme.io", event, world["campaign"])
        emails = http.get("/emails", params={"limit": 10}).json()["items"]
        world["email"] = emails[0]["id"]
    world["customer"] = _stripe(pipeline, key, "/v1/customers", {"email": "ada@acme.io", "name": "Ada"})["id"]
    world["product"] = _stripe(pipeline, key, "/v1/products", {"name": "Audit"})["id"]
    world["price"] = _stripe(pipeline, key, "/v1/prices", {"product": world["product"], "unit_amount": "4900",
                                                           "currency": "usd"})["id"]
    world["monthly"] = _stripe(pipeline, key, "/v1/prices", {"product": world["product"], "unit_amount": "900",
                                                             "currency": "usd", "recurring[interval]": "month"})["id"]
    world["link"] = _stripe(pipeline, key, "/v1/payment_links", {"line_items[0][price]": world["price"],
                                                                 "line_items[0][quantity]": "1"})["id"]
    world["subscription"] = _stripe(pipeline, key, "/v1/subscriptions", {
        "customer": world["customer"], "items[0][price]": world["monthly"], "collection_method": "send_invoice",
        "days_until_due": "30"})["id"]
    intent = _stripe(pipeline, key, "/v1/payment_intents", {"amount": "2500", "currency": "usd", "confirm": "true",
                                                            "payment_method": "pm_card_visa"})
    world["charge"] = intent["latest_charge"]
    charge2 = _stripe(pipeline, key, "/v1/payment_intents", {"amount": "1500", "currency": "usd", "confirm": "true",
                                                             "payment_method": "pm_card_visa"})["latest_charge"]
    world["dispute"] = pipeline.stripe_control(f"charges/{charge2}/dispute", {})["dispute"]["id"]
    return world


def writes(pipeline: Pipeline) -> dict[str, int]:
    stripe_routes = pipeline.stripe_control("stats")["requests"]["by_route"]
    instantly_routes = pipeline.instantly.stats()["requests_by_route"]
    return {
        "stripe": sum(n for r, n in stripe_routes.items() if not r.startswith("GET")),
        "instantly": sum(n for r, n in instantly_routes.items()
                         if not r.startswith("GET") and r not in INSTANTLY_READ_POSTS),
    }


def store_rows() -> dict[str, tuple[str, ...]]:
    """Every table's rows except the audit log (which records the call itself, without its effects)."""
    db = Path(database_url().split("///", 1)[1])
    with sqlite3.connect(db) as raw:
        tables = [r[0] for r in raw.execute("select name from sqlite_master where type='table'")]
        return {t: tuple(sorted(map(repr, raw.execute(f'select * from "{t}"')))) for t in tables
                if t not in ("audit_log", "rate_limits")}  # bookkeeping: the audit trail, the shared rate budget


def test_every_tool_has_arguments() -> None:
    missing = [s.name for box, _ in SERVERS.values() for s in box.specs if _walked(s) and s.name not in ARGS]
    assert not missing, f"add example arguments for {missing}"


@pytest.mark.parametrize(("server", "tool", "mode", "variant"), _cases())
async def test_preview_is_inert(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
                                server: str, tool: str, mode: str, variant: int) -> None:
    key = LIVE_KEY if mode == "live" else pipeline.stripe_key
    world = seed(pipeline, key)
    monkeypatch.setenv("STRIPE_API_KEY", key)
    spec = _spec(server, tool)
    args = _fill(ARGS[tool][variant] if isinstance(ARGS[tool], list) else ARGS[tool], world)
    assert "confirm" not in args
    store = await open_store()  # the store exists (migrated) before the rows are compared
    await store.close()
    async with Client(SERVERS[server][1](ServerOptions())) as client:
        if server == "orchestrator":
            # the store holds the person too, so a preview that erased or rewrote rows would show
            await client.call_tool("configure_pipeline", {"campaign_roles": {"win_back": world["other"]}})
            assert not (await client.call_tool("sync_now", {"email": "ada@acme.io"})).is_error
        before, rows = writes(pipeline), store_rows()
        result = await client.call_tool(tool, args)
        after, rows_after = writes(pipeline), store_rows()
    out = result.structured_content or {}
    text = result.content[0].text if result.content else ""
    preview = out.get("executed") is False
    if spec.destructive:
        assert not result.is_error and preview, f"{tool} acted without confirm: {text}"
    if "confirm" in spec.input_model.model_fields and mode == "live" and server != "instantly":
        assert not result.is_error, text  # a live-gated tool answers with a preview, not an error
    if preview or spec.destructive:
        assert after == before, f"{tool}: a preview made write requests: {before} -> {after}"
        assert rows_after == rows, f"{tool}: a preview changed the store"
    if mode == "live":
        assert after["stripe"] == before["stripe"], f"{tool} wrote to Stripe with a live key and no confirm: {text}"
