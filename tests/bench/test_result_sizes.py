"""The size budget on every tool (issue 14): every tool of the three servers, called through an in-memory MCP client
on a large sandbox world (2,000 leads in 10 campaigns; bench/size_world.py) with the arguments in
bench/result_sizes.CALLS, returns at most BUDGET bytes of text and at most BUDGET bytes of structured content (as
compact JSON). A tool listed by a server but missing from CALLS fails here, by name."""

from __future__ import annotations

import asyncio

import pytest

from bench.result_sizes import CALLS, Report, measure
from shared.render import BUDGET


@pytest.fixture(scope="module")
def report() -> Report:
    return asyncio.run(measure())


def test_every_listed_tool_has_arguments_in_the_table(report: Report) -> None:
    assert report.missing == [], f"add these tools to bench/result_sizes.CALLS: {report.missing}"
    assert report.stale == [], f"CALLS names tools no server lists (renamed?): {report.stale}"
    called = {m.tool for m in report.results}
    assert called == {t for tools in report.listed.values() for t in tools}
    assert {"simulate_engagement", "sandbox_reset", "sync_now", "instantly_list_leads"} <= called


def test_every_result_is_within_the_budget(report: Report) -> None:
    over = [f"{m.tool}({m.args}): text {m.text} B, structured {m.structured} B" for m in report.over()]
    assert over == [], f"over {BUDGET} B: {over}"


def test_the_calls_succeed_so_the_sizes_are_real(report: Report) -> None:
    errors = [f"{m.tool}({m.args}): {m.error}" for m in report.results if m.error]
    assert errors == []
    # the world is large: results that would be far over the budget unshortened are measured
    per_tool = report.per_tool()
    assert per_tool["instantly_list_leads"].structured > BUDGET // 2
    assert sum(len(calls) for calls in CALLS.values()) == len(report.results)


async def test_an_error_about_2000_items_is_one_line_within_the_budget() -> None:
    """Invalid arguments name each kind of problem once with how many items have it, not once per item (2,000
    leads with one typo were a 105 KB error); any error text is held to the budget like a result."""
    from mcp import Client

    from instantly_mcp.server import build

    leads = [{"email": f"lead{i}@example.com", "frist_name": "Ada"} for i in range(2000)]
    async with Client(build()) as client:
        result = await client.call_tool("instantly_import_leads", {"campaign_id": "Q4 outreach", "leads": leads})
    text = result.content[0].text
    assert result.is_error and len(text.encode()) <= BUDGET
    assert "`leads[*].frist_name` is not a key of `leads[*]`; valid keys: first_name, last_name" in text
    assert "(2,000 items: leads[0].frist_name" in text and text.count("frist_name") == 4
