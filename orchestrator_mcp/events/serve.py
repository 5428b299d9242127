"""`orchestrator-mcp webhooks serve --host 127.0.0.1 --port N [--workers W]`: the receiver with the processor inside
it. With --workers, W processes accept on the one port (each its own SO_REUSEPORT socket, events/workers.py) and
share the store; each runs a processor, and leases keep any event from being
processed twice."""

from __future__ import annotations

import argparse
import logging
import os
from typing import TYPE_CHECKING

from shared.deps import ServerOptions

if TYPE_CHECKING:
    from shared.store import Store

log = logging.getLogger(__name__)


def build_app(options: ServerOptions, *, interval: float = 2.0, process: bool = True):  # type: ignore[no-untyped-def]
    """The receiver app; imported lazily so the CLI's start-up does not load the clients."""
    from orchestrator_mcp.deps import OrchestratorDeps
    from orchestrator_mcp.events.receiver import create_receiver
    from orchestrator_mcp.events.runtime import processor_for

    deps = OrchestratorDeps(options)
    wake: dict[str, object] = {}

    def on_stored() -> None:
        processor = wake.get("processor")
        if processor is not None:
            processor.wake.set()  # type: ignore[attr-defined]

    async def background(store: Store) -> None:
        import asyncio

        from orchestrator_mcp.retention import retention_loop

        processor = processor_for(deps, store, all_scopes=True)  # every profile's events, each under its own
        wake["processor"] = processor
        purges = asyncio.ensure_future(retention_loop(store))  # retention purges on their schedule
        try:
            await processor.run_forever(interval=interval)
        finally:
            purges.cancel()
            await asyncio.gather(purges, return_exceptions=True)
            await deps.aclose()

    return create_receiver(deps.store, on_stored=on_stored, background=background if process else None)


def add_webhooks_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("webhooks", help="receive Stripe and Instantly webhooks")
    wsub = p.add_subparsers(dest="webhooks_command", metavar="ACTION", required=True)
    serve = wsub.add_parser("serve", help="run the receiver (and the event processor) in the foreground")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8787, help="port (default 8787)")
    serve.add_argument("--interval", type=float, default=2.0, help="seconds between retry sweeps")
    serve.add_argument("--no-process", action="store_true", help="only store events; process them with a tool")
    serve.add_argument("--sandbox", action="store_true", default=None, help="talk to the local sandboxes")
    serve.add_argument("--store", help="store path or database URL")
    serve.add_argument("--workers", type=int, default=1, help="receiver processes sharing the port (default 1)")
    serve.set_defaults(func=_serve)


# How a worker process learns the parent's flags (uvicorn starts workers by import string, not with objects).
_ENV = {"store": "ISMCP_WEBHOOKS_STORE", "sandbox": "ISMCP_WEBHOOKS_SANDBOX", "interval": "ISMCP_WEBHOOKS_INTERVAL",
        "process": "ISMCP_WEBHOOKS_PROCESS"}


def app_from_env():  # type: ignore[no-untyped-def]
    """The app in a worker process, configured by the parent through _ENV."""
    options = ServerOptions.from_env("ORCHESTRATOR", sandbox=os.environ.get(_ENV["sandbox"]) == "1" or None,
                                     store_url=os.environ.get(_ENV["store"]) or None)
    return build_app(options, interval=float(os.environ.get(_ENV["interval"]) or 2.0),
                     process=os.environ.get(_ENV["process"], "1") == "1")


def _serve(args: argparse.Namespace) -> int:
    from shared.asgi import serve_forever

    log.warning("webhook receiver on http://%s:%d (POST /webhooks/stripe, /webhooks/instantly, and "
                "/webhooks/stripe/{profile}, /webhooks/instantly/{profile} per profile)", args.host, args.port)
    if args.workers > 1:
        from orchestrator_mcp.events.workers import serve_workers

        env = {_ENV["store"]: args.store or "", _ENV["sandbox"]: "1" if args.sandbox else "",
               _ENV["interval"]: str(args.interval), _ENV["process"]: "0" if args.no_process else "1"}
        return serve_workers("orchestrator_mcp.events.serve:app_from_env", args.host, args.port, args.workers, env)
    options = ServerOptions.from_env("ORCHESTRATOR", sandbox=args.sandbox, store_url=args.store)
    app = build_app(options, interval=args.interval, process=not args.no_process)
    serve_forever(app, args.host, args.port)
    return 0
