"""Command line: `sandbox serve` and `sandbox reset`, for `stripe-mcp` (via add_sandbox_command) and for
`python -m stripe_mcp.sandbox`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

DEFAULT_DB = "stripe-sandbox.sqlite"
DEFAULT_PORT = 12111


def _add_actions(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = sub.add_parser("serve", help="run the Stripe sandbox on loopback (foreground)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--db", default=DEFAULT_DB, help=f"SQLite file for the state (default {DEFAULT_DB})")
    serve.add_argument("--latency-ms", type=float, default=0.0, help="added latency per API request")
    serve.add_argument("--fault-rate", type=float, default=0.0, help="share of API requests that fail (0..1)")
    serve.add_argument("--seed", type=int, default=None, help="seed for ids and faults (reproducible runs)")
    serve.add_argument("--search-lag", type=float, default=None,
                       help="seconds before a new object is found by search (default 1; env STRIPE_SANDBOX_SEARCH_LAG)")
    serve.set_defaults(func=run_serve)
    reset = sub.add_parser("reset", help="delete everything in a sandbox database")
    reset.add_argument("--db", default=DEFAULT_DB, help=f"SQLite file (default {DEFAULT_DB})")
    reset.set_defaults(func=run_reset)


def add_sandbox_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """Register `sandbox serve|reset` on a server's subcommands (e.g. `stripe-mcp sandbox serve`)."""
    parser = subparsers.add_parser("sandbox", help="a local Stripe API simulator for tests and demos")
    _add_actions(parser.add_subparsers(dest="sandbox_command", metavar="ACTION", required=True))
    return parser


def run_serve(args: argparse.Namespace) -> int:
    from shared.asgi import serve_forever

    from . import SANDBOX_API_KEY
    from .app import create_app

    app = create_app(Path(args.db), latency_ms=args.latency_ms, fault_rate=getattr(args, "fault_rate", 0.0),
                     search_lag_seconds=args.search_lag,
                     seed=getattr(args, "seed", None))
    print(f"Stripe sandbox on http://{args.host}:{args.port} (db {args.db}); API key {SANDBOX_API_KEY}; "
          f"controls under /_sandbox/", file=sys.stderr)
    serve_forever(app, args.host, args.port)
    return 0


def run_reset(args: argparse.Namespace) -> int:
    from .store import Store

    store = Store(Path(args.db))
    try:
        store.reset()
    finally:
        store.close()
    print(f"Sandbox database {args.db} reset.", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stripe_mcp.sandbox", description="Local Stripe API simulator.")
    _add_actions(parser.add_subparsers(dest="sandbox_command", metavar="ACTION", required=True))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
