"""The large sandbox world the size budget is checked on (B8 and tests/bench/test_result_sizes.py): 2,000 leads in
10 active campaigns with the first step sent and some engagement, lead lists, tags, a block list, webhooks; in
Stripe a catalogue, 120 customers (30 who paid a link), subscriptions, a dispute and invoices. Built straight through
the sandboxes' HTTP APIs and simulation controls (what a user's own calls would have made), fast enough for a test.

`build(instantly_url, stripe_url)` returns the placeholders the argument table in bench/result_sizes.py uses.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

INSTANTLY_KEY = "sandbox-instantly-key"  # the keys the sandboxes accept (instantly_mcp.deps / stripe_mcp.deps)
STRIPE_KEY = "sk_test_sandbox"
CAMPAIGNS = 10
LEADS_PER_CAMPAIGN = 200
BUYERS = 30  # customers who paid a payment link
CUSTOMERS = 80  # and customers who did not
SUBSCRIBERS = 10
PRODUCTS = 30
SCHEDULE = {"schedules": [{"name": "Weekdays", "timing": {"from": "00:00", "to": "23:59"},
                           "days": {str(d): True for d in range(7)}, "timezone": "America/Chicago"}]}
STEPS = [{"steps": [
    {"type": "email", "delay": 2, "variants": [{"subject": "{{subject_line}}",
                                               "body": "Hi {{firstName}},<br/>{{icebreaker}}. {{payment_link}}"}]},
    {"type": "email", "delay": 3, "variants": [{"subject": "Following up, {{firstName}}", "body": "Any thoughts?"}]},
]}]


def lead(c: int, i: int, domain: str = "b8.example.com") -> dict[str, Any]:
    return {"email": f"lead{c}-{i}@{domain}", "first_name": f"First{i}", "last_name": f"Last{i}",
            "company_name": f"Company {c}-{i}", "website": f"https://company{c}-{i}.example.com",
            "custom_variables": {"icebreaker": f"Saw your post about scaling team {i}", "industry": "SaaS",
                                 "subject_line": f"Idea for Company {c}-{i}"}}


def new_leads(n: int, domain: str = "new.example.com") -> list[dict[str, Any]]:
    """n leads for an import: a fifth already in the world (duplicates), a few invalid emails, the rest new."""
    out = []
    for i in range(n):
        if i % 5 == 0:
            out.append(lead(i % CAMPAIGNS, i // 5 % LEADS_PER_CAMPAIGN))
        elif i % 97 == 0:
            out.append({"email": f"not-an-email-{i}", "first_name": f"Bad{i}"})
        else:
            out.append(lead(99, i, domain))
    return out


class _Api:
    def __init__(self, instantly_url: str, stripe_url: str) -> None:
        self.i, self.s = instantly_url.rstrip("/"), stripe_url.rstrip("/")
        self.http = httpx.AsyncClient(timeout=300)

    async def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        res = await self.http.request(method, url, **kwargs)
        res.raise_for_status()
        return res.json()

    async def instantly(self, method: str, path: str, body: Any = None) -> Any:
        return await self._call(method, f"{self.i}/api/v2/{path}", json=body,
                                headers={"Authorization": f"Bearer {INSTANTLY_KEY}"})

    async def instantly_control(self, path: str, body: Any) -> Any:
        return await self._call("POST", f"{self.i}/_sandbox/{path}", json=body)

    async def stripe(self, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
        return await self._call(method, f"{self.s}/v1/{path}", data=data,
                                headers={"Authorization": f"Bearer {STRIPE_KEY}"})

    async def stripe_control(self, path: str, body: Any) -> Any:
        return await self._call("POST", f"{self.s}/_sandbox/{path}", json=body)


async def _instantly(api: _Api) -> dict[str, Any]:
    await api.instantly_control("config", {"rate_limits": False})  # sizes, not the API's pace, are measured here
    senders = [a["email"] for a in (await api.instantly("GET", "accounts?limit=100"))["items"]]
    for n in range(8):  # more sending accounts than the default page
        email = f"sender{n}@b8-outreach.example.com"
        await api.instantly_control("accounts", {"email": email, "warmup_status": 1})
        senders.append(email)
    campaigns: list[str] = []
    for c in range(CAMPAIGNS):
        made = await api.instantly("POST", "campaigns", {"name": f"B8 campaign {c}", "campaign_schedule": SCHEDULE,
                                                         "sequences": STEPS, "email_list": senders})
        campaigns.append(str(made["id"]))
        await api.instantly("POST", "leads/add", {"campaign_id": made["id"],
                                                  "leads": [lead(c, i) for i in range(LEADS_PER_CAMPAIGN)]})
        await api.instantly("POST", f"campaigns/{made['id']}/activate", {})
    await api.instantly_control("simulate/time", {"seconds": 0})  # the first step goes out to every lead
    for c in range(3):  # engagement: opens everywhere, replies and interest in a few campaigns
        emails = [f"lead{c}-{i}@b8.example.com" for i in range(60)]
        await api.instantly_control("simulate/engage", {"events": ["opened", "clicked", "replied"],
                                                        "campaign": campaigns[c], "emails": emails,
                                                        "text": "Sounds interesting, what does it cost? " * 3})
        await api.instantly_control("simulate/engage", {"events": ["interested"], "campaign": campaigns[c],
                                                        "emails": emails[:20]})
    lists = []
    for n in range(40):
        made = await api.instantly("POST", "lead-lists", {"name": f"B8 list {n}"})
        lists.append(str(made["id"]))
    await api.instantly("POST", "leads/add", {"list_id": lists[0],
                                              "leads": [lead(50, i, "list.example.com") for i in range(300)]})
    tags = [str((await api.instantly("POST", "custom-tags", {"label": f"tag {n}"}))["id"]) for n in range(60)]
    await api.instantly("POST", "block-lists-entries/bulk-create",
                        {"bl_values": [f"blocked{n}.example.org" for n in range(400)]})
    idle = await api.instantly("POST", "campaigns", {"name": "B8 idle campaign", "campaign_schedule": SCHEDULE,
                                                     "sequences": STEPS})
    hooks = [str((await api.instantly("POST", "webhooks", {  # on a campaign that never sends: no delivery load
        "target_hook_url": f"{api.i}/_sandbox/health?hook={n}", "event_type": "all_events",
        "campaign": idle["id"]}))["id"]) for n in range(30)]
    job = await api.instantly("POST", "leads/move", {"campaign": campaigns[9], "to_list_id": lists[1],
                                                     "copy_leads": True, "limit": 10})
    leads = (await api.instantly("POST", "leads/list", {"campaign": campaigns[0], "limit": 5}))["items"]
    emails = (await api.instantly("GET", "emails?limit=5&email_type=received"))["items"]
    return {"senders": senders, "campaigns": campaigns, "campaign": campaigns[0], "campaign_name": "B8 campaign 0",
            **{f"campaign{n}": cid for n, cid in enumerate(campaigns)}, "job": str(job.get("id", "")),
            "emails100": [f"lead1-{i}@b8.example.com" for i in range(100)],
            "emails2000": [lead(c, i)["email"] for c in range(CAMPAIGNS) for i in range(LEADS_PER_CAMPAIGN)],
            "blocks": [f"spam{n}.example.net" for n in range(500)],
            "other": campaigns[1], "list": lists[0], "list2": lists[2], "lists": lists, "tags": tags, "webhook": hooks[0],
            "lead": str(leads[0]["id"]), "lead_email": str(leads[0]["email"]),
            "reply": str(emails[0]["id"]) if emails else ""}


async def _stripe(api: _Api) -> dict[str, Any]:
    await api.stripe_control("config", {"search_lag_seconds": 0})
    prices: list[str] = []
    products: list[str] = []
    for n in range(PRODUCTS):
        form = {"name": f"B8 product {n}", "description": f"Product {n} of the B8 catalogue",
                "default_price_data[currency]": "usd", "default_price_data[unit_amount]": str(1000 + n * 100)}
        prod = await api.stripe("POST", "products", form)
        products.append(prod["id"])
        prices.append(prod["default_price"])
    plan = await api.stripe("POST", "products", {"name": "B8 plan", "default_price_data[currency]": "usd",
                                                 "default_price_data[unit_amount]": "4900",
                                                 "default_price_data[recurring][interval]": "month"})
    monthly = plan["default_price"]
    link = await api.stripe("POST", "payment_links", {"line_items[0][price]": prices[0],
                                                      "line_items[0][quantity]": "1"})
    for n in range(BUYERS):  # buyers are leads of the first campaigns, so contacts join both sides
        await api.stripe_control(f"payment_links/{link['id']}/pay", {"email": f"lead{n % 3}-{n}@b8.example.com",
                                                                     "name": f"First{n} Last{n}"})
    for n in range(CUSTOMERS):  # more customers than a page of 100
        await api.stripe("POST", "customers", {"email": f"customer{n}@b8.example.com", "name": f"Customer {n}",
                                               "description": f"Imported customer number {n}"})
    subs = []
    for n in range(SUBSCRIBERS):
        cus = await api.stripe("POST", "customers", {"email": f"subscriber{n}@b8.example.com", "name": f"Sub {n}",
                                                     "payment_method": "pm_card_visa",
                                                     "invoice_settings[default_payment_method]": "pm_card_visa"})
        sub = await api.stripe("POST", "subscriptions", {"customer": cus["id"], "items[0][price]": monthly,
                                                         "default_payment_method": "pm_card_visa"})
        subs.append(sub["id"])
    charges = (await api.stripe("GET", "charges?limit=3"))["data"]
    dispute = await api.stripe_control(f"charges/{charges[0]['id']}/dispute", {"reason": "fraudulent"})
    customer = (await api.stripe("GET", "customers?limit=1"))["data"][0]
    return {"price": prices[0], "prices": prices, "product": products[0], "monthly": monthly, "link": link["id"],
            "customer": customer["id"], "customer_email": customer.get("email") or "", "subscription": subs[0],
            "subscriptions": subs, "charge": charges[1]["id"], "dispute": _dispute_id(dispute),
            "subscriber_email": "subscriber1@b8.example.com"}


def _dispute_id(made: Any) -> str:
    if isinstance(made, dict):
        if str(made.get("id", "")).startswith(("dp_", "du_")):
            return str(made["id"])
        for value in made.values():
            if isinstance(value, dict) and str(value.get("id", "")).startswith(("dp_", "du_")):
                return str(value["id"])
    return ""


async def build(instantly_url: str, stripe_url: str) -> dict[str, Any]:
    """Build the world in fresh sandboxes; the placeholders for the argument table."""
    api = _Api(instantly_url, stripe_url)
    try:
        instantly, stripe = await asyncio.gather(_instantly(api), _stripe(api))
    finally:
        await api.http.aclose()
    return {**instantly, **stripe, "leads2000": new_leads(2000), "sender": instantly["senders"][0]}
