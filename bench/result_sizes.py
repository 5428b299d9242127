"""B8: the largest result of each read tool on a large sandbox world (2,000 leads in 10 campaigns), against the
20 KB budget (text, and structured content as compact JSON). Calls go through an in-memory MCP client, so the
figures are what a model receives. Covers the Instantly and orchestrator read tools listed in CALLS; writes and
previews are not yet driven here."""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

import httpx
from mcp import Client

from bench.common import Row
from bench.servers import INSTANTLY_KEY, Served, instantly_sandbox, new_campaign
from shared.render import BUDGET

CAMPAIGNS = 10
LEADS_PER_CAMPAIGN = 200


async def _world(sb: Served) -> list[str]:
    ids = []
    async with httpx.AsyncClient(timeout=120, headers={"Authorization": f"Bearer {INSTANTLY_KEY}"}) as http:
        for c in range(CAMPAIGNS):
            cid = await new_campaign(sb, f"B8 campaign {c}")
            ids.append(cid)
            leads = [{"email": f"lead{c}-{i}@b8.example.com", "first_name": f"First{i}", "last_name": f"Last{i}",
                      "company_name": f"Company {i}", "website": f"https://company{i}.example.com",
                      "custom_variables": {"icebreaker": f"Saw your post about scaling team {i}", "industry": "SaaS",
                                           "subject_line": f"Idea for Company {i}"}}
                     for i in range(LEADS_PER_CAMPAIGN)]
            res = await http.post(f"{sb.url}/api/v2/leads/add", json={"campaign_id": cid, "leads": leads})
            res.raise_for_status()
    return ids


def _calls(campaign: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("instantly", "instantly_list_campaigns", {"limit": 1000}),
        ("instantly", "instantly_list_campaigns", {"campaign_id": campaign}),
        ("instantly", "instantly_list_leads", {}),
        ("instantly", "instantly_list_leads", {"limit": 1000}),
        ("instantly", "instantly_list_leads", {"campaign_id": campaign, "limit": 1000}),
        ("instantly", "instantly_campaign_analytics", {}),
        ("instantly", "instantly_list", {"kind": "lead_lists", "limit": 1000}),
        ("instantly", "instantly_list_accounts", {"limit": 1000}),
        ("instantly", "instantly_list_emails", {"limit": 100}),
        ("orchestrator", "find_contacts", {}),
        ("orchestrator", "funnel_report", {"chart": False}),
        ("orchestrator", "system_status", {}),
    ]


async def run() -> list[Row]:
    from instantly_mcp.server import build as instantly
    from orchestrator_mcp.server import build as orchestrator

    sizes: dict[str, tuple[int, int]] = {}
    errors: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        async with instantly_sandbox(tmp) as sb:
            campaigns = await _world(sb)
            saved = {k: os.environ.get(k) for k in ("INSTANTLY_BASE_URL", "INSTANTLY_API_KEY", "ISMCP_STORE_PATH")}
            os.environ.update(INSTANTLY_BASE_URL=sb.url, INSTANTLY_API_KEY=INSTANTLY_KEY,
                              ISMCP_STORE_PATH=f"{tmp}/store.sqlite")
            try:
                builders = {"instantly": instantly, "orchestrator": orchestrator}
                for server, tool, args in _calls(campaigns[0]):
                    async with Client(builders[server]()) as client:
                        result = await client.call_tool(tool, args)
                    text = sum(len(c.text) for c in result.content if getattr(c, "type", "") == "text")
                    structured = len(json.dumps(result.structured_content or {}, separators=(",", ":")))
                    if result.is_error:
                        errors[tool] = result.content[0].text[:120]
                    old = sizes.get(tool, (0, 0))
                    sizes[tool] = (max(old[0], text), max(old[1], structured))
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
    worst = max(max(t, s) for t, s in sizes.values())
    over = {k: v for k, v in sizes.items() if max(v) > BUDGET}
    return [Row(
        id="B8", what=f"largest result, {len(sizes)} read tools, {CAMPAIGNS * LEADS_PER_CAMPAIGN:,} leads in "
                      f"{CAMPAIGNS} campaigns",
        figure=f"{worst} B largest", goal=f"<= {BUDGET} B text and structured", verdict="missed" if over else "met",
        detail=[f"per tool (text B, structured B): {json.dumps(sizes, separators=(',', ':'))}"]
        + ([f"errors: {json.dumps(errors)}"] if errors else []),
        note=f"over: {sorted(over)}" if over else "",
    )]
