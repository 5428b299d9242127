"""`sandbox serve` and `sandbox reset` subcommands, for `python -m instantly_mcp.sandbox` and for the
`instantly-mcp` console script (the lead registers `add_sandbox_command` on its subparsers)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DB_ENV = "INSTANTLY_SANDBOX_DB"


def default_db() -> Path:
    """$INSTANTLY_SANDBOX_DB, else `instantly.sqlite` in the shared sandbox data directory."""
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV])
    from shared.sandbox_mode import data_dir

    return data_dir() / "instantly.sqlite"


def _serve_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default=DEFAULT_HOST, help=f"interface to bind (default {DEFAULT_HOST}; keep it loopback)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--db", type=Path, default=None, help=f"SQLite file for the state (default ${DB_ENV} or the user data dir)")
    p.add_argument("--latency-ms", type=float, default=0.0, help="added latency per API request")
    p.add_argument("--fault-rate", type=float, default=0.0, help="share of API requests that fail (0-1)")
    p.add_argument("--fault-kinds", default="429,500,timeout,reset", help="comma list of injected fault kinds")
    p.add_argument("--api-key", default=None, help="the key the sandbox accepts (default sandbox-instantly-key)")
    p.add_argument("--seed", type=int, default=None, help="seed for the fault dice")
    p.add_argument("--no-rate-limits", action="store_true", help="do not enforce Instantly's rate limits")
    p.add_argument("--interest-delay-ms", type=float, default=None,
                   help="how long after its 202 an interest change is applied (default 1000)")


def run_serve(args: argparse.Namespace) -> int:
    from instantly_mcp.sandbox import SANDBOX_API_KEY, create_app
    from shared.asgi import serve_forever

    db = args.db or default_db()
    app = create_app(
        db, api_key=args.api_key or SANDBOX_API_KEY, latency_ms=args.latency_ms, fault_rate=args.fault_rate,
        fault_kinds=[k.strip() for k in args.fault_kinds.split(",") if k.strip()], seed=args.seed,
        rate_limits=not args.no_rate_limits, interest_delay_ms=args.interest_delay_ms,
    )
    print(f"Instantly sandbox on http://{args.host}:{args.port} (state: {db}); "
          f"use Authorization: Bearer {args.api_key or SANDBOX_API_KEY}", file=sys.stderr)
    serve_forever(app, args.host, args.port)
    return 0


def run_reset(args: argparse.Namespace) -> int:
    """Wipe the state: through the running sandbox if one answers on --port, else in the database file."""
    import httpx

    url = f"http://{args.host}:{args.port}"
    try:
        httpx.post(f"{url}/_sandbox/reset", timeout=5).raise_for_status()
        print(f"Reset the running sandbox at {url}.", file=sys.stderr)
        return 0
    except httpx.HTTPError:
        pass
    db = args.db or default_db()
    if not db.exists():
        print(f"Nothing to reset: {db} does not exist.", file=sys.stderr)
        return 0
    from instantly_mcp.sandbox.state import Store

    store = Store(db).open()
    try:
        store.wipe()
    finally:
        store.close()
    print(f"Reset the sandbox state in {db}.", file=sys.stderr)
    return 0


def add_sandbox_command(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `sandbox serve` and `sandbox reset`."""
    p = subparsers.add_parser("sandbox", help="run or reset the local Instantly API sandbox")
    sub = p.add_subparsers(dest="sandbox_command", metavar="ACTION", required=True)
    serve = sub.add_parser("serve", help="run the sandbox in the foreground")
    _serve_flags(serve)
    serve.set_defaults(func=run_serve)
    reset = sub.add_parser("reset", help="wipe the sandbox state (running instance or database file)")
    reset.add_argument("--host", default=DEFAULT_HOST)
    reset.add_argument("--port", type=int, default=DEFAULT_PORT)
    reset.add_argument("--db", type=Path, default=None)
    reset.set_defaults(func=run_reset)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m instantly_mcp.sandbox serve|reset ...`."""
    parser = argparse.ArgumentParser(prog="python -m instantly_mcp.sandbox", description="Instantly API v2 sandbox")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    serve = sub.add_parser("serve", help="run the sandbox in the foreground")
    _serve_flags(serve)
    serve.set_defaults(func=run_serve)
    reset = sub.add_parser("reset", help="wipe the sandbox state")
    reset.add_argument("--host", default=DEFAULT_HOST)
    reset.add_argument("--port", type=int, default=DEFAULT_PORT)
    reset.add_argument("--db", type=Path, default=None)
    reset.set_defaults(func=run_reset)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
