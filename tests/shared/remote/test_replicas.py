"""Two orchestrator replicas (separate processes, started the way a user starts them: `orchestrator-mcp serve
--transport http`) on one PostgreSQL store, behind a round-robin balancer: one client's requests alternate
between them and all succeed, including a long call with progress and a preview -> confirm pair whose two
halves land on different replicas."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from bench.balancer import RoundRobin
from shared.asgi import BackgroundServer, free_port
from shared.store import open_store
from tests.conftest import REPO, PostgresCluster, subprocess_env
from tests.orchestrator_mcp.conftest import Pipeline, pipeline  # noqa: F401 - the sandboxes fixture
from tests.shared.remote.support import call, client, new_token


@pytest.fixture
def pg_url(pg_cluster: PostgresCluster | str, monkeypatch: pytest.MonkeyPatch) -> str:
    if isinstance(pg_cluster, str):
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(pg_cluster)
        pytest.skip(pg_cluster)
    url = pg_cluster.new_database()
    monkeypatch.setenv("ISMCP_DATABASE_URL", url)
    return url


@asynccontextmanager
async def replicas(n: int, tmp: Path) -> AsyncIterator[list[str]]:
    """n replicas of `orchestrator-mcp serve --transport http`, each its own process, all on the test's store."""
    ports = [free_port() for _ in range(n)]
    procs = []
    for i, port in enumerate(ports):
        log = open(tmp / f"replica{i}.log", "wb")  # noqa: SIM115 - closed below
        env = subprocess_env(**{k: os.environ[k] for k in ("INSTANTLY_BASE_URL", "INSTANTLY_API_KEY",
                                                            "STRIPE_API_BASE", "STRIPE_API_KEY")})
        procs.append((subprocess.Popen(
            [sys.executable, "-m", "orchestrator_mcp", "serve", "--transport", "http", "--host", "127.0.0.1",
             "--port", str(port)], cwd=REPO, env=env, stdout=log, stderr=log), log))
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        deadline = time.monotonic() + 90
        async with httpx.AsyncClient() as http:
            for url, (proc, _log) in zip(urls, procs, strict=True):
                while True:
                    try:
                        if (await http.get(url + "/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    assert proc.poll() is None and time.monotonic() < deadline, \
                        (tmp / f"replica{urls.index(url)}.log").read_text()[-3000:]
                    await asyncio.sleep(0.1)
        yield urls
    finally:
        for proc, log in procs:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()


async def test_two_replicas_behind_round_robin_serve_one_client(pipeline: Pipeline, pg_url: str,  # noqa: F811
                                                                tmp_path: Path) -> None:
    token, _ = await new_token("default", "admin")  # auth on: the replicas verify it against the shared store
    store = await open_store()
    assert store.dialect == "postgresql"  # (the test id says sqlite: that is the db_engine default it ignores)
    await store.upsert_contact("ada@acme.io", first_name="Ada")
    async with replicas(2, tmp_path) as urls:
        balancer = RoundRobin(urls)
        with BackgroundServer(balancer) as lb:
            seen: list[tuple[float, float | None, str | None]] = []

            async def on_progress(done: float, total: float | None, message: str | None) -> None:
                seen.append((done, total, message))

            async with client(lb.url + "/mcp", token) as c:
                for _ in range(3):
                    assert (await call(c, "find_contacts", {"email": "ada@acme.io"}))["contacts"][0]["first_name"] == "Ada"
                await call(c, "sync_now", {}, progress_callback=on_progress)  # the long call, with progress
                preview = await call(c, "forget_contact", {"email": "ada@acme.io"})
                assert preview["executed"] is False
                assert await store.get_contact(email="ada@acme.io") is not None
                done = await call(c, "forget_contact", {"email": "ada@acme.io", "confirm": True})
                assert done["executed"] is True
    assert await store.get_contact(email="ada@acme.io") is None
    await store.close()

    assert len(seen) >= 4 and seen[0][2] == "polling Stripe events"
    calls = [(i, tool) for i, method, tool in balancer.log if method == "tools/call"]
    assert {i for i, _ in calls} == {0, 1}  # both replicas answered tool calls
    indices = [entry[0] for entry in balancer.log]
    assert all(a != b for a, b in zip(indices, indices[1:])), indices  # strictly alternating
    halves = [i for i, tool in calls if tool == "forget_contact"]
    assert len(halves) == 2 and halves[0] != halves[1]  # preview on one replica, confirm on the other
