"""B10: tool calls per second through one orchestrator replica and through two, side by side in one run (the
layouts interleaved, round after round), over Streamable HTTP behind a round-robin balancer, with a bearer token,
on one store (PostgreSQL when its binaries are installed). Two tools: a read (find_contacts, store only) and
trigger_payment_flow against both sandboxes with 50 ms added latency, a fresh lead each call. The load is
`WORKERS` concurrent MCP clients in the benchmark process, each calling one after another; the balancer runs
in its own process."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from bench.common import Row
from bench.composite import add_leads, call, new_price
from bench.pg import postgres
from bench.servers import Served, instantly_sandbox, new_campaign, patched_env, pipeline_env, stripe_sandbox
from shared.asgi import free_port

LATENCY_MS = 50.0
WORKERS = 8
ROUNDS = 3
READ_CALLS = 15  # per worker per round
FLOW_CALLS = 4  # per worker per round


async def _token(env: dict[str, str]) -> str:
    from shared.store import open_store
    from shared.store.tokens import TokenBook

    with patched_env(env):
        store = await open_store()
        try:
            token, _ = await TokenBook(store).create("default", "admin", label="B10")
        finally:
            await store.close()
    return token


async def _load(url: str, token: str, tool: str, args: Callable[[int], dict[str, Any]], calls: int) -> float:
    """Calls per second: WORKERS clients, each making `calls` calls one after another (after one warm-up)."""
    counter = iter(range(10**9))

    async def worker(start: asyncio.Event, ready: list[int]) -> None:
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"},
                                      timeout=httpx2.Timeout(60.0)) as http:
            async with Client(streamable_http_client(url, http_client=http), mode="legacy") as c:  # type: ignore[arg-type]
                await call(c, tool, args(next(counter)))  # warm-up: connections, clients, the store
                ready.append(1)
                await start.wait()
                for _ in range(calls):
                    await call(c, tool, args(next(counter)))

    start, ready = asyncio.Event(), []
    tasks = [asyncio.create_task(worker(start, ready)) for _ in range(WORKERS)]
    while len(ready) < WORKERS:
        await asyncio.sleep(0.01)
        for t in tasks:
            if t.done() and t.exception():
                raise t.exception()  # type: ignore[misc]
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    return WORKERS * calls / (time.perf_counter() - began)


def _replica(tmp: str, n: int, env: dict[str, str]) -> Served:
    port = free_port()
    return Served(["-m", "orchestrator_mcp", "serve", "--transport", "http", "--host", "127.0.0.1", "--port",
                   str(port)], port, health="/healthz", log=Path(tmp, f"replica{n}.log"), **env)


async def run() -> list[Row]:
    from shared.logs import configure_logging

    configure_logging("WARNING")
    rates: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp, postgres() as pg_url:
        store_env = {"ISMCP_DATABASE_URL": pg_url} if pg_url else {"ISMCP_STORE_PATH": f"{tmp}/store.sqlite"}
        async with instantly_sandbox(tmp, LATENCY_MS) as instantly, stripe_sandbox(tmp, LATENCY_MS) as stripe:
            campaign = await new_campaign(instantly, "B10")
            emails = [f"buyer{n}@b10.example.com" for n in range(ROUNDS * 2 * WORKERS * (FLOW_CALLS + 1) + 10)]
            await add_leads(instantly, campaign, emails)
            price = await new_price(stripe)
            env = {**pipeline_env(instantly, stripe, f"{tmp}/store.sqlite"), **store_env,
                   "ISMCP_HTTP_RATE_PER_MINUTE": "10000000", "ISMCP_HTTP_MAX_CONCURRENT": "1000"}
            token = await _token(store_env)
            used = iter(emails)
            tools: dict[str, tuple[str, Callable[[int], dict[str, Any]], int]] = {
                "read": ("find_contacts", lambda _n: {"query": "b10"}, READ_CALLS),
                "flow": ("trigger_payment_flow", lambda _n: {"lead_email": next(used), "campaign_id": campaign,
                                                             "price_id": price}, FLOW_CALLS),
            }
            async with _replica(tmp, 1, env) as one, _replica(tmp, 2, env) as two:
                for _round in range(ROUNDS):
                    for layout, upstreams in (("one", [one.url]), ("two", [one.url, two.url])):
                        port = free_port()
                        async with Served(["-m", "bench.balancer", "--port", str(port), *upstreams], port,
                                          health="/healthz", log=Path(tmp, "balancer.log")) as lb:
                            for kind, (tool, args, calls) in tools.items():
                                rate = await _load(lb.url + "/mcp", token, tool, args, calls)
                                rates.setdefault((kind, layout), []).append(rate)
    store_name = "PostgreSQL" if pg_url else "SQLite (no PostgreSQL binaries here)"

    def med(kind: str, layout: str) -> float:
        return statistics.median(rates[(kind, layout)])

    rows = []
    for kind, label in (("read", "find_contacts (read, store only)"),
                        ("flow", f"trigger_payment_flow (+{LATENCY_MS:.0f} ms/request in both sandboxes)")):
        one_r, two_r = med(kind, "one"), med(kind, "two")
        rows.append(Row(
            id="B10", what=f"calls/s over HTTP, 1 vs 2 replicas: {label}",
            figure=f"{one_r:.1f} calls/s with 1 replica, {two_r:.1f} with 2 ({two_r / one_r:.2f} x)",
            goal="reported (two replicas serve one client; see note)", verdict="info",
            detail=[f"1 replica: {', '.join(f'{r:.1f}' for r in rates[(kind, 'one')])} calls/s per round",
                    f"2 replicas: {', '.join(f'{r:.1f}' for r in rates[(kind, 'two')])} calls/s per round",
                    f"{WORKERS} concurrent clients (legacy handshake), bearer token, round-robin balancer in its own "
                    f"process, store: {store_name}"],
            note=("Replicas add throughput only where a replica's CPU is the bound; on this machine every process "
                  "(sandboxes, balancer, clients, replicas, PostgreSQL) shares the same 2 cores with other work, so "
                  "the ratio says little about replicas on separate machines, which were not measured."),
        ))
    return rows
