"""Each console script, started as a subprocess with no keys, answers initialize and tools/list over stdio."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from tests.conftest import subprocess_env

BIN = Path(sys.executable).parent
SCRIPTS = ["instantly-mcp", "stripe-mcp", "orchestrator-mcp"]


@pytest.mark.parametrize("script", SCRIPTS)
async def test_console_script_serves_stdio_without_keys(script: str, tmp_path: Path) -> None:
    errlog = tmp_path / "stderr.txt"
    params = StdioServerParameters(command=str(BIN / script), args=[], env=subprocess_env())
    with errlog.open("w", encoding="utf-8") as err:
        async with stdio_client(params, errlog=err) as (read, write), ClientSession(read, write) as session:
            init = await session.initialize()  # the handshake Claude Desktop and Cursor use
            assert init.server_info.name == script.removesuffix("-mcp")
            tools = (await session.list_tools()).tools
            names = [t.name for t in tools]
            assert len(names) == len(set(names))
    if script == "orchestrator-mcp":
        assert "audit_log" in names
    assert "Traceback" not in errlog.read_text(encoding="utf-8")


@pytest.mark.parametrize("script", SCRIPTS)
def test_console_script_help(script: str) -> None:
    for args in (["--help"], ["auth", "--help"]):
        res = subprocess.run([str(BIN / script), *args], capture_output=True, text=True, timeout=60,
                             env=subprocess_env())
        assert res.returncode == 0, res.stderr
        assert "auth" in res.stdout or "status" in res.stdout


async def _tool_names(script: str, *args: str, **env: str) -> set[str]:
    params = StdioServerParameters(command=str(BIN / script), args=list(args), env=subprocess_env(**env))
    with open(os.devnull, "w", encoding="utf-8") as devnull:
        async with stdio_client(params, errlog=devnull) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            tools = (await session.list_tools()).tools
    return {t.name for t in tools}


async def test_read_only_and_toolsets_flags_and_env_filter_the_listing() -> None:
    everything = await _tool_names("instantly-mcp")
    read_only = await _tool_names("instantly-mcp", "--read-only")
    assert read_only < everything and "instantly_import_leads" not in read_only
    assert "instantly_list_leads" in read_only and "instantly_delete" not in read_only
    assert await _tool_names("stripe-mcp", "--toolsets", "reporting") == {"stripe_get_balance", "stripe_revenue"}
    via_env = await _tool_names("orchestrator-mcp", ORCHESTRATOR_READ_ONLY="1", ORCHESTRATOR_TOOLSETS="events")
    assert via_env == {"list_events"}
