"""A round-robin HTTP balancer, as small as it can be: each request goes to the next upstream in turn, its
response (SSE included) streamed back as it arrives. Used by the replica test and B10 in front of two
orchestrator replicas; records which upstream served which JSON-RPC message."""

from __future__ import annotations

import itertools
import json
from typing import Any

import httpx

HOP_BY_HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"upgrade", b"te", b"trailer",
              b"proxy-authorization", b"proxy-authenticate", b"host", b"content-length"}


class RoundRobin:
    """ASGI app: `RoundRobin(["http://127.0.0.1:8001", "http://127.0.0.1:8002"])`."""

    def __init__(self, upstreams: list[str]) -> None:
        self.upstreams = upstreams
        self._next = itertools.cycle(range(len(upstreams)))
        self.log: list[tuple[int, str, str | None]] = []  # (upstream index, JSON-RPC method, tool name)
        self.http: httpx.AsyncClient | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    self.http = httpx.AsyncClient(timeout=httpx.Timeout(60.0), limits=httpx.Limits(
                        max_connections=200, max_keepalive_connections=100))
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    if self.http is not None:
                        await self.http.aclose()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        index = next(self._next)
        self.log.append((index, *_describe(body)))
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in HOP_BY_HOP]
        path = scope["path"] + (f"?{scope['query_string'].decode()}" if scope.get("query_string") else "")
        assert self.http is not None
        request = self.http.build_request(scope["method"], self.upstreams[index] + path, headers=headers,
                                          content=body)
        response = await self.http.send(request, stream=True)
        try:
            out = [(k.encode(), v.encode()) for k, v in response.headers.items()
                   if k.lower().encode() not in HOP_BY_HOP]
            await send({"type": "http.response.start", "status": response.status_code, "headers": out})
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await response.aclose()


def _describe(body: bytes) -> tuple[str, str | None]:
    try:
        message = json.loads(body or b"{}")
    except ValueError:
        return "?", None
    if not isinstance(message, dict):
        return "batch", None
    params = message.get("params") or {}
    return str(message.get("method", "")), params.get("name") if isinstance(params, dict) else None


def main(argv: list[str] | None = None) -> None:
    """`python -m bench.balancer --port P URL [URL ...]`: the balancer in its own process (B10), with `/healthz`
    answered by the first upstream."""
    import argparse

    import uvicorn

    p = argparse.ArgumentParser(prog="python -m bench.balancer")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("upstreams", nargs="+")
    args = p.parse_args(argv)
    uvicorn.run(RoundRobin(args.upstreams), host="127.0.0.1", port=args.port, log_level="warning",
                proxy_headers=False)


if __name__ == "__main__":
    main()
