"""Retention as a user runs it: `orchestrator-mcp retention run|show`, the purge_expired_data tool (a preview
first), and the receiver purging on its schedule."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from orchestrator_mcp.events.serve import build_app
from orchestrator_mcp.retention import LAST_RUN_KEY
from shared.asgi import BackgroundServer
from shared.deps import ServerOptions
from shared.store import open_store
from shared.store.schema import audit_log
from shared.store.scope import STORE_SCOPE
from tests.conftest import subprocess_env
from tests.orchestrator_mcp.conftest import call, client

BIN = Path(sys.executable).parent


async def _old_audit_entries(n: int) -> None:
    store = await open_store()
    try:
        for i in range(n):
            await store.record_audit("orchestrator", f"old_{i}", {}, "ok", 1.0)
        async with store.write() as conn:
            await conn.execute(update(audit_log).where(audit_log.c.tool.like("old_%"))
                               .values(at=time.time() - 10 * 86400))
    finally:
        await store.close()


def cli(*args: str) -> str:
    env = subprocess_env(ISMCP_RETENTION_AUDIT_DAYS="7", ISMCP_RETENTION_INACTIVE_CONTACT_DAYS="off")
    res = subprocess.run([str(BIN / "orchestrator-mcp"), *args], capture_output=True, text=True, timeout=120, env=env)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_retention_cli_reports_by_table() -> None:
    asyncio.run(_old_audit_entries(3))
    out = cli("retention", "run", "--dry-run")
    assert "audit entries: 7 days" in out and "contacts with no activity: kept" in out
    assert "would remove        3  audit entries" in out
    assert "removed        3  audit entries" in cli("retention", "run")
    assert "removed        0  audit entries" in cli("retention", "run")
    shown = cli("retention", "show")
    assert "oldest rows: unified_contacts empty" in shown and "next purge: in 24.0 h" in shown


async def test_purge_tool_previews_then_purges() -> None:
    await _old_audit_entries(2)
    async with client() as c:
        preview = await call(c, "purge_expired_data", {})
        assert preview["executed"] is False and preview["removed"]["audit_entries"] == 0  # 10 days < 365
    await _old_audit_entries(0)
    store = await open_store()
    try:
        # the app config sets a policy too (the installation's: under the store's own scope)
        await store.set_config("retention", {"audit_days": 5}, scope=STORE_SCOPE)
    finally:
        await store.close()
    async with client() as c:
        preview = await call(c, "purge_expired_data", {})
        assert preview["removed"]["audit_entries"] == 2 and "audit entries: 5 days" in preview["policy"]
        assert {a["tool"] for a in (await call(c, "audit_log", {"limit": 50}))["entries"]} >= {"old_0", "old_1"}
        done = await call(c, "purge_expired_data", {"confirm": True})
        assert done["executed"] is True and done["removed"]["audit_entries"] == 2
        assert not {"old_0", "old_1"} & {a["tool"] for a in (await call(c, "audit_log", {"limit": 50}))["entries"]}


async def test_the_receiver_purges_on_its_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISMCP_RETENTION_AUDIT_DAYS", "7")
    await _old_audit_entries(4)
    with BackgroundServer(build_app(ServerOptions(), interval=0.2)) as srv:
        deadline = time.monotonic() + 20
        store = await open_store()
        try:
            while (last := await store.get_config(LAST_RUN_KEY, scope=STORE_SCOPE)) is None:
                assert time.monotonic() < deadline
                httpx.get(f"{srv.url}/healthz", timeout=5)
                time.sleep(0.1)
        finally:
            await store.close()
    assert last["removed"]["audit_entries"] == 4
