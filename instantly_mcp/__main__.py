"""`instantly-mcp`: serve over stdio, manage keys, run the sandbox."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from shared.cli import ServerCli
from shared.deps import ServerOptions
from shared.secrets import INSTANTLY_SECRETS


def _serve(options: ServerOptions) -> None:
    from instantly_mcp.server import build

    build(options).run()


def _build(options: ServerOptions):  # type: ignore[no-untyped-def]
    from instantly_mcp.server import build

    return build(options)


CLI = ServerCli(
    prog="instantly-mcp",
    env_prefix="INSTANTLY",
    description="Instantly.ai as MCP tools (stdio server).",
    secrets=INSTANTLY_SECRETS,
    serve=_serve,
    build=_build,
)


def main(argv: Sequence[str] | None = None) -> int:
    return CLI.main(argv)


if __name__ == "__main__":
    sys.exit(main())
