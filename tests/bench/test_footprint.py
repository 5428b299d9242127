"""B5's budgets as a test: the model-facing size of tools/list per server and in total (issue 14 §4)."""

from __future__ import annotations

import pytest

from bench.footprint import BUDGETS, TOTAL_BUDGET, measure

# Measured 2026-12-01 05:15 on main (bench/footprint.py): instantly 15,773 B and stripe 11,840 B within budget;
# orchestrator 15,515 B (19 tools, normal mode, with issue 15 and 18 tools),
# total 43,128 B.
OVER = ("over budget: orchestrator 15.5 KB > 12 KB, total 43.1 KB > 40 KB; further consolidation pending "
        "(tool consolidation, issue 14 §4)")


# Servers whose tool consolidation is still pending; a server leaves this list when it meets its budget.
PENDING = {"orchestrator"}


@pytest.mark.parametrize("server", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=OVER)) if name in PENDING else name
    for name in BUDGETS
])
async def test_each_servers_tools_list_fits_its_budget(server: str) -> None:
    sizes = await measure()
    facing = sum(sizes[server]["per_tool"].values())  # type: ignore[union-attr]
    assert facing <= BUDGETS[server], f"{server}: {facing} B > {BUDGETS[server]} B"


@pytest.mark.xfail(strict=True, reason=OVER)
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
