"""`orchestrator-mcp retention run|show`: the terminal commands over orchestrator_mcp/retention.py (user-path code:
they print to the terminal; the servers never import this module)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from orchestrator_mcp.retention import LABELS, describe_policy, run_retention, status_lines
from shared.store.models import RetentionPolicy


def add_retention_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("retention", help="retention policies: show them, or purge what is past them now")
    rsub = p.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    run = rsub.add_parser("run", help="purge now what the policies say is expired; prints what it removed")
    run.add_argument("--dry-run", action="store_true", help="only count what would be removed")
    run.add_argument("--store", help="store path or database URL")
    run.set_defaults(func=_cli_run)
    show = rsub.add_parser("show", help="the policies, the oldest row in each table and the next purge")
    show.add_argument("--store", help="store path or database URL")
    show.set_defaults(func=_cli_show)


def _cli_run(args: argparse.Namespace) -> int:
    async def go() -> dict[str, Any]:
        from shared.store import open_store

        store = await open_store(args.store)
        try:
            return await run_retention(store, dry_run=args.dry_run, all_scopes=True)
        finally:
            await store.close()

    report = asyncio.run(go())
    verb = "would remove" if args.dry_run else "removed"
    print(f"policy: {describe_policy(RetentionPolicy(**report['policy']))}")
    for what, n in report["removed"].items():
        print(f"{verb} {n:>8}  {LABELS.get(what, what.replace('_', ' '))}")
    if not report["removed"]:
        print("nothing to purge: every policy is off")
    return 0


def _cli_show(args: argparse.Namespace) -> int:
    from shared.cli import print_store_lines

    return print_store_lines(args.store, status_lines)
