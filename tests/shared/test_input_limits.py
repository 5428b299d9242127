"""Oversized ids and values are input errors that name the field, on every server, before any API call."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from instantly_mcp.server import build as build_instantly
from orchestrator_mcp.server import build as build_orchestrator
from shared.deps import ServerOptions
from stripe_mcp.server import build as build_stripe
from tests.orchestrator_mcp.conftest import Pipeline, pipeline

__all__ = ["pipeline"]
HUGE = "x" * 100_000

# (server, tool, arguments, the field the error must name)
CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("instantly", "instantly_list_campaigns", {"campaign_id": HUGE}, "campaign_id"),
    ("instantly", "instantly_update_lead", {"lead": "a@x.com", "campaign_id": HUGE}, "campaign_id"),
    ("instantly", "instantly_list_leads", {"campaign_id": HUGE}, "campaign_id"),
    ("instantly", "instantly_delete", {"kind": "webhook", "target": HUGE}, "target"),
    ("instantly", "instantly_import_leads", {"campaign_id": "c1", "leads": [{"email": "a@x.com"},
                                                                           {"email": HUGE + "@x.com"}]},
     "leads[1].email"),
    ("stripe", "stripe_get", {"id": HUGE}, "id"),
    ("stripe", "stripe_get", {"id": "cus_1\n" + HUGE}, "id"),
    ("stripe", "stripe_save_customer", {"name": HUGE}, "name"),
    ("stripe", "stripe_save_customer", {"customer": "cus_" + HUGE, "name": "A"}, "customer"),
    ("stripe", "stripe_save_customer", {"name": "A", "metadata": {"note": HUGE}}, "metadata.note"),
    ("orchestrator", "map_contact", {"email": HUGE, "to": "instantly"}, "email"),
    ("orchestrator", "find_contacts", {"email": HUGE + "@x.com", "journey": True}, "email"),
]
BUILD = {"instantly": build_instantly, "stripe": build_stripe, "orchestrator": build_orchestrator}


def api_calls(pipeline: Pipeline) -> int:
    instantly = sum(pipeline.instantly.stats()["requests"].values())
    stripe = pipeline.stripe_control("stats")["requests"]
    return instantly + int(stripe.get("total", sum(v for v in stripe.values() if isinstance(v, int))))


@pytest.mark.parametrize(("server", "tool", "args", "field"), CASES, ids=[f"{c[1]}-{c[3]}" for c in CASES])
async def test_oversized_values_are_input_errors_that_name_the_field(
        pipeline: Pipeline, server: str, tool: str, args: dict[str, Any], field: str) -> None:
    before = api_calls(pipeline)
    async with Client(BUILD[server](ServerOptions())) as client:
        result = await client.call_tool(tool, args)
    text = result.content[0].text
    assert result.is_error and "Unexpected internal error" not in text
    assert field in text and " is 100,00" in text and "at most" in text and len(text) < 1000, text[:500]
    assert api_calls(pipeline) == before


async def test_an_error_quoting_a_long_input_stays_short(pipeline: Pipeline) -> None:
    """Within the limits, an error that repeats the input is cut in the middle; its advice stays."""
    async with Client(build_orchestrator(ServerOptions())) as client:
        result = await client.call_tool("find_contacts", {"email": "y" * 30_000 + "@x.com", "journey": True})
    text = result.content[0].text
    assert result.is_error and len(text) < 2100 and "sync_now" in text
