"""Start-up stays light: building a server (what `initialize` waits for) loads neither SQLAlchemy nor Alembic, the
store's drivers or the Stripe SDK in a server that does not need it yet, nor, in the orchestrator, Instantly's tool
modules. They load on first use (B4 in bench/
measures the time; this only guards against an eager import creeping back, as one did in events/processor.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sqlalchemy", "alembic", "aiosqlite", "asyncpg")
PROBE = """
import json, sys
import {pkg}.server as server
server.build()
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


@pytest.mark.parametrize(("pkg", "also"), [("instantly_mcp", ("stripe",)), ("stripe_mcp", ()),
                                           # the orchestrator uses Instantly's input models, not its tool modules
                                           ("orchestrator_mcp", ("stripe", "instantly_mcp.tools.leads",
                                                                 "instantly_mcp.tools.campaigns"))])
def test_building_a_server_loads_no_store_or_sdk(pkg: str, also: tuple[str, ...]) -> None:
    heavy = (*HEAVY, *also)
    done = subprocess.run([sys.executable, "-c", PROBE.format(pkg=pkg, heavy=heavy)], capture_output=True, text=True,
                          timeout=60, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
