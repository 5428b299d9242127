"""Two OS processes writing one SQLite store at once: no "database is locked" reaches a caller."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from shared.store import open_store
from tests.conftest import REPO

WRITER = r"""
import asyncio, sys
from shared.store import open_store

async def main(path, tag, n):
    store = await open_store(path)
    for i in range(n):
        await store.upsert_contact(f"{tag}-{i}@example.com", company=tag)
        await store.upsert_contact("shared@example.com", company=tag)
        await store.record_event("stripe", f"evt_{tag}_{i}", "invoice.paid", {"i": i})
        await store.record_event("stripe", f"evt_same_{i}", "invoice.paid", {"i": i})
        await store.record_audit(tag, "tool", {"i": i}, "ok", 1.0)
    await store.close()

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


async def test_two_processes_write_one_store(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    n = 150
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), tag, str(n)], cwd=REPO,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for tag in ("a", "b")
    ]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert "locked" not in err
    store = await open_store(str(path))
    contacts = await store.list_contacts(limit=1000)
    assert len(contacts) == 2 * n + 1
    counts = await store.event_counts()
    assert counts == {"pending": 2 * n + n}  # each writer's own events plus the shared ids once
    assert len(await store.list_audit(limit=1000)) == 2 * n
    await store.close()
