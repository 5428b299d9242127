"""`make demo`: seed Scenario 1 end to end on local sandboxes, with no accounts and no network.

Both sandboxes and the webhook receiver run on loopback; the three servers are started over stdio exactly
as claude-desktop.json starts them, and driven through a real MCP client. Every step prints the tool, its
key arguments and the result summary; the run ends with a summary table and the funnel picture on disk.
It exits non-zero if any step fails. Each run starts from fresh sandbox state unless --keep is given; a kept
run adds a new story to the old one: fresh leads (ada+run2@acme.io, ...) and new campaigns, so it succeeds
again and again, and the previous runs' webhooks (to receivers that are gone) are removed first.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orchestrator_mcp.demo_env import ROOT, World

LEADS = [
    {"email": "ada@acme.io", "first_name": "Ada", "company_name": "Acme", "icebreaker": "Loved your talk on pricing",
     "subject_line": "Pricing pages that convert"},
    {"email": "bob@boltworks.io", "first_name": "Bob", "company_name": "Boltworks",
     "icebreaker": "Saw the Boltworks launch", "subject_line": "After the launch"},
    {"email": "cyd@cyanlabs.io", "first_name": "Cyd", "company_name": "Cyan Labs",
     "icebreaker": "Congrats on the seed round", "subject_line": "Your next 100 customers"},
    {"email": "dev@deltaops.io", "first_name": "Dev", "company_name": "DeltaOps", "icebreaker": "Great podcast",
     "subject_line": "A quick idea"},
]


RUNS_FILE = "demo-runs"


def run_number(state: Path) -> int:
    """1 on fresh state; one more on each kept run (the count lives in the state folder)."""
    path = state / RUNS_FILE
    try:
        n = int(path.read_text(encoding="utf-8").strip()) + 1
    except (OSError, ValueError):  # no count yet: a store from an older demo counts as one run
        n = 2 if (state / "store.sqlite").exists() else 1
    path.write_text(str(n), encoding="utf-8")
    return n


def leads_for(run: int) -> list[dict[str, str]]:
    """The demo's leads; from the second run on, fresh addresses (a kept store already knows the first ones)."""
    if run == 1:
        return [dict(lead) for lead in LEADS]
    out = []
    for lead in LEADS:
        local, domain = lead["email"].split("@")
        out.append({**lead, "email": f"{local}+run{run}@{domain}"})
    return out


class StepFailed(Exception):
    pass


class Demo:
    def __init__(self, world: World, run: int = 1) -> None:
        self.world = world
        self.run = run
        self.leads = leads_for(run)
        self.suffix = f" (run {run})" if run > 1 else ""
        self.rows: list[tuple[int, str, str, str]] = []

    def show(self, label: str, args: dict[str, Any]) -> None:
        brief = ", ".join(f"{k}={_short(v)}" for k, v in args.items() if k not in ("steps", "leads"))
        if "leads" in args:
            brief += f"{', ' if brief else ''}leads=[{len(args['leads'])} leads]"
        print(f"\n[{len(self.rows) + 1}] {label}({brief})")

    async def tool(self, server: str, name: str, args: dict[str, Any]) -> dict[str, Any]:
        self.show(f"{server}.{name}", args)
        result = await self.world.sessions[server].call_tool(name, args)
        text = next((c.text for c in result.content if getattr(c, "type", "") == "text"), "")
        if result.is_error:
            self.rows.append((len(self.rows) + 1, f"{server}.{name}", "FAILED", text[:80]))
            print(f"    FAILED: {text}")
            raise StepFailed(f"{server}.{name}: {text}")
        print(f"    -> {text.splitlines()[0] if text else 'ok'}")
        self.rows.append((len(self.rows) + 1, f"{server}.{name}", "ok", (text.splitlines() or [""])[0][:80]))
        self.last = result
        return result.structured_content or {}

    def sandbox(self, api: str, path: str, body: Any, summary: Callable[[Any], str]) -> Any:
        self.show(f"sandbox:{api} {path}", body or {})
        out = self.world.control(api, path, body)
        text = summary(out)
        print(f"    -> {text}")
        self.rows.append((len(self.rows) + 1, f"sandbox {api} {path}", "ok", text[:80]))
        return out

    async def wait(self, label: str, check: Callable[[], Any], timeout: float = 90.0) -> Any:
        print(f"\n    waiting: {label} ...")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = await check()
            if value:
                print(f"    -> {label}: yes")
                return value
            await asyncio.sleep(0.3)
        self.rows.append((len(self.rows) + 1, f"wait: {label}", "FAILED", f"not within {timeout:.0f}s"))
        raise StepFailed(f"timed out waiting for: {label}")


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


async def scenario(demo: Demo, out_dir: Path) -> None:
    w = demo.world
    leads = demo.leads
    ada, bob, cyd = (lead["email"] for lead in leads[:3])
    await demo.tool("instantly", "instantly_create_webhook", {
        "url": f"{w.receiver_url}/webhooks/instantly", "event_type": "all_events", "name": "pipeline receiver"})
    product = await demo.tool("stripe", "stripe_create_product", {"name": "Growth Audit"})
    price = await demo.tool("stripe", "stripe_create_price", {
        "product": product["object"]["id"] if "object" in product else product["id"], "unit_amount": 49900,
        "currency": "usd"})
    price_id = price["object"]["id"] if "object" in price else price["id"]
    accounts = await demo.tool("instantly", "instantly_list_accounts", {"limit": 5})
    senders = [a["email"] for a in accounts["items"]][:2]
    onboarding = await demo.tool("instantly", "instantly_save_campaign", {
        "name": f"Onboarding (post-purchase){demo.suffix}", "schedule": {"timezone": "America/Chicago"}, "sender_accounts": senders,
        "subject": "Welcome aboard, {{firstName}}", "body": "Thanks for buying {{product_name}}! Here is how we start."})
    onboarding_id = onboarding["object"]["id"]
    await demo.tool("orchestrator", "configure_pipeline", {"campaign_roles": {"post_purchase": onboarding_id}})
    outreach = await demo.tool("instantly", "instantly_save_campaign", {
        "name": f"Q4 outreach{demo.suffix}", "schedule": {"timezone": "America/Chicago"}, "sender_accounts": senders,
        "steps": [
            {"subject": "{{subject_line}}", "body": "Hi {{firstName}}, {{icebreaker}}. Want a growth audit?", "delay": 2},
            {"subject": "Your audit, {{firstName}}", "body": "Grab it here: {{payment_link}} ({{payment_amount}})"},
        ]})
    campaign_id = outreach["object"]["id"]
    await demo.tool("instantly", "instantly_import_leads", {"campaign_id": campaign_id, "leads": leads})
    await demo.tool("instantly", "instantly_set_campaign_status", {"campaign_id": campaign_id, "action": "activate",
                                                                   "confirm": True})
    demo.sandbox("instantly", "tick", {"campaign_id": campaign_id}, lambda o: f"first step sent: {_short(o)}")
    for email, events in ((ada, ("opened", "clicked", "replied", "interested")), (bob, ("opened", "clicked")),
                          (cyd, ("opened",))):
        for event in events:
            demo.sandbox("instantly", "engagement", {"email": email, "event": event, "campaign_id": campaign_id},
                         lambda o, e=email, ev=event: f"{e} {ev}")
    demo.sandbox("instantly", "webhooks/drain", {"timeout": 10},
                 lambda o: f"webhooks delivered to the receiver: {o.get('idle')}")

    async def engagement_applied() -> bool:
        found = await w.sessions["orchestrator"].call_tool("find_contacts", {"email": ada})
        contacts = (found.structured_content or {}).get("contacts") or []
        return bool(contacts and contacts[0]["clicks"] >= 1)

    await demo.wait("the receiver applied the engagement webhooks", engagement_applied)
    await demo.tool("orchestrator", "trigger_payment_flow", {"campaign_id": campaign_id, "min_score": 20,
                                                              "price_id": price_id})
    converted = await demo.tool("orchestrator", "trigger_payment_flow", {
        "campaign_id": campaign_id, "min_score": 20, "price_id": price_id, "confirm": True})
    sent = [lead for lead in converted["leads"] if lead["status"] == "link_sent"]
    if not sent:
        raise StepFailed("no payment link was sent")
    buyer = sent[0]
    demo.sandbox("instantly", "tick", {"campaign_id": campaign_id},
                 lambda o: f"second step (with {{{{payment_link}}}}) sent: {o.get('sent')} emails")
    demo.sandbox("instantly", "webhooks/drain", {"timeout": 10},
                 lambda o: f"webhooks delivered to the receiver: {o.get('idle')}")
    links = await demo.tool("stripe", "stripe_list", {"kind": "payment_links", "limit": 100})
    link_id = next(i["id"] for i in links["items"] if i.get("url") == buyer["payment_link_url"])
    demo.sandbox("stripe", f"payment_links/{link_id}/pay", {"email": buyer["email"], "name": "Demo Buyer"},
                 lambda o: f"{buyer['email']} paid; checkout {_short(o.get('checkout_session', o))}")

    async def is_customer() -> bool:
        found = await w.sessions["orchestrator"].call_tool("find_contacts", {"email": buyer["email"]})
        contacts = (found.structured_content or {}).get("contacts") or []
        return bool(contacts and contacts[0]["conversion_status"] == "customer")

    await demo.wait("the signed Stripe webhook made the buyer a customer", is_customer)

    async def in_onboarding() -> bool:
        found = await w.sessions["instantly"].call_tool("instantly_list_leads", {"campaign_id": onboarding_id})
        items = (found.structured_content or {}).get("items") or []
        return any(i.get("email") == buyer["email"] for i in items)

    await demo.wait("the buyer is in the post-purchase campaign", in_onboarding)
    await demo.tool("instantly", "instantly_list_leads", {"campaign_id": onboarding_id})
    await demo.tool("orchestrator", "funnel_report", {"campaign_id": campaign_id, "refresh": True})
    picture = next((c for c in demo.last.content if getattr(c, "type", "") == "image"), None)
    if picture is not None:
        path = out_dir / "funnel.png"
        path.write_bytes(base64.b64decode(picture.data))
        print(f"    funnel picture: {path}")
    await demo.tool("orchestrator", "revenue_attribution", {"campaign_id": campaign_id, "chart": False})
    await demo.tool("orchestrator", "list_events", {"limit": 5})


async def run(keep: bool, out_dir: Path) -> int:
    state = out_dir / "state"
    if not keep and state.exists():
        shutil.rmtree(state)
    state.mkdir(parents=True, exist_ok=True)
    run_no = run_number(state)
    world = World(state)
    demo = Demo(world, run_no)
    code = 0
    try:
        print("Starting the Instantly and Stripe sandboxes, the webhook receiver and the three MCP servers ...")
        if run_no > 1:
            print(f"Run {run_no} on kept state: fresh leads ({demo.leads[0]['email']}, ...) and new campaigns.")
        world.start_sandboxes()
        if run_no > 1:
            removed = world.remove_stale_webhooks()
            print(f"  removed {removed} webhooks of earlier runs (their receivers are gone)")
        world.start_receiver()
        await world.connect()
        print(f"  sandboxes: {world.instantly_url} (Instantly), {world.stripe_url} (Stripe); "
              f"receiver: {world.receiver_url}")
        await scenario(demo, out_dir)
    except StepFailed as exc:
        print(f"\nDEMO FAILED: {exc}\nLogs: {world.logs}", file=sys.stderr)
        code = 1
    finally:
        await world.close()
    print("\n| # | step | result | summary |\n|---|---|---|---|")
    for n, step, status, summary in demo.rows:
        print(f"| {n} | {step} | {status} | {summary.replace('|', '/')} |")
    if code == 0:
        print(f"\nDemo complete. Funnel picture: {out_dir / 'funnel.png'}")
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="orchestrator-mcp demo", description=__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the sandbox state of the previous run")
    parser.add_argument("--out", type=Path, default=ROOT / "demo-output", help="where the picture and state go")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    return asyncio.run(run(args.keep, args.out.resolve()))
