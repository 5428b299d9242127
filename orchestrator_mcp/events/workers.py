"""Several receiver processes on one port, each with its own listening socket (SO_REUSEPORT): the kernel spreads
connections over them, and each process accepts only its own.

    python -m orchestrator_mcp.events.workers --factory module:function --port 8787 --workers 2

uvicorn's own multi-worker mode (one socket shared by all workers) reached 640 events/s with two workers in bench
B2 where two independent processes reached 2,570: its workers woke together on the shared socket and took
connections unevenly. Each worker is a fresh interpreter (spawn) that builds the app from `factory`; the parent
only supervises: SIGTERM/SIGINT stop every worker, and a worker whose parent dies is stopped by the kernel."""

from __future__ import annotations

import argparse
import multiprocessing
import signal
import socket
import sys
from typing import Any

HAS_REUSEPORT = hasattr(socket, "SO_REUSEPORT")


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        try:  # PR_SET_PDEATHSIG: SIGTERM when the supervisor is gone, even after a SIGKILL
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
        except OSError:
            pass


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # asyncio sets TCP_NODELAY only then
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _worker(factory: str, host: str, port: int, env: dict[str, str]) -> None:
    import os

    import uvicorn

    _die_with_parent()
    os.environ.update(env)
    server = uvicorn.Server(uvicorn.Config(factory, factory=True, log_level="warning", lifespan="on",
                                           timeout_graceful_shutdown=5))
    server.run(sockets=[bind(host, port)])


def serve_workers(factory: str, host: str, port: int, workers: int, env: dict[str, str] | None = None) -> int:
    """Run `workers` processes serving `factory` (an import string of an app factory) on host:port; returns when
    they have all stopped."""
    if not HAS_REUSEPORT:  # not on this platform: uvicorn's shared-socket workers instead
        import uvicorn

        uvicorn.run(factory, factory=True, host=host, port=port, workers=workers, log_level="warning")
        return 0
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(factory, host, port, env or {}), name=f"receiver-{i}")
             for i in range(workers)]
    for p in procs:
        p.start()

    def stop(_signum: int, _frame: Any) -> None:
        for p in procs:
            if p.is_alive() and p.pid is not None:
                p.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for p in procs:
        p.join()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrator_mcp.events.workers")
    parser.add_argument("--factory", required=True, help="module:function returning the ASGI app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    return serve_workers(args.factory, args.host, args.port, args.workers)


if __name__ == "__main__":
    sys.exit(main())
