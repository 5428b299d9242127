"""B5's budgets as a test: the model-facing size of tools/list per server and in total (issue 14 §4)."""

from __future__ import annotations

import pytest

from bench.footprint import BUDGETS, TOTAL_BUDGET, measure

# Measured 2026-12-01 on main (bench/footprint.py), normal mode: instantly 15,773 B, stripe 11,840 B, orchestrator
# 11,953 B (16 tools), total 39,566 B: every budget met, the orchestrator's by 47 B. A new tool or option has to
# fold into an existing one (issue 15: "fold, don't pile up").


@pytest.mark.parametrize("server", list(BUDGETS))
async def test_each_servers_tools_list_fits_its_budget(server: str) -> None:
    sizes = await measure()
    facing = sum(sizes[server]["per_tool"].values())  # type: ignore[union-attr]
    assert facing <= BUDGETS[server], f"{server}: {facing} B > {BUDGETS[server]} B"


async def test_all_three_fit_the_total_budget() -> None:
    sizes = await measure()
    total = sum(sum(data["per_tool"].values()) for data in sizes.values())  # type: ignore[union-attr]
    assert total <= TOTAL_BUDGET, f"{total} B > {TOTAL_BUDGET} B"


async def test_the_measure_counts_every_published_tool() -> None:
    sizes = await measure()
    counts = {name: len(data["per_tool"]) for name, data in sizes.items()}  # type: ignore[arg-type]
    assert set(counts) == set(BUDGETS) and all(n > 5 for n in counts.values())
    for data in sizes.values():
        assert all(size > 100 for size in data["per_tool"].values())  # type: ignore[union-attr]


async def test_the_orchestrator_lists_no_simulation_tool_with_real_keys() -> None:
    """Normal (non-sandbox) mode, as a user with real keys sees it: the simulation tools are listed only in sandbox
    mode, so they never count against the budget a real user's client pays for."""
    per_tool: dict[str, int] = (await measure())["orchestrator"]["per_tool"]  # type: ignore[assignment]
    assert per_tool and not any(name.startswith(("simulate_", "sandbox_")) for name in per_tool)
