"""`orchestrator-mcp`: serve over stdio, manage keys, and the operator commands."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from orchestrator_mcp.doctor import add_doctor_command
from orchestrator_mcp.events.serve import add_webhooks_command
from orchestrator_mcp.install import add_install_command
from orchestrator_mcp.keys_cli import add_keys_command
from orchestrator_mcp.retention_cli import add_retention_command
from orchestrator_mcp.sandbox_cli import add_sandbox_command
from shared.cli import ServerCli
from shared.remote.tokens_cli import add_tokens_command
from shared.deps import ServerOptions
from shared.secrets import INSTANTLY_SECRETS, STRIPE_SECRETS


def _serve(options: ServerOptions) -> None:
    from orchestrator_mcp.server import build

    build(options).run()


def _build(options: ServerOptions):  # type: ignore[no-untyped-def]
    from orchestrator_mcp.server import build

    return build(options)


def _add_demo(sub) -> None:  # type: ignore[no-untyped-def]
    demo = sub.add_parser("demo", help="run the end-to-end demo against local sandboxes (no accounts needed)")
    demo.add_argument("--keep", action="store_true", help="keep the sandbox state of the previous run")
    demo.add_argument("--out", help="directory for the funnel picture and the demo's state (default demo-output/)")
    demo.set_defaults(func=_run_demo)


def _run_demo(args) -> int:  # type: ignore[no-untyped-def]
    from orchestrator_mcp.demo import main as demo_main

    return demo_main([*(["--keep"] if args.keep else []), *(["--out", args.out] if args.out else [])])


CLI = ServerCli(
    prog="orchestrator-mcp",
    env_prefix="ORCHESTRATOR",
    description="Composite Instantly + Stripe pipeline tools (stdio server).",
    secrets=(*INSTANTLY_SECRETS, *STRIPE_SECRETS),
    serve=_serve,
    build=_build,
    extra=[_add_demo, add_install_command, add_webhooks_command, add_sandbox_command, add_doctor_command,
           add_tokens_command, add_retention_command, add_keys_command],
)


def main(argv: Sequence[str] | None = None) -> int:
    return CLI.main(argv)


if __name__ == "__main__":
    sys.exit(main())
