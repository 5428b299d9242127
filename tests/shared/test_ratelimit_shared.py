"""Instantly's limits are per workspace: processes that share a store share the budget (shared/ratelimit_shared.py).

Three real processes call GET /api/v2/emails on the Instantly sandbox (its limit scaled down to 4 per 2 s for
speed, the client's to match) at the same moment, on SQLite and on PostgreSQL. Together they never get a 429:
the sandbox enforces the limit exactly, so no 429 means the shared budget was never exceeded. With the old
per-process limiter (ISMCP_RATE_LIMITS=local) each process counts only itself and the same run gets 429s."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mcp import Client
from sqlalchemy import select

from instantly_mcp.sandbox.app import create_app
from instantly_mcp.sandbox.core import SANDBOX_API_KEY
from instantly_mcp.server import build
from shared.asgi import BackgroundServer
from shared.deps import ServerOptions
from shared.store import open_store
from shared.store.schema import rate_limits
from tests.conftest import subprocess_env

BOTH_ENGINES = True
LIMIT, WINDOW = 4, 2.0
PROCESSES, CALLS = 3, 4

# One process of the installation: instantly-mcp's own dependencies (its client, its store), no retries, so a 429
# surfaces instead of being absorbed. Says "ready" once imported with its store open, then waits for "go" on stdin,
# so the three start together.
WORKER = """
import asyncio, json, sys
from instantly_mcp.deps import InstantlyDeps
from shared.deps import ServerOptions
from shared.errors import RateLimited
from shared.http import RetryPolicy

async def main(calls):
    deps = InstantlyDeps(ServerOptions(audit=False, extra={"instantly_retry": RetryPolicy(attempts=1)}))
    client = await deps.client()
    await deps.store()
    print("ready", flush=True)
    assert (await asyncio.to_thread(sys.stdin.readline)).strip() == "go"
    out = {"ok": 0, "limited": 0}
    for _ in range(calls):
        try:
            await client.get("/emails", {"limit": 1})
            out["ok"] += 1
        except RateLimited:
            out["limited"] += 1
    await deps.aclose()
    print(json.dumps(out))

asyncio.run(main(int(sys.argv[1])))
"""


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[str]:
    server = BackgroundServer(create_app(tmp_path / "instantly.sqlite")).start()
    try:
        httpx.post(f"{server.url}/_sandbox/config", json={"emails_limit": LIMIT, "emails_window": WINDOW},
                   timeout=10).raise_for_status()
        yield server.url
    finally:
        server.stop()


def _run_processes(url: str, processes: int = PROCESSES, calls: int = CALLS, **env: str) -> list[dict[str, int]]:
    environment = subprocess_env(INSTANTLY_BASE_URL=url, INSTANTLY_API_KEY=SANDBOX_API_KEY,
                                 **{"INSTANTLY_RATE_LIMIT_EMAILS": f"{LIMIT}/{WINDOW:g}", **env})
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(calls)], env=environment, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(processes)]
    for proc in procs:  # every process has imported and opened the store
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready", proc.communicate(timeout=120)
    for proc in procs:  # then all are let go at once
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def _served(url: str) -> tuple[int, int]:
    stats = httpx.get(f"{url}/_sandbox/stats", timeout=10).json()
    return stats["requests"].get("GET /api/v2/emails", 0), stats["responses_by_status"].get("429", 0)


def test_three_processes_share_the_emails_budget_and_never_get_a_429(sandbox: str) -> None:
    results = _run_processes(sandbox)
    assert [r["limited"] for r in results] == [0] * PROCESSES, results
    assert sum(r["ok"] for r in results) == PROCESSES * CALLS
    assert _served(sandbox) == (PROCESSES * CALLS, 0)


async def test_a_spent_budget_is_a_clear_error_saying_when_to_retry(
    sandbox: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another process spent the window; with no time to wait, the tool says so and when to retry, sends nothing,
    and the store names the workspace by a hash of its key, never the key."""
    results = _run_processes(sandbox, processes=1, calls=LIMIT, INSTANTLY_RATE_LIMIT_EMAILS=f"{LIMIT}/60")
    assert results == [{"ok": LIMIT, "limited": 0}]
    for name, value in {"INSTANTLY_RATE_LIMIT_EMAILS": f"{LIMIT}/60", "ISMCP_RATE_LIMIT_MAX_WAIT": "1",
                        "INSTANTLY_BASE_URL": sandbox, "INSTANTLY_API_KEY": SANDBOX_API_KEY}.items():
        monkeypatch.setenv(name, value)
    async with Client(build(ServerOptions(audit=False))) as client:
        result = await client.call_tool("instantly_list_emails", {"limit": 1})
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert "rate limit reached" in text and "shared by every process" in text, text
    assert "Try again in" in text and "seconds" in text, text
    assert _served(sandbox) == (LIMIT, 0)

    store = await open_store()
    try:
        async with store.read() as conn:
            keys = {row[0] for row in (await conn.execute(select(rate_limits.c.key))).all()}
    finally:
        await store.close()
    assert keys and all(k.startswith("instantly:") and SANDBOX_API_KEY not in k for k in keys), keys


async def test_limiters_on_one_store_never_grant_more_than_the_budget_and_lease_slices(tmp_path: Path) -> None:
    """Two limiters (as two processes would) on one store: 15 requests against 10 per minute grant exactly 10,
    the rest fail at once with the wait; a lease hands out many requests per database round trip."""
    from shared.ratelimit import Rate
    from shared.ratelimit_shared import Limit, RateBudgetSpent, SharedLimiter, account_hash

    store = await open_store()

    async def get() -> object:
        return store

    try:
        scarce = [Limit("scarce", Rate(10, 60.0), lease=1)]
        a, b = (SharedLimiter("Test", "key-1", scarce, get, max_wait=0) for _ in range(2))
        granted, refused = 0, []
        for i in range(15):
            try:
                await (a if i % 2 else b).acquire()
                granted += 1
            except RateBudgetSpent as exc:
                refused.append(exc.retry_after)
        assert granted == 10 and len(refused) == 5
        assert all(55 < wait <= 62 for wait in refused), refused
        other = SharedLimiter("Test", "key-2", scarce, get, max_wait=0)  # another account has its own budget
        await other.acquire()

        wide = [Limit("wide", Rate(1000, 60.0), lease=50)]
        fast = SharedLimiter("Test", "key-3", wide, get, max_wait=0)
        for _ in range(200):
            await fast.acquire()
        assert fast.round_trips <= 12, fast.round_trips
        async with store.read() as conn:
            rows = (await conn.execute(select(rate_limits.c.key, rate_limits.c.tokens))).all()
        per_key: dict[str, int] = {}
        for key, tokens in rows:
            per_key[key] = per_key.get(key, 0) + int(tokens)
        assert per_key[f"test:{account_hash('key-1')}:scarce"] == 10
        assert per_key[f"test:{account_hash('key-2')}:scarce"] == 1
        assert 200 <= per_key[f"test:{account_hash('key-3')}:wide"] <= 1000
    finally:
        await store.close()
