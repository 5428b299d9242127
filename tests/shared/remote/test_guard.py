"""The door: per-profile network allow-lists (403), X-Forwarded-For believed only from a configured proxy, and
per-token limits on body size (413), request rate and concurrent calls (429); the server stays up."""

from __future__ import annotations

import asyncio
import ipaddress

import httpx

from orchestrator_mcp.server import build
from shared.deps import ServerOptions
from tests.shared.remote.support import new_token, serve

ACCEPT = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}
LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
ACME_NET = {"acme": (ipaddress.ip_network("10.1.0.0/16"),)}


def _post(url: str, token: str, *, forwarded: str | None = None, body: object = LIST) -> httpx.Response:
    headers = {**ACCEPT, "Authorization": f"Bearer {token}"}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    return httpx.post(url, json=body, headers=headers, timeout=30)


async def test_allow_list_refuses_other_networks_and_ignores_forwarded_for_from_untrusted_peers() -> None:
    acme, _ = await new_token("acme", "read")
    beta, _ = await new_token("beta", "read")
    with serve(auth=True, allow=ACME_NET) as s:  # no trusted proxy: the peer (127.0.0.1) is the client
        res = _post(s.url, acme, forwarded="10.1.2.3")
        assert res.status_code == 403 and "not allowed from 127.0.0.1" in res.json()["error_description"]
        assert _post(s.url, beta).status_code == 200  # beta has no allow-list
    with serve(auth=True, allow=ACME_NET, trusted_proxies=(ipaddress.ip_network("127.0.0.1/32"),)) as s:
        assert _post(s.url, acme, forwarded="10.1.2.3").status_code == 200
        # the right-most address the trusted proxy did not add is the client; a forged left part does not help
        assert _post(s.url, acme, forwarded="10.1.2.3, 192.168.7.7").status_code == 403
        assert _post(s.url, acme, forwarded="192.168.7.7").status_code == 403
        assert _post(s.url, acme).status_code == 403  # the proxy itself is not in acme's networks


async def test_body_size_limit_gives_413() -> None:
    token, _ = await new_token("acme", "read")
    with serve(auth=True, max_body_bytes=2000) as s:
        big = {**LIST, "params": {"_meta": {"pad": "x" * 5000}}}
        assert _post(s.url, token, body=big).status_code == 413
        assert _post(s.url, token).status_code == 200


async def test_rate_limit_per_token_gives_429_and_the_server_stays_up() -> None:
    first, _ = await new_token("acme", "read")
    second, _ = await new_token("acme", "read")
    with serve(auth=True, rate_per_minute=3) as s:
        assert [_post(s.url, first).status_code for _ in range(3)] == [200, 200, 200]
        limited = _post(s.url, first)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert limited.json()["error"] == "rate_limited"
        assert _post(s.url, second).status_code == 200  # per token
        assert httpx.get(s.base + "/healthz").status_code == 200


async def test_concurrent_calls_per_token_give_429_while_one_is_running() -> None:
    token, _ = await new_token("acme", "read")
    server = build(ServerOptions())

    @server.tool(name="slow_probe")
    async def slow_probe() -> str:  # a probe for this test: a call that takes a while
        await asyncio.sleep(1.5)
        return "done"

    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "slow_probe", "arguments": {}}}
    with serve(auth=True, server=server, max_concurrent=1) as s:
        headers = {**ACCEPT, "Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(timeout=30) as http:
            slow = asyncio.create_task(http.post(s.url, json=call, headers=headers))
            await asyncio.sleep(0.7)
            busy = await http.post(s.url, json=LIST, headers=headers)
            assert busy.status_code == 429 and busy.json()["error"] == "too_many_concurrent"
            done = await slow
            assert done.status_code == 200 and "done" in done.text
            assert (await http.post(s.url, json=LIST, headers=headers)).status_code == 200
