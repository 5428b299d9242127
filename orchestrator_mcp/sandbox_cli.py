"""`orchestrator-mcp sandbox status|start|stop|reset`: the shared local sandboxes used in sandbox mode."""

from __future__ import annotations

import argparse


def add_sandbox_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sandbox", help="the shared local sandboxes used by --sandbox mode")
    ssub = p.add_subparsers(dest="sandbox_command", metavar="ACTION", required=True)
    ssub.add_parser("status", help="say whether each sandbox is running, where, and its PID").set_defaults(
        func=_status)
    ssub.add_parser("start", help="start both sandboxes if they are not running").set_defaults(func=_start)
    ssub.add_parser("stop", help="stop the auto-started sandboxes (their state is kept)").set_defaults(func=_stop)
    reset = ssub.add_parser("reset", help="wipe both sandboxes' state (they keep running)")
    reset.add_argument("--seed", action="store_true", help="then build the seeded world (accounts, campaigns with "
                       "leads and engagement, a Stripe catalogue); starts the sandboxes if needed")
    reset.set_defaults(func=_reset)


def _specs():  # type: ignore[no-untyped-def]
    from instantly_mcp.deps import SANDBOX as INSTANTLY
    from stripe_mcp.deps import SANDBOX as STRIPE

    return (INSTANTLY, STRIPE)


def _status(_args: argparse.Namespace) -> int:
    from shared.sandbox_mode import probe, started_pid

    for spec in _specs():
        found = probe(spec, timeout=2.0)
        if found.state == "sandbox":
            how = "auto-started" if found.pid is not None and found.pid == started_pid(spec) else "started by hand"
            line = f"running at {spec.url} (pid {found.pid}, {how})"
        elif found.state == "free":
            line = f"not running (port {spec.port} is free)"
        else:
            line = f"not running: port {spec.port} is held by something else ({found.detail})"
        print(f"{spec.name}: {line}")
    return 0


def _start(_args: argparse.Namespace) -> int:
    from shared.sandbox_mode import ensure_running, probe

    for spec in _specs():
        url = ensure_running(spec)
        print(f"{spec.name}: running at {url} (pid {probe(spec, timeout=2.0).pid})")
    return 0


def _stop(_args: argparse.Namespace) -> int:
    from shared.sandbox_mode import stop

    for spec in _specs():
        print(f"{spec.name}: {stop(spec)}")
    return 0


def _reset(args: argparse.Namespace) -> int:
    if getattr(args, "seed", False):
        return _reset_seeded()
    from shared.sandbox_mode import reset

    for spec in _specs():
        print(f"{spec.name}: {'reset' if reset(spec) else 'not running (nothing to reset)'}")
    return 0


def _reset_seeded() -> int:
    """`sandbox reset --seed`: wipe both shared sandboxes and build the seeded world (as the sandbox_reset tool)."""
    import asyncio

    from orchestrator_mcp.deps import OrchestratorDeps
    from orchestrator_mcp.simulation.sandboxes import open_sandboxes
    from orchestrator_mcp.simulation.world import describe, start_over
    from shared.deps import ServerOptions

    async def run() -> list[str]:
        deps = OrchestratorDeps(ServerOptions(sandbox=True, audit=False))
        sb = await open_sandboxes()
        try:
            world, _ = await start_over(deps, sb, seed=True)
        finally:
            await sb.aclose()
            await deps.aclose()
        return ["instantly: reset", "stripe: reset", *(describe(world) if world else [])]

    for line in asyncio.run(run()):
        print(line)
    return 0
