"""What every one of the three servers shows a model and a user: instructions, unknown arguments, toolsets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from shared.deps import ServerOptions
from tests.conftest import subprocess_env

BIN = Path(sys.executable).parent


def build(server: str) -> Any:
    if server == "instantly":
        from instantly_mcp.server import build as make
    elif server == "stripe":
        from stripe_mcp.server import build as make
    else:
        from orchestrator_mcp.server import build as make
    return make(ServerOptions())


SERVERS = ["instantly", "stripe", "orchestrator"]


@pytest.mark.parametrize("server", SERVERS)
async def test_instructions_say_how_the_servers_divide_the_work_and_what_runs_by_itself(server: str) -> None:
    async with Client(build(server)) as client:
        text = client.instructions or ""
    assert len(text) < 1500  # a few lines, read on every session
    for part in ("instantly (cold email", "stripe (payments", "orchestrator (joins them",
                 "payment starts the post-purchase sequence", "failed renewal starts dunning",
                 "cancellation starts win-back", "payment link if auto_payment_flow is on",
                 "webhook receiver", "sync_now", "sandbox mode"):
        assert part in text, (server, part)


@pytest.mark.parametrize(("server", "tool", "arguments", "valid"), [
    ("instantly", "instantly_list_campaigns", {"name": "Q4 outreach"}, ["search", "limit"]),
    ("stripe", "stripe_list", {"type": "customer", "emial": "ada@example.com"}, ["type", "limit"]),
    ("orchestrator", "funnel_report", {"campaign": "Q4 outreach"}, ["campaign_id"]),
])
async def test_an_argument_a_tool_does_not_take_is_an_error_on_every_server(
        server: str, tool: str, arguments: dict[str, Any], valid: list[str]) -> None:
    async with Client(build(server)) as client:
        result = await client.call_tool(tool, arguments)
    assert result.is_error
    text = result.content[0].text
    unknown = next(k for k in arguments if k not in ("type",))
    assert f"`{unknown}`" in text and "Nothing was done" in text
    for name in valid:
        assert name in text, text


@pytest.mark.parametrize(("script", "argv", "env", "valid"), [
    ("instantly-mcp", ["--toolsets", "campaigns,nope"], {}, "accounts, admin, analytics, campaigns"),
    ("stripe-mcp", [], {"STRIPE_TOOLSETS": "payment"}, "billing, catalog, customers"),
    ("orchestrator-mcp", ["serve", "--toolsets", "reprots"], {}, "admin, contacts, events"),
])
def test_an_unknown_toolset_stops_the_start_and_lists_the_valid_names(
        script: str, argv: list[str], env: dict[str, str], valid: str) -> None:
    res = subprocess.run([str(BIN / script), *argv], capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL, env=subprocess_env(**env))
    assert res.returncode == 2, res.stderr
    assert "Unknown toolset" in res.stderr and valid in res.stderr
    assert res.stdout == ""  # stdout is the protocol: nothing there
