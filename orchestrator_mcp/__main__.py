"""`orchestrator-mcp`: serve over stdio, manage keys, and the operator commands."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from orchestrator_mcp.install import add_install_command
from shared.cli import ServerCli
from shared.deps import ServerOptions
from shared.secrets import INSTANTLY_SECRETS, STRIPE_SECRETS


def _serve(options: ServerOptions) -> None:
    from orchestrator_mcp.server import build

    build(options).run()


def _add_demo(sub) -> None:  # type: ignore[no-untyped-def]
    demo = sub.add_parser("demo", help="run the end-to-end demo against local sandboxes (no accounts needed)")
    demo.set_defaults(func=lambda _args: __import__("orchestrator_mcp.demo", fromlist=["main"]).main())


CLI = ServerCli(
    prog="orchestrator-mcp",
    env_prefix="ORCHESTRATOR",
    description="Composite Instantly + Stripe pipeline tools (stdio server).",
    secrets=(*INSTANTLY_SECRETS, *STRIPE_SECRETS),
    serve=_serve,
    extra=[_add_demo, add_install_command],
)


def main(argv: Sequence[str] | None = None) -> int:
    return CLI.main(argv)


if __name__ == "__main__":
    sys.exit(main())
