"""`orchestrator-mcp sandbox status|reset`: the shared local sandboxes used in sandbox mode."""

from __future__ import annotations

import argparse


def add_sandbox_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sandbox", help="the shared local sandboxes used by --sandbox mode")
    ssub = p.add_subparsers(dest="sandbox_command", metavar="ACTION", required=True)
    ssub.add_parser("status", help="say whether each sandbox is running, and where").set_defaults(func=_status)
    ssub.add_parser("start", help="start both sandboxes if they are not running").set_defaults(func=_start)
    reset = ssub.add_parser("reset", help="wipe both sandboxes' state (they keep running)")
    reset.add_argument("--seed", action="store_true", help="then build the seeded world (accounts, campaigns with "
                       "leads and engagement, a Stripe catalogue); starts the sandboxes if needed")
    reset.set_defaults(func=_reset)


def _specs():  # type: ignore[no-untyped-def]
    from instantly_mcp.deps import SANDBOX as INSTANTLY
    from stripe_mcp.deps import SANDBOX as STRIPE

    return (INSTANTLY, STRIPE)


def _status(_args: argparse.Namespace) -> int:
    from shared.sandbox_mode import answers

    for spec in _specs():
        print(f"{spec.name}: {'running at ' + spec.url if answers(spec.url) else 'not running'}")
    return 0


def _start(_args: argparse.Namespace) -> int:
    from shared.sandbox_mode import ensure_running

    for spec in _specs():
        print(f"{spec.name}: running at {ensure_running(spec)}")
    return 0


def _reset(args: argparse.Namespace) -> int:
    if getattr(args, "seed", False):
        from orchestrator_mcp.simulation.world import main_reset

        return main_reset(seed=True)
    from shared.sandbox_mode import reset

    for spec in _specs():
        print(f"{spec.name}: {'reset' if reset(spec) else 'not running (nothing to reset)'}")
    return 0
