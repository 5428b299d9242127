"""A seeded starting world for sandbox mode, the same every time: sending accounts with warmup, outreach
campaigns whose leads carry the seed scenarios' custom variables, lifecycle campaigns, a few days of
engagement, and a Stripe catalogue. Built through the sandboxes' public APIs and simulation controls, so it
is what a user's own calls would have made.
"""

from __future__ import annotations

from typing import Any

from orchestrator_mcp.simulation.sandboxes import Sandboxes

SENDERS = ["alex.rivera@sandbox-outreach.com", "jordan.lee@sandbox-outreach.com"]
SCHEDULE = {"schedules": [{"name": "Weekdays", "timing": {"from": "09:00", "to": "17:00"},
                           "days": {str(d): True for d in range(1, 6)}, "timezone": "America/Chicago"}]}

OUTREACH = {
    "Q4 outreach": [
        ("{{subject_line}}", "Hi {{firstName}},<br/>{{icebreaker}}. We audit growth funnels for {{industry}} teams "
                             "like {{companyName}}; want a look at {{website}}?", 2),
        ("Your growth audit, {{firstName}}", "Here it is: {{payment_link}} ({{payment_amount}}).", 3),
        ("", "Last note, {{firstName}}: happy to walk you through it.", 0),
    ],
    "Founders": [
        ("{{subject_line}}", "Hi {{firstName}},<br/>{{icebreaker}}. Founders in {{industry}} use our Pro plan to "
                             "run outbound without a team.", 3),
        ("Pro plan for {{companyName}}", "Start here: {{payment_link}} ({{payment_amount}}/month).", 0),
    ],
}
LIFECYCLE = {
    "Welcome": ("post_purchase", "Welcome aboard, {{firstName}}", "Thanks for buying! Here is how we start."),
    "Card problems": ("dunning", "Your card needs attention", "Your last payment did not go through: {{invoice_url}}"),
    "Renewal reminder": ("renewal", "Your plan renews soon", "Your plan renews soon; reply with any questions."),
    "Win-back": ("win_back", "We miss you, {{firstName}}", "Come back with 20% off your first month."),
}

PEOPLE = [  # first, last, company, industry
    ("Ada", "Lovelace", "Acme Analytics", "SaaS"), ("Bob", "Martin", "Boltworks", "Manufacturing"),
    ("Cyd", "Charisse", "Cyan Labs", "SaaS"), ("Dev", "Patel", "DeltaOps", "DevOps"),
    ("Eve", "Adams", "Evergreen Health", "Healthcare"), ("Finn", "Walsh", "Fjord Finance", "Fintech"),
    ("Gia", "Russo", "Gemstone Retail", "E-commerce"), ("Hugo", "Berg", "Harbor Logistics", "Logistics"),
    ("Iris", "Novak", "Indigo Apps", "SaaS"), ("Jay", "Kim", "Jetstream AI", "SaaS"),
    ("Kai", "Sato", "Kelp Foods", "E-commerce"), ("Lea", "Moreau", "Lumen Studio", "Agency"),
    ("Max", "Weber", "Mosaic HR", "SaaS"), ("Nia", "Okafor", "Nimbus Cloud", "SaaS"),
    ("Omar", "Haddad", "Orbit Media", "Agency"), ("Pia", "Larsen", "Pine Legal", "Legal"),
    ("Quinn", "Reyes", "Quartz Security", "Security"), ("Rae", "Stone", "Ridge Fitness", "Consumer"),
    ("Sol", "Vega", "Sunbeam Energy", "Energy"), ("Tess", "Young", "Tidal Games", "Gaming"),
]
SPLIT = {"Q4 outreach": PEOPLE[:12], "Founders": PEOPLE[12:]}
# (campaign, lead index in its campaign, events) -- a few days of history after the first step went out
HISTORY = [
    ("Q4 outreach", [0], ["opened", "clicked", "replied", "interested"]),
    ("Q4 outreach", [1, 2], ["opened", "clicked"]),
    ("Q4 outreach", [3, 4, 5], ["opened"]),
    ("Q4 outreach", [6], ["bounced"]),
    ("Founders", [0], ["opened", "replied", "meeting_booked"]),
    ("Founders", [1, 2, 3], ["opened"]),
]
PRODUCTS = [  # name, description, unit amount (cents), recurring interval or None
    ("Growth Audit", "A one-off audit of your growth funnel, delivered in a week.", 49900, None),
    ("Pro plan", "Outbound on autopilot, billed monthly.", 4900, "month"),
    ("Founder Workshop seat", "One seat at the live founder workshop (event registration).", 9900, None),
]
REPLY = "Thanks, this looks interesting. What would the audit cost?"


def email_of(first: str, company: str) -> str:
    return f"{first.lower()}@{company.lower().replace(' ', '')}.io"


def lead_rows(campaign: str) -> list[dict[str, Any]]:
    rows = []
    for first, last, company, industry in SPLIT[campaign]:
        domain = company.lower().replace(" ", "")
        rows.append({"email": email_of(first, company), "first_name": first, "last_name": last,
                     "company_name": company, "website": f"https://{domain}.io", "custom_variables": {
                         "icebreaker": f"Loved what {company} is doing in {industry}",
                         "subject_line": f"A growth idea for {company}", "website": f"https://{domain}.io",
                         "industry": industry}})
    return rows


def _steps(steps: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
    return [{"steps": [{"type": "email", "delay": delay, "variants": [{"subject": s, "body": b}]}
                       for s, b, delay in steps]}]


async def _campaign(sb: Sandboxes, name: str, steps: list[tuple[str, str, int]], senders: list[str]) -> str:
    made = await sb.instantly_api("POST", "campaigns", {"name": name, "campaign_schedule": SCHEDULE,
                                                        "sequences": _steps(steps), "email_list": senders})
    await sb.instantly_api("POST", f"campaigns/{made['id']}/activate", {})
    return str(made["id"])


async def seed_world(sb: Sandboxes) -> dict[str, Any]:
    """Build the world in freshly reset sandboxes; returns what was made and the webhook bodies it emitted."""
    campaigns: list[dict[str, Any]] = []
    for name, steps in OUTREACH.items():
        senders = SENDERS if name == "Q4 outreach" else SENDERS[1:]
        cid = await _campaign(sb, name, steps, senders)
        await sb.instantly_api("POST", "leads/add", {"campaign_id": cid, "leads": lead_rows(name)})
        campaigns.append({"name": name, "id": cid, "leads": len(SPLIT[name]), "role": None})
    for name, (role, subject, body) in LIFECYCLE.items():
        cid = await _campaign(sb, name, [(subject, body, 0)], SENDERS[:1])
        campaigns.append({"name": name, "id": cid, "leads": 0, "role": role})
    sent = await sb.instantly("simulate/time", {"seconds": 0})  # the first step goes out to every lead
    payloads = list(sent["payloads"])
    for campaign, indexes, events in HISTORY:
        emails = [email_of(SPLIT[campaign][i][0], SPLIT[campaign][i][2]) for i in indexes]
        done = await sb.instantly("simulate/engage", {"events": events, "campaign": campaign, "emails": emails,
                                                      "text": REPLY})
        payloads += done["payloads"]
    products = []
    for name, description, amount, interval in PRODUCTS:
        form = {"name": name, "description": description, "default_price_data[currency]": "usd",
                "default_price_data[unit_amount]": str(amount)}
        if interval:
            form["default_price_data[recurring][interval]"] = interval
        prod = await sb.stripe_api("POST", "products", form, key=f"seed-product-{name}")
        products.append({"name": name, "product_id": prod["id"], "price_id": prod["default_price"],
                         "amount": amount, "currency": "usd", "interval": interval})
    accounts = (await sb.instantly_api("GET", "accounts?limit=100"))["items"]
    return {
        "accounts": [{"email": a["email"], "warmup": "on" if a.get("warmup_status") == 1 else "paused",
                      "status": "active" if a.get("status") == 1 else str(a.get("status"))} for a in accounts],
        "campaigns": campaigns, "products": products, "emails_sent": sent["sent"], "payloads": payloads,
    }
