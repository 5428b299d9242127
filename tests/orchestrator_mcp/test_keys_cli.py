"""`orchestrator-mcp keys generate|status|rotate` as a user runs it on a headless machine (keys in variables),
and replay_event refusing an event whose payload the retention purge blanked."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import update

from shared.store import open_store
from shared.store.crypto import new_key
from shared.store.schema import events
from tests.conftest import subprocess_env
from tests.orchestrator_mcp.conftest import client

BIN = Path(sys.executable).parent


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "orchestrator-mcp"), *args], capture_output=True, text=True, timeout=120,
                          env=subprocess_env(**env))


def test_generate_status_and_rotate() -> None:
    made = cli("keys", "generate").stdout.strip()
    assert len(made) == 43 and made != cli("keys", "generate").stdout.strip()
    data, index = new_key(), new_key()
    status = cli("keys", "status", ISMCP_DATA_KEY=data, ISMCP_INDEX_KEY=index)
    assert status.returncode == 0 and "encrypted (AES-256-GCM)" in status.stdout
    assert data not in status.stdout and index not in status.stdout  # ids only, never a key
    refused = cli("keys", "status", ISMCP_INDEX_KEY=index)
    assert refused.returncode != 0 and "ISMCP_DATA_KEY" in refused.stderr and "Traceback" not in refused.stderr
    same = cli("keys", "rotate", ISMCP_DATA_KEY=data, ISMCP_INDEX_KEY=index)
    assert same.returncode == 1 and "holds the current key" in same.stderr
    fresh = new_key()
    rotated = cli("keys", "rotate", "--batch", "2", ISMCP_DATA_KEY=fresh, ISMCP_OLD_DATA_KEY=data, ISMCP_INDEX_KEY=index)
    assert rotated.returncode == 0, rotated.stderr
    assert "rotation started" in rotated.stdout and "rotation finished" in rotated.stdout
    assert "encrypted (AES-256-GCM)" in cli("keys", "status", ISMCP_DATA_KEY=fresh, ISMCP_INDEX_KEY=index).stdout
    assert cli("keys", "status", ISMCP_DATA_KEY=data, ISMCP_INDEX_KEY=index).returncode != 0


async def test_a_purged_event_is_not_replayed() -> None:
    store = await open_store()
    try:
        await store.record_event("instantly", "e1", "reply_received", {"lead_email": "a@b.io"})
        (ev,) = await store.list_events()
        await store.mark_processed(ev.id)
        async with store.write() as conn:
            await conn.execute(update(events).values(processed_at=time.time() - 40 * 86400))
        from orchestrator_mcp.retention import run_retention

        assert (await run_retention(store))["removed"]["event_payloads"] == 1
    finally:
        await store.close()
    async with client() as c:
        res = await c.call_tool("replay_event", {"id": ev.id, "rerun_side_effects": True})
        assert res.is_error and "purged by the retention policy" in res.content[0].text
