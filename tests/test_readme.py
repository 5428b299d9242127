"""The README stays true: every tool of every server is listed, and the two commands are there."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.tooling import Toolbox

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def boxes() -> list[Toolbox]:
    from instantly_mcp.tools import TOOLBOX as instantly
    from orchestrator_mcp.tools import TOOLBOX as orchestrator
    from stripe_mcp.tools import TOOLBOX as stripe

    return [instantly, stripe, orchestrator]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_every_tool_is_in_the_readme(index: int) -> None:
    box = boxes()[index]
    missing = [s.name for s in box.specs if f"`{s.name}`" not in README]
    assert not missing, f"README does not list: {missing}"
    for toolset in box.toolsets:
        assert f"**{toolset}**" in README, toolset


def test_tool_names_are_unique_across_servers() -> None:
    names = [s.name for box in boxes() for s in box.specs]
    assert len(names) == len(set(names))


def test_the_two_commands() -> None:
    assert "make demo" in README and "make test" in README
