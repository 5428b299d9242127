"""`orchestrator-mcp webhooks serve --host 127.0.0.1 --port N`: the receiver with the processor inside it."""

from __future__ import annotations

import argparse
import logging
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
        processor = processor_for(deps, store)
        wake["processor"] = processor
        try:
            await processor.run_forever(interval=interval)
        finally:
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
    serve.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    from shared.asgi import serve_forever

    options = ServerOptions.from_env("ORCHESTRATOR", sandbox=args.sandbox, store_url=args.store)
    app = build_app(options, interval=args.interval, process=not args.no_process)
    log.warning("webhook receiver on http://%s:%d (POST /webhooks/stripe, /webhooks/instantly)", args.host, args.port)
    serve_forever(app, args.host, args.port)
    return 0
